// Every kind gets every form (issue 13 item 4): the async deadline forms of oneshot, broadcast
// and watermark (async_*_for / async_*_until with the caller's timer), close() and
// is_disconnected() where a kind has those states, and the empty-handle rule on every handle.
// These forms did not exist before (the tests did not compile). No sleeps: the timers are fired
// by the test (manual_timer), or run the deadline task at once (immediate_timer).
#include <gtest/gtest.h>

#include <chrono>
#include <coroutine>
#include <optional>
#include <stop_token>
#include <utility>

#include "async_support.hpp"
#include "sluice/sluice.hpp"

using namespace std::chrono_literals;
using sluice::errc;
using sluice_test::manual_timer;
using sluice_test::owned;

namespace {

// A timer whose deadline has always passed by the time it is asked: it runs the deadline task
// inside schedule_at, i.e. while the operation registers its wait.
struct immediate_timer {
  void schedule(std::coroutine_handle<> h) { h.resume(); }
  void schedule_at(std::chrono::steady_clock::time_point, std::coroutine_handle<> h) { h.resume(); }
};
static_assert(sluice::timer_scheduler<immediate_timer>);

template <class Op>
using result_of = decltype(std::declval<Op&>().await_resume());

// Awaits `op` in a coroutine the test owns; the result lands in `out`.
template <class Op>
owned await_into(Op op, std::optional<result_of<Op>>* out) {
  out->emplace(co_await op);
}

const auto past = [] { return std::chrono::steady_clock::now() - 1s; };

// ---- oneshot ---------------------------------------------------------------------------------

TEST(KindsForms, OneshotAsyncRecvForTimesOutOnTheTimerAndTheLaterMessageStays) {
  auto [tx, rx] = sluice::oneshot<int>();
  manual_timer timer;
  std::optional<sluice::recv_result<int>> got;
  owned c = await_into(rx.async_recv_for(1h, timer), &got);
  ASSERT_FALSE(c.done());
  EXPECT_EQ(timer.pending(), 1u);
  timer.fire_all();  // the deadline passes before the sender acts
  ASSERT_TRUE(c.done());
  EXPECT_EQ(got->error(), errc::timed_out);
  ASSERT_TRUE(std::move(tx).send(7));
  EXPECT_EQ(rx.try_recv().value(), 7);
}

TEST(KindsForms, OneshotAsyncRecvUntilInThePastTimesOutWithoutWaitingOrScheduling) {
  auto [tx, rx] = sluice::oneshot<int>();
  manual_timer timer;
  std::optional<sluice::recv_result<int>> got;
  owned c = await_into(rx.async_recv_until(past(), timer), &got);
  ASSERT_TRUE(c.done());
  EXPECT_EQ(got->error(), errc::timed_out);
  EXPECT_EQ(timer.pending(), 0u);
  ASSERT_TRUE(std::move(tx).send(8));  // the past deadline does not lose a message already sent
  std::optional<sluice::recv_result<int>> again;
  owned d = await_into(rx.async_recv_until(past(), timer), &again);
  EXPECT_EQ(again->value(), 8);
}

TEST(KindsForms, OneshotAsyncRecvForMessageBeforeTheDeadlineWinsAndTheLateTimerIsHarmless) {
  auto [tx, rx] = sluice::oneshot<int>();
  manual_timer timer;
  std::optional<sluice::recv_result<int>> got;
  {
    owned c = await_into(rx.async_recv_for(1h, timer), &got);
    ASSERT_TRUE(std::move(tx).send(9));
    ASSERT_TRUE(c.done());
    EXPECT_EQ(got->value(), 9);
  }
  timer.fire_all();
  EXPECT_EQ(rx.try_recv().error(), errc::closed);  // taken once
}

TEST(KindsForms, OneshotAsyncRecvForCancelledByStopThenDestroyedWaitingTakesNothing) {
  auto [tx, rx] = sluice::oneshot<int>();
  manual_timer timer;
  std::stop_source stop;
  std::optional<sluice::recv_result<int>> got;
  owned c = await_into(rx.async_recv_for(1h, timer, stop.get_token()), &got);
  stop.request_stop();
  ASSERT_TRUE(c.done());
  EXPECT_EQ(got->error(), errc::cancelled);
  std::optional<sluice::recv_result<int>> never;
  owned d = await_into(rx.async_recv_for(1h, timer), &never);
  d.h.destroy();  // destroyed while it waits, with its deadline task pending
  d.h = {};
  timer.fire_all();
  EXPECT_FALSE(never.has_value());
  ASSERT_TRUE(std::move(tx).send(10));
  EXPECT_EQ(rx.try_recv().value(), 10);
}

TEST(KindsForms, OneshotDeadlinePassingWhileTheWaitRegistersTimesOutAndWithdraws) {
  auto [tx, rx] = sluice::oneshot<int>();
  immediate_timer timer;
  std::optional<sluice::recv_result<int>> got;
  owned c = await_into(rx.async_recv_for(1h, timer), &got);
  ASSERT_TRUE(c.done());
  EXPECT_EQ(got->error(), errc::timed_out);
  ASSERT_TRUE(std::move(tx).send(11));  // no stale registration: the message stays
  EXPECT_EQ(rx.try_recv().value(), 11);
}

TEST(KindsForms, OneshotIsDisconnectedOnBothSides) {
  auto [tx, rx] = sluice::oneshot<int>();
  EXPECT_FALSE(tx.is_disconnected());
  EXPECT_FALSE(rx.is_disconnected());
  ASSERT_TRUE(std::move(tx).send(1));
  EXPECT_FALSE(rx.is_disconnected());  // a message waits
  EXPECT_EQ(rx.recv().value(), 1);
  EXPECT_TRUE(rx.is_disconnected());  // taken
  auto [tx2, rx2] = sluice::oneshot<int>();
  { auto gone = std::move(rx2); }
  EXPECT_TRUE(tx2.is_disconnected());
  auto [tx3, rx3] = sluice::oneshot<int>();
  { auto gone = std::move(tx3); }
  EXPECT_TRUE(rx3.is_disconnected());
}

// ---- broadcast -------------------------------------------------------------------------------

TEST(KindsForms, BroadcastAsyncRecvForTimesOutAndItsPositionStays) {
  auto [tx, rx] = sluice::broadcast<int>(2);
  manual_timer timer;
  std::optional<sluice::broadcast_result<int>> got;
  owned c = await_into(rx.async_recv_for(1h, timer), &got);
  ASSERT_FALSE(c.done());
  timer.fire_all();
  ASSERT_TRUE(c.done());
  EXPECT_EQ(got->error().code, errc::timed_out);
  ASSERT_TRUE(tx.send(3));
  EXPECT_EQ(rx.try_recv().value(), 3);
}

TEST(KindsForms, BroadcastAsyncRecvUntilPastAndImmediateDeadlinesTimeOutAMessageWins) {
  auto [tx, rx] = sluice::broadcast<int>(2);
  manual_timer timer;
  std::optional<sluice::broadcast_result<int>> a, b, c;
  owned oa = await_into(rx.async_recv_until(past(), timer), &a);
  EXPECT_EQ(a->error().code, errc::timed_out);
  EXPECT_EQ(timer.pending(), 0u);
  immediate_timer now;
  owned ob = await_into(rx.async_recv_for(1h, now), &b);
  EXPECT_EQ(b->error().code, errc::timed_out);
  ASSERT_TRUE(tx.send(4));
  owned oc = await_into(rx.async_recv_until(past(), timer), &c);  // found without waiting
  EXPECT_EQ(c->value(), 4);
}

TEST(KindsForms, BroadcastAsyncSendForTimesOutWhileFullAndHandsTheMessageBack) {
  auto [tx, rx] = sluice::broadcast<int>(1);
  ASSERT_TRUE(tx.send(1));  // full until rx reads
  manual_timer timer;
  std::optional<sluice::send_result<int>> got;
  owned c = await_into(tx.async_send_for(2, 1h, timer), &got);
  ASSERT_FALSE(c.done());
  timer.fire_all();
  ASSERT_TRUE(c.done());
  EXPECT_EQ(got->error().code, errc::timed_out);
  EXPECT_EQ(got->error().message, 2);
  EXPECT_EQ(rx.try_recv().value(), 1);
  EXPECT_EQ(rx.try_recv().error().code, errc::empty);  // the timed-out message was not sent
}

TEST(KindsForms, BroadcastAsyncSendUntilSlotFreedBeforeTheDeadlineSendsCancelHandsBack) {
  auto [tx, rx] = sluice::broadcast<int>(1);
  ASSERT_TRUE(tx.send(1));
  manual_timer timer;
  std::optional<sluice::send_result<int>> sent, past_one, cancelled;
  owned p = await_into(tx.async_send_until(5, past(), timer), &past_one);
  EXPECT_EQ(past_one->error().code, errc::timed_out);
  owned c = await_into(tx.async_send_until(2, std::chrono::steady_clock::now() + 1h, timer), &sent);
  EXPECT_EQ(rx.recv().value(), 1);  // frees the slot: the waiting send completes
  ASSERT_TRUE(c.done());
  EXPECT_TRUE(sent->has_value());
  std::stop_source stop;
  owned d = await_into(tx.async_send_for(3, 1h, timer, stop.get_token()), &cancelled);
  stop.request_stop();
  EXPECT_EQ(cancelled->error().code, errc::cancelled);
  EXPECT_EQ(cancelled->error().message, 3);
  timer.fire_all();  // late tasks are harmless
  EXPECT_EQ(rx.try_recv().value(), 2);
}

TEST(KindsForms, BroadcastCloseFromEitherSideFailsSendsWakesWaitersAndKeepsUnread) {
  auto [tx, rx] = sluice::broadcast<int>(1);
  ASSERT_TRUE(tx.send(1));
  std::optional<sluice::send_result<int>> sent;
  owned waiting_send = await_into(tx.async_send(2), &sent);
  ASSERT_FALSE(waiting_send.done());
  EXPECT_FALSE(tx.is_disconnected());
  EXPECT_FALSE(rx.is_disconnected());
  EXPECT_TRUE(rx.close());
  EXPECT_FALSE(tx.close());  // already closed
  ASSERT_TRUE(waiting_send.done());
  EXPECT_EQ(sent->error().code, errc::closed);
  EXPECT_EQ(sent->error().message, 2);
  EXPECT_TRUE(tx.is_disconnected());
  EXPECT_TRUE(rx.is_disconnected());
  EXPECT_EQ(tx.try_send(3).error().code, errc::closed);
  EXPECT_EQ(rx.recv().value(), 1);  // unread before the close
  EXPECT_EQ(rx.recv().error().code, errc::closed);
  auto [tx2, rx2] = sluice::broadcast<int>(1);
  std::optional<sluice::broadcast_result<int>> got;
  owned waiting_recv = await_into(rx2.async_recv(), &got);
  EXPECT_TRUE(tx2.close());
  ASSERT_TRUE(waiting_recv.done());
  EXPECT_EQ(got->error().code, errc::closed);
}

// ---- watermark -------------------------------------------------------------------------------

TEST(KindsForms, WatermarkAsyncRecvForTimesOutPastAndImmediateToo) {
  auto [src, rx] = sluice::watermark<int>(1, 2);
  manual_timer timer;
  std::optional<sluice::watermark_result<int>> a, b, c;
  owned oa = await_into(rx.async_recv_for(1h, timer), &a);
  ASSERT_FALSE(oa.done());
  timer.fire_all();
  ASSERT_TRUE(oa.done());
  EXPECT_EQ(a->error().code, errc::timed_out);
  owned ob = await_into(rx.async_recv_until(past(), timer), &b);
  EXPECT_EQ(b->error().code, errc::timed_out);
  immediate_timer now;
  owned oc = await_into(rx.async_recv_for(1h, now), &c);
  EXPECT_EQ(c->error().code, errc::timed_out);
  ASSERT_TRUE(src.try_send(5));  // no stale consumer registration
  EXPECT_EQ(rx.try_recv().value(), 5);
}

TEST(KindsForms, WatermarkAsyncSendForTimesOutWhilePausedTheElementStaysEnqueued) {
  auto [src, rx] = sluice::watermark<int>(1, 2);
  ASSERT_TRUE(src.try_send(1));
  manual_timer timer;
  std::optional<sluice::result<void, errc>> got, gone, stopped;
  owned c = await_into(src.async_send_for(2, 1h, timer), &got);  // level 2 >= high: paused
  ASSERT_FALSE(c.done());
  timer.fire_all();
  ASSERT_TRUE(c.done());
  EXPECT_EQ(got->error(), errc::timed_out);
  EXPECT_EQ(rx.len(), 2u);
  owned p = await_into(src.async_send_until(3, past(), timer), &gone);
  EXPECT_EQ(gone->error(), errc::timed_out);
  std::stop_source stop;
  owned s = await_into(src.async_send_for(4, 1h, timer, stop.get_token()), &stopped);
  stop.request_stop();
  EXPECT_EQ(stopped->error(), errc::cancelled);
  EXPECT_EQ(rx.len(), 4u);
  for (int i = 1; i <= 4; ++i) EXPECT_EQ(rx.try_recv().value(), i);
  timer.fire_all();
}

TEST(KindsForms, WatermarkAsyncSendUntilResumedBelowLowBeforeTheDeadline) {
  auto [src, rx] = sluice::watermark<int>(1, 2);
  ASSERT_TRUE(src.try_send(1));
  manual_timer timer;
  std::optional<sluice::result<void, errc>> got;
  owned c = await_into(src.async_send_until(2, std::chrono::steady_clock::now() + 1h, timer), &got);
  ASSERT_FALSE(c.done());
  EXPECT_EQ(rx.try_recv().value(), 1);
  ASSERT_FALSE(c.done());  // level 1: not below low yet
  EXPECT_EQ(rx.try_recv().value(), 2);
  ASSERT_TRUE(c.done());
  EXPECT_TRUE(got->has_value());
}

TEST(KindsForms, WatermarkCloseFromTheConsumerWakesPausedSendsAndKeepsTheBuffer) {
  auto [src, rx] = sluice::watermark<int>(1, 2);
  ASSERT_TRUE(src.try_send(1));
  std::optional<sluice::result<void, errc>> got;
  owned c = await_into(src.async_send(2), &got);
  ASSERT_FALSE(c.done());
  EXPECT_FALSE(src.is_disconnected());
  EXPECT_FALSE(rx.is_disconnected());
  EXPECT_TRUE(rx.close());
  EXPECT_FALSE(src.close());
  ASSERT_TRUE(c.done());
  EXPECT_EQ(got->error(), errc::closed);
  EXPECT_TRUE(src.is_disconnected());
  EXPECT_TRUE(rx.is_disconnected());
  EXPECT_FALSE(src.try_send(3));
  EXPECT_EQ(rx.recv().value(), 1);
  EXPECT_EQ(rx.recv().value(), 2);
  EXPECT_EQ(rx.recv().error().code, errc::closed);
}

TEST(KindsForms, WatermarkCloseFromASourceEndsAWaitingConsumersStream) {
  auto [src, rx] = sluice::watermark<int>(1, 2);
  std::optional<sluice::watermark_result<int>> got;
  owned c = await_into(rx.async_recv(), &got);
  ASSERT_FALSE(c.done());
  EXPECT_TRUE(src.close());
  ASSERT_TRUE(c.done());
  EXPECT_EQ(got->error().code, errc::closed);
  EXPECT_FALSE(got->error().error);
}

// ---- empty handles ---------------------------------------------------------------------------

template <class H, class Use>
void expect_empty_after_move(H& h, Use use) {
  H other = std::move(h);
  EXPECT_FALSE(h.valid());
  EXPECT_TRUE(other.valid());
  EXPECT_THROW(use(h), sluice::empty_handle_error);
  H def;
  EXPECT_THROW(use(def), sluice::empty_handle_error);
}

TEST(KindsForms, EveryMovedFromHandleThrowsEmptyHandleErrorOnUse) {
  manual_timer timer;
  {
    auto [tx, rx] = sluice::bounded<int>(1);
    auto weak = tx.downgrade();
    expect_empty_after_move(tx, [](auto& h) { (void)h.try_send(1); });
    expect_empty_after_move(rx, [&](auto& h) { (void)h.async_recv_for(1s, timer); });
    expect_empty_after_move(weak, [](auto& h) { (void)h.upgrade(); });
  }
  {
    auto [tx, rx] = sluice::spsc_bounded<int>(1);
    expect_empty_after_move(tx, [](auto& h) { (void)h.send_for(1, 1s); });
    expect_empty_after_move(rx, [](auto& h) { (void)h.close(); });
  }
  {
    auto [tx, rx] = sluice::oneshot<int>();
    expect_empty_after_move(tx, [](auto& h) { (void)h.is_disconnected(); });
    expect_empty_after_move(rx, [&](auto& h) { (void)h.async_recv_until(past(), timer); });
  }
  {
    auto [tx, rx] = sluice::broadcast<int>(1);
    expect_empty_after_move(tx, [&](auto& h) { (void)h.async_send_for(1, 1s, timer); });
    expect_empty_after_move(rx, [](auto& h) { (void)h.is_disconnected(); });
  }
  {
    auto [src, rx] = sluice::watermark<int>(1, 2);
    expect_empty_after_move(src, [](auto& h) { (void)h.close(); });
    expect_empty_after_move(rx, [&](auto& h) { (void)h.async_recv_for(1s, timer); });
  }
}

}  // namespace
