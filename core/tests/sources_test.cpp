// sources (sources.hpp): never<T>() is never ready, in select, the selector and async_select,
// and its recv ends only by its deadline or stop token; after(d) delivers its instant once;
// tick(d) delivers every d and drops missed ticks; a timer case wakes a blocking select by
// itself, and a coroutine selector's through the caller's timer. Real clock, so only facts that
// cannot flake: a due timer is ready, an hour-away one is not, and instants are ordered.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <stop_token>
#include <thread>
#include <vector>

#include "async_support.hpp"
#include "sluice/sluice.hpp"

using namespace std::chrono_literals;
using sluice_test::manual_timer;
using sluice_test::owned;
using time_point = sluice::std_platform::clock::time_point;

TEST(Never, TryRecvIsEmptyAndRecvEndsOnlyByDeadlineOrStop) {
  auto off = sluice::never<int>();
  EXPECT_EQ(off.try_recv().error(), sluice::errc::empty);
  EXPECT_EQ(off.recv_for(1ms).error(), sluice::errc::timed_out);
  EXPECT_EQ(off.recv_until(std::chrono::steady_clock::now()).error(), sluice::errc::timed_out);
  std::stop_source stopped;
  stopped.request_stop();
  EXPECT_EQ(off.recv(stopped.get_token()).error(), sluice::errc::cancelled);
  std::stop_source later;
  std::jthread stopper([&] { later.request_stop(); });  // before or during the wait: both cancel
  EXPECT_EQ(off.recv(later.get_token()).error(), sluice::errc::cancelled);
}

TEST(Never, NeverFiresInSelectAndTheOtherCaseDoes) {
  auto off = sluice::never<int>();
  auto [tx, rx] = sluice::bounded<int>(1);
  int never_fired = 0, got = 0;
  EXPECT_EQ(sluice::select(sluice::on_recv(off, [&](sluice::recv_result<int>) { ++never_fired; }),
                           sluice::on_default([] {})),
            1u);
  ASSERT_TRUE(tx.send(7));
  EXPECT_EQ(sluice::select(sluice::on_recv(off, [&](sluice::recv_result<int>) { ++never_fired; }),
                           sluice::on_recv(rx, [&](sluice::recv_result<int> r) { got = *r; })),
            1u);
  EXPECT_EQ(got, 7);
  EXPECT_EQ(never_fired, 0);
}

TEST(Never, SelectorCaseNeverFiresAndWaitsForTheDeadline) {
  auto off = sluice::never<int>();
  sluice::selector sel;
  sel.recv(off, [](sluice::recv_result<int>) { ADD_FAILURE() << "never fired"; });
  EXPECT_FALSE(sel.try_select().has_value());
  EXPECT_FALSE(sel.select_timeout(1ms).has_value());
  EXPECT_FALSE(sel.try_ready().has_value());
}

namespace {
owned select_never_or(sluice::receiver<int> rx, sluice::basic_never<int>* off, std::optional<std::size_t>* out) {
  *out = co_await sluice::async_select(sluice::on_recv(*off, [](sluice::recv_result<int>) { ADD_FAILURE(); }),
                                       sluice::on_recv(rx, [](sluice::recv_result<int>) {}));
}
}  // namespace

TEST(Never, AsyncSelectWaitsOnTheOtherCase) {
  auto off = sluice::never<int>();
  auto [tx, rx] = sluice::unbounded<int>();
  std::optional<std::size_t> fired;
  owned op = select_never_or(rx, &off, &fired);
  EXPECT_FALSE(fired.has_value());  // suspended: nothing ready
  ASSERT_TRUE(tx.send(1));          // resumes it on this thread
  ASSERT_TRUE(op.done());
  EXPECT_EQ(fired, 1u);
}

TEST(After, DeliversItsInstantOnceWhenDue) {
  const time_point before = sluice::std_platform::clock::now();
  auto now = sluice::after(0ms);
  auto r = now.try_recv();
  ASSERT_TRUE(r.has_value());
  EXPECT_GE(*r, before);
  EXPECT_EQ(now.try_recv().error(), sluice::errc::empty);  // once only
  EXPECT_EQ(now.recv_for(1ms).error(), sluice::errc::timed_out);
  auto later = sluice::after(1h);
  EXPECT_EQ(later.try_recv().error(), sluice::errc::empty);
}

TEST(After, RecvWaitsForTheInstant) {
  auto soon = sluice::after(2ms);
  const time_point made = sluice::std_platform::clock::now();
  auto r = soon.recv();
  ASSERT_TRUE(r.has_value());
  EXPECT_GE(sluice::std_platform::clock::now(), *r);
  EXPECT_GE(*r, made);
}

TEST(After, TimerCaseWakesABlockingSelectByItself) {
  // Nothing else is ready and nothing else will be: without the timer's wake-up (blocking.hpp's
  // limits.wake) these selects park forever (checked: with the park bounded by the deadline
  // alone, this test hangs and ctest's timeout fails it).
  auto [tx, rx] = sluice::bounded<int>(1);
  auto soon = sluice::after(1ms);
  const std::size_t fired = sluice::select(sluice::on_recv(rx, [](sluice::recv_result<int>) {}),
                                           sluice::on_recv(soon, [](sluice::recv_result<time_point>) {}));
  EXPECT_EQ(fired, 1u);
  sluice::selector sel;
  auto again = sluice::after(1ms);
  sel.recv(rx, [](sluice::recv_result<int>) {});
  const std::size_t id = sel.recv(again, [](sluice::recv_result<time_point>) {});
  EXPECT_EQ(sel.select(), id);
  auto third = sluice::after(1ms);
  const std::size_t id3 = sel.recv(third, [](sluice::recv_result<time_point>) {});
  EXPECT_EQ(sel.ready(), id3);  // ready(): the timer is due, nothing taken
  EXPECT_TRUE(third.try_recv().has_value());
}

TEST(After, NotDueIsNotReady) {
  auto [tx, rx] = sluice::bounded<int>(1);
  auto far = sluice::after(1h);
  EXPECT_EQ(sluice::select(sluice::on_recv(far, [](sluice::recv_result<time_point>) {}), sluice::on_default([] {})),
            1u);
  sluice::selector sel;
  sel.recv(far, [](sluice::recv_result<time_point>) {});
  EXPECT_FALSE(sel.try_select().has_value());
  EXPECT_THROW((void)sel.async_select(), std::invalid_argument);  // a timer case needs async_select(timer)
}

TEST(Tick, DeliversEveryPeriodAndDropsMissedTicks) {
  auto beat = sluice::tick(1ms);
  const auto first = beat.recv();
  ASSERT_TRUE(first.has_value());
  const auto second = beat.recv();
  ASSERT_TRUE(second.has_value());
  EXPECT_GE(*second - *first, 1ms);  // the next is due a period after a delivery
  // Miss several ticks: the next delivery is a period after the late one, not the missed one's.
  ASSERT_TRUE(sluice::after(5ms).recv().has_value());
  const auto late = beat.try_recv();
  ASSERT_TRUE(late.has_value());
  const auto after_late = beat.recv();
  ASSERT_TRUE(after_late.has_value());
  EXPECT_GE(*after_late - *late, 5ms);
  EXPECT_EQ(sluice::tick(1h).try_recv().error(), sluice::errc::empty);
}

// The coroutine selector with timer cases: the caller's timer wakes the wait at the timer
// case's instant. manual_timer runs what it holds whenever the test says, maybe before the
// clock reaches the instant: the select then asks the timer again, so while it waits it always
// holds one task, and it completes once the clock has passed the instant.
namespace {
owned select_on(sluice::selector* sel, manual_timer* timer, std::optional<std::size_t>* out) {
  *out = co_await sel->async_select(*timer);
}
owned select_until(sluice::selector* sel, manual_timer* timer, std::optional<std::optional<std::size_t>>* out) {
  *out = co_await sel->async_select_timeout(1h, *timer);
}
void run_timer_until_done(const owned& op, manual_timer& timer) {
  while (!op.done()) {
    ASSERT_EQ(timer.pending(), 1u);  // the suspended select has asked the timer to wake it
    timer.fire_all();
  }
}
}  // namespace

TEST(After, CoroutineSelectorFiresAnAfterCaseThroughTheTimer) {
  auto soon = sluice::after(1ms);
  sluice::selector sel;
  std::optional<time_point> got;
  const std::size_t id = sel.recv(soon, [&](sluice::recv_result<time_point> r) { got = *r; });
  manual_timer timer;
  std::optional<std::size_t> fired;
  owned op = select_on(&sel, &timer, &fired);
  run_timer_until_done(op, timer);
  EXPECT_EQ(fired, id);
  ASSERT_TRUE(got.has_value());
  EXPECT_GE(sluice::std_platform::clock::now(), *got);
  // The timeout form: the earlier timer case fires, not the hour-long deadline.
  auto again = sluice::after(1ms);
  const std::size_t id2 = sel.recv(again, [](sluice::recv_result<time_point>) {});
  std::optional<std::optional<std::size_t>> out;
  owned op2 = select_until(&sel, &timer, &out);
  run_timer_until_done(op2, timer);
  EXPECT_EQ(out, std::optional<std::size_t>(id2));
}

TEST(After, CoroutineSelectorReceiverBeatsAFarTimerCase) {
  auto [tx, rx] = sluice::bounded<int>(1);
  auto far = sluice::after(1h);
  sluice::selector sel;
  int got = 0;
  const std::size_t id = sel.recv(rx, [&](sluice::recv_result<int> r) { got = *r; });
  sel.recv(far, [](sluice::recv_result<time_point>) { ADD_FAILURE() << "not due"; });
  manual_timer timer;
  std::optional<std::size_t> fired;
  ASSERT_TRUE(tx.send(4));
  owned ready = select_on(&sel, &timer, &fired);  // ready now: no wait, no timer task
  ASSERT_TRUE(ready.done());
  EXPECT_EQ(fired, id);
  EXPECT_EQ(timer.pending(), 0u);
  owned waiting = select_on(&sel, &timer, &fired);
  EXPECT_FALSE(waiting.done());
  EXPECT_EQ(timer.pending(), 1u);  // the timer case's wake-up
  timer.fire_all();                // early, by the clock: the select asks the timer again
  EXPECT_FALSE(waiting.done());
  EXPECT_EQ(timer.pending(), 1u);
  ASSERT_TRUE(tx.send(5));  // resumes it on this thread
  ASSERT_TRUE(waiting.done());
  EXPECT_EQ(fired, id);
  EXPECT_EQ(got, 5);
  // The deadline before the timer case's instant: it times out (the timer says when).
  auto farther = sluice::after(2h);
  sluice::selector only_timer;
  only_timer.recv(farther, [](sluice::recv_result<time_point>) { ADD_FAILURE() << "not due"; });
  std::optional<std::optional<std::size_t>> out;
  owned op = select_until(&only_timer, &timer, &out);
  timer.fire_all();
  ASSERT_TRUE(op.done());
  ASSERT_TRUE(out.has_value());
  EXPECT_FALSE(out->has_value());
}

TEST(Tick, CoroutineSelectorFiresATickCaseRepeatedly) {
  auto beat = sluice::tick(1ms);
  auto [tx, rx] = sluice::bounded<int>(1);
  sluice::selector sel;
  sel.recv(rx, [](sluice::recv_result<int>) { ADD_FAILURE() << "nothing sent"; });
  std::vector<time_point> beats;
  const std::size_t id = sel.recv(beat, [&](sluice::recv_result<time_point> r) { beats.push_back(*r); });
  manual_timer timer;
  for (int i = 0; i < 3; ++i) {
    std::optional<std::size_t> fired;
    owned op = select_on(&sel, &timer, &fired);
    run_timer_until_done(op, timer);
    EXPECT_EQ(fired, id);
  }
  ASSERT_EQ(beats.size(), 3u);
  EXPECT_GE(beats[1] - beats[0], 1ms);
  EXPECT_GE(beats[2] - beats[1], 1ms);
}
