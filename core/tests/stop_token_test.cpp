// std::stop_token cancellation of blocking send/recv: a stop request wakes the wait with
// errc::cancelled, hands the message back, and leaves the channel as it was.
#include <gtest/gtest.h>

#include <stop_token>
#include <thread>

#include "test_support.hpp"

using namespace sluice_test;
using sluice::errc;

namespace {

class StopRecv : public testing::TestWithParam<flavor> {};
class StopSend : public testing::TestWithParam<flavor> {};

void fill(const sluice::sender<int>& tx, const flavor& f) {
  for (std::size_t i = 0; i < f.buffer(); ++i) ASSERT_TRUE(tx.try_send(int(i)));
}

TEST_P(StopRecv, StopRequestWakesBlockedRecvWithCancelled) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  std::stop_source stop;
  std::atomic<int> code{0};
  probe_thread t([&] { code.store(static_cast<int>(rx.recv(stop.get_token()).error())); });
  t.wait_until_blocked();
  EXPECT_EQ(code.load(), 0);
  stop.request_stop();
  t.join();
  EXPECT_EQ(code.load(), static_cast<int>(errc::cancelled));
  EXPECT_FALSE(rx.is_disconnected()) << "cancelling a wait does not close the channel";
}

TEST_P(StopRecv, AlreadyStoppedTokenCancelsRecvOnEmptyChannel) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  std::stop_source stop;
  stop.request_stop();
  EXPECT_EQ(rx.recv(stop.get_token()).error(), errc::cancelled);
}

TEST_P(StopRecv, TokenThatCanNeverStopBehavesLikePlainRecv) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  std::thread t([&] { ASSERT_TRUE(tx.send(3)); });
  EXPECT_EQ(rx.recv(std::stop_token()).value(), 3);
  t.join();
}

TEST_P(StopRecv, StopAfterTheRecvCompletedChangesNothing) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  std::stop_source stop;
  std::thread t([&] { ASSERT_TRUE(tx.send(4)); });
  EXPECT_EQ(rx.recv(stop.get_token()).value(), 4);
  t.join();
  stop.request_stop();  // the callback was unregistered: this must not touch a dead waiter
  if (!GetParam().rendezvous()) {
    ASSERT_TRUE(tx.try_send(5));
    EXPECT_EQ(rx.try_recv().value(), 5);
  }
}

TEST_P(StopRecv, CancelledReceiverDoesNotSwallowALaterMessage) {
  // One receiver is cancelled, another keeps waiting: the next message reaches the other one.
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  std::stop_source stop;
  std::atomic<int> cancelled_code{0}, got{-1};
  probe_thread a([&] { cancelled_code.store(static_cast<int>(rx.recv(stop.get_token()).error())); });
  probe_thread b([&] { got.store(rx.recv_for(forever).value()); });
  a.wait_until_blocked();
  b.wait_until_blocked();
  stop.request_stop();
  a.join();
  EXPECT_EQ(cancelled_code.load(), static_cast<int>(errc::cancelled));
  ASSERT_TRUE(tx.send_for(9, forever));
  b.join();
  EXPECT_EQ(got.load(), 9);
}

TEST_P(StopRecv, ManyCancellationsRacingMessagesLoseNothing) {
  // Receivers with tokens that get stopped at random moments while messages flow: every
  // message is received exactly once (by a cancelled-later or a plain receiver).
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  const int n = GetParam().rendezvous() ? 300 : 1000;  // each round spawns a stopper thread
  std::atomic<long> sum{0};
  std::atomic<int> count{0}, cancels{0};
  std::thread receiver([&, rx = rx] {
    for (int round = 0;; ++round) {
      std::stop_source stop;
      std::jthread stopper([&] {
        for (int k = 0; k < round % 50; ++k) std::this_thread::yield();
        stop.request_stop();
      });
      auto r = rx.recv(stop.get_token());
      if (r) {
        sum.fetch_add(*r);
        count.fetch_add(1);
      } else if (r.error() == errc::cancelled) {
        cancels.fetch_add(1);
      } else {
        ASSERT_EQ(r.error(), errc::closed);
        return;
      }
    }
  });
  std::thread sender([&, tx = std::move(tx)] {
    for (int i = 1; i <= n; ++i) ASSERT_TRUE(tx.send(int(i)));
  });
  sender.join();
  receiver.join();
  EXPECT_EQ(count.load(), n);
  EXPECT_EQ(sum.load(), static_cast<long>(n) * (n + 1) / 2);
  RecordProperty("cancels", cancels.load());
}

TEST_P(StopSend, StopRequestWakesBlockedSendAndHandsBackMessage) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  fill(tx, GetParam());
  std::stop_source stop;
  std::atomic<int> code{0}, back{0};
  probe_thread t([&] {
    auto r = tx.send(-8, stop.get_token());
    code.store(static_cast<int>(r.error().code));
    back.store(r.error().message);
  });
  t.wait_until_blocked();
  EXPECT_EQ(code.load(), 0);
  stop.request_stop();
  t.join();
  EXPECT_EQ(code.load(), static_cast<int>(errc::cancelled));
  EXPECT_EQ(back.load(), -8);
  // The channel holds exactly what it held before.
  for (std::size_t i = 0; i < GetParam().buffer(); ++i) EXPECT_EQ(rx.try_recv().value(), static_cast<int>(i));
  EXPECT_EQ(rx.try_recv().error(), errc::empty);
}

TEST_P(StopSend, AlreadyStoppedTokenCancelsSendOnFullChannel) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  fill(tx, GetParam());
  std::stop_source stop;
  stop.request_stop();
  auto r = tx.send(-1, stop.get_token());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, errc::cancelled);
  EXPECT_EQ(r.error().message, -1);
  EXPECT_EQ(rx.len(), GetParam().buffer());
}

TEST_P(StopSend, CancelledSenderDoesNotTakeALaterSlot) {
  // A cancelled sender must not deliver its message later, and another blocked sender gets
  // the slot that frees up.
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  fill(tx, GetParam());
  std::stop_source stop;
  std::atomic<bool> b_sent{false};
  probe_thread a([&] { EXPECT_EQ(tx.send(-1, stop.get_token()).error().code, errc::cancelled); });
  probe_thread b([&] {
    ASSERT_TRUE(tx.send_for(-2, forever));
    b_sent.store(true);
  });
  a.wait_until_blocked();
  b.wait_until_blocked();
  stop.request_stop();
  a.join();
  EXPECT_FALSE(b_sent.load());
  for (std::size_t i = 0; i < GetParam().buffer(); ++i) EXPECT_EQ(rx.recv().value(), static_cast<int>(i));
  EXPECT_EQ(rx.recv_for(forever).value(), -2);
  b.join();
  EXPECT_EQ(rx.try_recv().error(), errc::empty) << "the cancelled message never arrives";
}

TEST(StopUnbounded, SendNeverWaitsSoAStoppedTokenHasNothingToCancel) {
  auto ch_tx = sluice::unbounded<int>();
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  std::stop_source stop;
  stop.request_stop();
  EXPECT_TRUE(tx.send(1, stop.get_token()));
  EXPECT_EQ(rx.try_recv().value(), 1);
}

INSTANTIATE_TEST_SUITE_P(Flavors, StopRecv, testing::ValuesIn(all_flavors()), flavor_name());
INSTANTIATE_TEST_SUITE_P(Flavors, StopSend, testing::ValuesIn(blocking_send_flavors()), flavor_name());

}  // namespace
