// The rendezvous flavor (bounded(0)): a send completes only when a receiver takes the message.
#include <gtest/gtest.h>

#include <thread>

#include "test_support.hpp"

using namespace sluice_test;
using sluice::errc;

namespace {

TEST(Rendezvous, LenIsZeroAndItIsBothEmptyAndFull) {
  auto ch_tx = sluice::bounded<int>(0);
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  EXPECT_EQ(rx.capacity(), std::size_t{0});
  EXPECT_EQ(rx.len(), 0u);
  EXPECT_TRUE(rx.is_empty());
  EXPECT_TRUE(rx.is_full());
}

TEST(Rendezvous, TrySendWithoutWaitingReceiverIsFullAndHandsBackMessage) {
  auto ch_tx = sluice::bounded<int>(0);
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  auto r = tx.try_send(4);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, errc::full);
  EXPECT_EQ(r.error().message, 4);
  EXPECT_EQ(rx.try_recv().error(), errc::empty) << "nothing was buffered";
}

TEST(Rendezvous, TryRecvWithoutWaitingSenderIsEmpty) {
  auto ch_tx = sluice::bounded<int>(0);
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  EXPECT_EQ(rx.try_recv().error(), errc::empty);
}

TEST(Rendezvous, TrySendSucceedsOnlyIntoABlockedReceiver) {
  auto ch_tx = sluice::bounded<int>(0);
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  std::atomic<int> got{-1};
  probe_thread t([&] { got.store(rx.recv().value()); });
  // Until the receiver waits, try_send reports full; once it waits, try_send hands over.
  int attempts = 0;
  for (;;) {
    auto r = tx.try_send(int(attempts));
    if (r) break;
    ASSERT_EQ(r.error().code, errc::full);
    ++attempts;
    std::this_thread::yield();
  }
  t.join();
  EXPECT_EQ(got.load(), attempts) << "the receiver got the message of the successful try_send";
}

TEST(Rendezvous, TryRecvSucceedsOnlyFromABlockedSender) {
  auto ch_tx = sluice::bounded<int>(0);
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  probe_thread t([&] { ASSERT_TRUE(tx.send(8)); });
  for (;;) {
    auto r = rx.try_recv();
    if (r) {
      EXPECT_EQ(*r, 8);
      break;
    }
    ASSERT_EQ(r.error(), errc::empty);
    std::this_thread::yield();
  }
  t.join();
}

TEST(Rendezvous, SendBlocksUntilAReceiverTakesTheMessage) {
  auto ch_tx = sluice::bounded<int>(0);
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  std::atomic<bool> sent{false};
  probe_thread t([&] {
    ASSERT_TRUE(tx.send(21));
    sent.store(true);
  });
  t.wait_until_blocked();
  EXPECT_FALSE(sent.load()) << "no receiver yet: the send cannot have completed";
  EXPECT_EQ(rx.recv().value(), 21);
  t.join();
  EXPECT_TRUE(sent.load());
}

TEST(Rendezvous, CompletedSendMeansTheReceiverHasTheMessage) {
  // After send() returns, the message is already out of the channel: with the receiver
  // stopped right after its recv, try_recv from another receiver finds nothing.
  auto ch_tx = sluice::bounded<int>(0);
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  for (int i = 0; i < 200; ++i) {
    std::atomic<int> got{-1};
    std::thread t([&] { got.store(rx.recv().value()); });
    ASSERT_TRUE(tx.send(int(i)));
    t.join();
    EXPECT_EQ(got.load(), i);
    EXPECT_EQ(rx.try_recv().error(), errc::empty);
  }
}

TEST(Rendezvous, SendForTimesOutWithoutReceiverAndReturnsMessage) {
  auto ch_tx = sluice::bounded<int>(0);
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  sluice::send_result<int> r;
  const auto took = timed([&] { r = tx.send_for(3, 50ms); });
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, errc::timed_out);
  EXPECT_EQ(r.error().message, 3);
  EXPECT_GE(took, 50ms);
  EXPECT_EQ(rx.try_recv().error(), errc::empty) << "a timed-out send leaves nothing behind";
}

TEST(Rendezvous, ManyBlockedSendersAreEachPairedWithOneReceive) {
  auto ch_tx = sluice::bounded<int>(0);
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  constexpr int n = 8;
  std::vector<std::thread> ts;
  for (int i = 0; i < n; ++i) ts.emplace_back([&, i] { ASSERT_TRUE(tx.send(int(i))); });
  std::vector<int> seen(n, 0);
  for (int i = 0; i < n; ++i) ++seen[static_cast<std::size_t>(rx.recv_for(forever).value())];
  for (auto& t : ts) t.join();
  for (int c : seen) EXPECT_EQ(c, 1);
  EXPECT_EQ(rx.try_recv().error(), errc::empty);
}

}  // namespace
