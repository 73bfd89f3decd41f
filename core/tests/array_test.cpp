// The bounded (array) flavor: len/empty/full, try_send on a full ring, a blocked send completes
// when a slot frees, the hand-offs to parked lone threads ([A9], [A10]), FIFO across many laps
// of the ring.
#include <gtest/gtest.h>

#include <thread>

#include "test_support.hpp"

using namespace sluice_test;
using sluice::errc;

namespace {

class Bounded : public testing::TestWithParam<std::size_t> {};

TEST_P(Bounded, LenEmptyFullFollowSendsAndRecvs) {
  const std::size_t cap = GetParam();
  auto ch_tx = sluice::bounded<int>(cap);
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  EXPECT_TRUE(rx.is_empty());
  EXPECT_FALSE(rx.is_full());
  EXPECT_EQ(rx.len(), 0u);
  for (std::size_t i = 0; i < cap; ++i) {
    ASSERT_TRUE(tx.try_send(int(i)));
    EXPECT_EQ(tx.len(), i + 1);
    EXPECT_FALSE(tx.is_empty());
    EXPECT_EQ(tx.is_full(), i + 1 == cap);
  }
  for (std::size_t i = 0; i < cap; ++i) {
    ASSERT_EQ(rx.try_recv().value(), static_cast<int>(i));
    EXPECT_EQ(rx.len(), cap - i - 1);
    EXPECT_FALSE(rx.is_full());
    EXPECT_EQ(rx.is_empty(), i + 1 == cap);
  }
}

TEST_P(Bounded, TrySendOnFullRingIsFullAndHandsBackMessage) {
  const std::size_t cap = GetParam();
  auto ch_tx = sluice::bounded<int>(cap);
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  for (std::size_t i = 0; i < cap; ++i) ASSERT_TRUE(tx.try_send(int(i)));
  auto r = tx.try_send(-5);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, errc::full);
  EXPECT_EQ(r.error().message, -5);
  EXPECT_EQ(rx.len(), cap);
  ASSERT_EQ(rx.try_recv().value(), 0);
  EXPECT_TRUE(tx.try_send(-6)) << "one slot freed";
  EXPECT_EQ(tx.try_send(-7).error().code, errc::full);
}

TEST_P(Bounded, LenStaysExactOverManyLapsOfTheRing) {
  const std::size_t cap = GetParam();
  auto ch_tx = sluice::bounded<int>(cap);
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  int next = 0, expect = 0;
  for (int lap = 0; lap < 200; ++lap) {
    const std::size_t fill = static_cast<std::size_t>(lap) % cap + 1;
    for (std::size_t i = 0; i < fill; ++i) ASSERT_TRUE(tx.try_send(next++));
    ASSERT_EQ(rx.len(), fill);
    for (std::size_t i = 0; i < fill; ++i) ASSERT_EQ(rx.try_recv().value(), expect++);
    ASSERT_EQ(rx.len(), 0u);
  }
}

TEST_P(Bounded, BlockedSendCompletesOnlyAfterASlotIsFreed) {
  const std::size_t cap = GetParam();
  auto ch_tx = sluice::bounded<int>(cap);
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  for (std::size_t i = 0; i < cap; ++i) ASSERT_TRUE(tx.try_send(int(i)));
  std::atomic<bool> sent{false};
  probe_thread t([&] {
    ASSERT_TRUE(tx.send(static_cast<int>(cap)));
    sent.store(true);
  });
  t.wait_until_blocked();
  EXPECT_FALSE(sent.load()) << "the ring is full: send cannot have completed";
  EXPECT_EQ(rx.len(), cap);
  ASSERT_EQ(rx.recv().value(), 0);
  t.join();
  EXPECT_TRUE(sent.load());
  for (std::size_t i = 1; i <= cap; ++i) ASSERT_EQ(rx.try_recv().value(), static_cast<int>(i));
}

TEST_P(Bounded, BlockedRecvCompletesWithTheMessageSentLater) {
  auto ch_tx = sluice::bounded<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  std::atomic<int> got{-1};
  probe_thread t([&] { got.store(rx.recv().value()); });
  t.wait_until_blocked();
  EXPECT_EQ(got.load(), -1);
  ASSERT_TRUE(tx.send(11));
  t.join();
  EXPECT_EQ(got.load(), 11);
}

// [A10] (array.hpp): a send to a parked lone receiver receives for it before the send returns,
// so the ring is empty again at once: every slot takes a try_send before the receiver has run.
// Without the hand-off the message waits in its slot until the receiver is scheduled.
TEST_P(Bounded, ParkedReceiverIsHandedTheMessageBeforeTheSendReturns) {
  const std::size_t cap = GetParam();
  auto ch_tx = sluice::bounded<int>(cap);
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  std::atomic<int> got{-1};
  probe_thread t([&] { got.store(rx.recv().value()); });
  t.wait_until_blocked();
  ASSERT_TRUE(tx.send(-7));
  EXPECT_EQ(tx.len(), 0u) << "the send received for the parked receiver";
  for (std::size_t i = 0; i < cap; ++i) ASSERT_TRUE(tx.try_send(int(i))) << "slot " << i << " is free";
  t.join();
  EXPECT_EQ(got.load(), -7);
  for (std::size_t i = 0; i < cap; ++i) ASSERT_EQ(rx.try_recv().value(), static_cast<int>(i));
}

// [A9]: the symmetric hand-off. A receive that frees a slot of a full ring sends a parked lone
// sender's message for it before the receive returns: the ring is full again at once.
TEST_P(Bounded, ParkedSenderIsSentForBeforeTheRecvReturns) {
  const std::size_t cap = GetParam();
  auto ch_tx = sluice::bounded<int>(cap);
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  for (std::size_t i = 0; i < cap; ++i) ASSERT_TRUE(tx.try_send(int(i)));
  probe_thread t([&] { ASSERT_TRUE(tx.send(static_cast<int>(cap))); });
  t.wait_until_blocked();
  ASSERT_EQ(rx.recv().value(), 0);
  EXPECT_EQ(rx.len(), cap) << "the receive sent the parked sender's message";
  t.join();
  for (std::size_t i = 1; i <= cap; ++i) ASSERT_EQ(rx.try_recv().value(), static_cast<int>(i));
}

INSTANTIATE_TEST_SUITE_P(Caps, Bounded, testing::Values(1, 2, 3, 16, 1000),
                         [](const testing::TestParamInfo<std::size_t>& i) {
                           return "cap" + std::to_string(i.param);
                         });

TEST(BoundedLinearizable, TryRecvAfterOwnSendNeverSeesEmptyAndLenStaysInRange) {
  // crossbeam's `linearizable`: each thread sends then try_recvs; at least its own message is
  // in the channel, so try_recv cannot report empty, and len is within [1, threads].
  constexpr int threads = 4, count = 20000;
  auto ch_tx = sluice::bounded<int>(threads);
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  std::vector<std::thread> ts;
  for (int i = 0; i < threads; ++i)
    ts.emplace_back([&] {
      for (int j = 0; j < count; ++j) {
        ASSERT_TRUE(tx.send(int(j)));
        const std::size_t n = rx.len();
        ASSERT_GE(n, 1u);
        ASSERT_LE(n, static_cast<std::size_t>(threads));
        ASSERT_FALSE(rx.is_empty());
        ASSERT_TRUE(rx.try_recv().has_value());
      }
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(rx.len(), 0u);
}

}  // namespace
