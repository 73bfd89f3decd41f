// Timeouts: *_for / *_until return timed_out no earlier than asked, still take a ready
// message with an expired deadline, complete when the peer acts during the wait, and leave
// nothing behind when they expire.
#include <gtest/gtest.h>

#include <thread>

#include "test_support.hpp"

using namespace sluice_test;
using sluice::errc;

namespace {

class RecvTimeouts : public testing::TestWithParam<flavor> {};
class SendTimeouts : public testing::TestWithParam<flavor> {};

// Fills a channel that can be full so that the next send would block.
void fill(const sluice::sender<int>& tx, const flavor& f) {
  for (std::size_t i = 0; i < f.buffer(); ++i) ASSERT_TRUE(tx.try_send(int(i)));
}

TEST_P(RecvTimeouts, RecvForOnEmptyChannelTimesOutNotEarly) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  sluice::recv_result<int> r(sluice::in_place_error, errc::empty);
  const auto took = timed([&] { r = rx.recv_for(50ms); });
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), errc::timed_out);
  EXPECT_GE(took, 50ms);
}

TEST_P(RecvTimeouts, RecvUntilOnEmptyChannelTimesOutNotBeforeTheDeadline) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  const auto deadline = std::chrono::steady_clock::now() + 40ms;
  auto r = rx.recv_until(deadline);
  EXPECT_GE(std::chrono::steady_clock::now(), deadline);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), errc::timed_out);
}

TEST_P(RecvTimeouts, RecvUntilAcceptsAnotherClock) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  const auto deadline = std::chrono::system_clock::now() + 40ms;
  auto r = rx.recv_until(deadline);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), errc::timed_out);
  EXPECT_GE(std::chrono::system_clock::now(), deadline);
}

TEST_P(RecvTimeouts, ExpiredOrNegativeTimeoutsOnEmptyChannelTimeOut) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  EXPECT_EQ(rx.recv_for(0ms).error(), errc::timed_out);
  EXPECT_EQ(rx.recv_for(-5s).error(), errc::timed_out);
  EXPECT_EQ(rx.recv_until(std::chrono::steady_clock::now() - 1h).error(), errc::timed_out);
  EXPECT_EQ(rx.recv_until(std::chrono::steady_clock::time_point::min()).error(), errc::timed_out);
}

TEST_P(RecvTimeouts, ExpiredTimeoutStillTakesAReadyMessage) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  if (GetParam().rendezvous()) {
    probe_thread t([&] { ASSERT_TRUE(tx.send(6)); });
    t.wait_until_blocked();  // the sender waits: a message is ready for a receiver
    sluice::recv_result<int> r(sluice::in_place_error, errc::empty);
    // The sender may still be on its way to the wait queue (wait_until_blocked is a hint).
    do r = rx.recv_for(0ms);
    while (!r && r.error() == errc::timed_out);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(*r, 6);
  } else {
    ASSERT_TRUE(tx.send(6));
    EXPECT_EQ(rx.recv_for(0ms).value(), 6);
    ASSERT_TRUE(tx.send(7));
    EXPECT_EQ(rx.recv_until(std::chrono::steady_clock::now() - 1h).value(), 7);
  }
}

// A blocked recv with the given timed call must still be waiting when the message comes.
template <class Call>
void expect_waits_for_message(const flavor& f, Call call) {
  auto ch_tx = make<int>(f);
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  std::atomic<int> got{-1}, err{0};
  probe_thread t([&] {
    auto r = call(rx);
    if (r)
      got.store(*r);
    else
      err.store(static_cast<int>(r.error()));
  });
  t.wait_until_blocked();
  // If the receiver wrongly gave up, a rendezvous send has nobody to hand to: bounded wait.
  (void)tx.send_for(1, 10s);
  t.join();
  EXPECT_EQ(err.load(), 0) << "the wait ended with " << sluice::to_string(static_cast<errc>(err.load()));
  EXPECT_EQ(got.load(), 1);
}

TEST_P(RecvTimeouts, HugeTimeoutsAtTheClockLimitDoNotOverflow) {
  expect_waits_for_message(GetParam(), [](auto& rx) { return rx.recv_for(std::chrono::nanoseconds::max()); });
  expect_waits_for_message(GetParam(),
                           [](auto& rx) { return rx.recv_until(std::chrono::steady_clock::time_point::max()); });
  expect_waits_for_message(GetParam(),
                           [](auto& rx) { return rx.recv_until(std::chrono::system_clock::time_point::max()); });
}

// Found a core bug (fixed in bbe99a3): deadline_after converted the timeout with
// ceil<clock::duration>(d) before checking for overflow, so hours::max() wrapped into a
// deadline in the past and the call timed out at once.
TEST_P(RecvTimeouts, TimeoutsBeyondTheClockRangeWaitInsteadOfExpiringAtOnce) {
  expect_waits_for_message(GetParam(), [](auto& rx) { return rx.recv_for(std::chrono::hours::max()); });
  expect_waits_for_message(GetParam(), [](auto& rx) { return rx.recv_for(std::chrono::seconds::max()); });
}

TEST_P(RecvTimeouts, RecvForCompletesWithAMessageSentDuringTheWait) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  std::atomic<int> got{-1};
  probe_thread t([&] { got.store(rx.recv_for(forever).value()); });
  t.wait_until_blocked();
  ASSERT_TRUE(tx.send_for(5, forever));
  t.join();
  EXPECT_EQ(got.load(), 5);
}

TEST_P(RecvTimeouts, TimedOutReceiverLeavesNothingBehind) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  std::thread t([&] { EXPECT_EQ(rx.recv_for(20ms).error(), errc::timed_out); });
  t.join();
  // No stale waiter: a rendezvous try_send finds nobody; a buffered send stays buffered.
  if (GetParam().rendezvous()) {
    EXPECT_EQ(tx.try_send(1).error().code, errc::full);
  } else {
    ASSERT_TRUE(tx.try_send(1));
    EXPECT_EQ(rx.len(), 1u);
    EXPECT_EQ(rx.try_recv().value(), 1);
  }
}

TEST_P(SendTimeouts, SendForOnFullChannelTimesOutNotEarlyAndHandsBackMessage) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  fill(tx, GetParam());
  sluice::send_result<int> r;
  const auto took = timed([&] { r = tx.send_for(-1, 50ms); });
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, errc::timed_out);
  EXPECT_EQ(r.error().message, -1);
  EXPECT_GE(took, 50ms);
  EXPECT_EQ(rx.len(), GetParam().buffer()) << "nothing was added";
}

TEST_P(SendTimeouts, SendUntilOnFullChannelTimesOutNotBeforeTheDeadline) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  fill(tx, GetParam());
  const auto deadline = std::chrono::steady_clock::now() + 40ms;
  auto r = tx.send_until(-1, deadline);
  EXPECT_GE(std::chrono::steady_clock::now(), deadline);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, errc::timed_out);
  EXPECT_EQ(tx.send_until(-2, std::chrono::steady_clock::now() - 1h).error().code, errc::timed_out);
  EXPECT_EQ(tx.send_for(-3, 0ms).error().code, errc::timed_out);
  // The buffered messages are intact and in order.
  for (std::size_t i = 0; i < GetParam().buffer(); ++i) EXPECT_EQ(rx.try_recv().value(), static_cast<int>(i));
}

TEST_P(SendTimeouts, SendForCompletesWhenRoomAppearsDuringTheWait) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  fill(tx, GetParam());
  std::atomic<bool> sent{false};
  probe_thread t([&] {
    ASSERT_TRUE(tx.send_for(100, forever));
    sent.store(true);
  });
  t.wait_until_blocked();
  EXPECT_FALSE(sent.load());
  for (std::size_t i = 0; i < GetParam().buffer(); ++i) EXPECT_EQ(rx.recv().value(), static_cast<int>(i));
  EXPECT_EQ(rx.recv_for(forever).value(), 100);
  t.join();
  EXPECT_TRUE(sent.load());
}

TEST_P(SendTimeouts, TimedOutSenderLeavesNothingBehind) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  fill(tx, GetParam());
  std::thread t([&] { EXPECT_EQ(tx.send_for(-1, 20ms).error().code, errc::timed_out); });
  t.join();
  for (std::size_t i = 0; i < GetParam().buffer(); ++i) EXPECT_EQ(rx.try_recv().value(), static_cast<int>(i));
  EXPECT_EQ(rx.try_recv().error(), errc::empty) << "the timed-out message was not delivered";
}

TEST_P(RecvTimeouts, AlternatingTimeoutsAndMessagesStayConsistent) {
  // crossbeam's stress_timeout_two_threads, scaled down: a sender that sometimes pauses with
  // a timed receive of its own, a receiver that uses short timeouts; every message arrives once,
  // in order.
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  constexpr int n = 300;
  std::thread t([&] {
    for (int i = 0; i < n; ++i) {
      if (i % 3 == 0) {
        // Let the receiver time out now and then: a timed wait on a private channel.
        auto ch_ptx = sluice::bounded<int>(1);
  [[maybe_unused]] auto& ptx = ch_ptx.first;
  [[maybe_unused]] auto& prx = ch_ptx.second;
        (void)prx.recv_for(1ms);
      }
      for (;;) {
        auto r = tx.send_for(int(i), 1ms);
        if (r) break;
        ASSERT_EQ(r.error().code, errc::timed_out);
      }
    }
  });
  int expect = 0, timeouts = 0;
  while (expect < n) {
    auto r = rx.recv_for(1ms);
    if (r) {
      ASSERT_EQ(*r, expect++);
    } else {
      ASSERT_EQ(r.error(), errc::timed_out);
      ++timeouts;
    }
  }
  t.join();
  RecordProperty("timeouts", timeouts);
}

INSTANTIATE_TEST_SUITE_P(Flavors, RecvTimeouts, testing::ValuesIn(all_flavors()), flavor_name());
INSTANTIATE_TEST_SUITE_P(Flavors, SendTimeouts, testing::ValuesIn(blocking_send_flavors()), flavor_name());

}  // namespace
