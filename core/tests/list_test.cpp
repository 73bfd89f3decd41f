// The unbounded (list) flavor: never full, len exact across block boundaries, sends never
// block, linearizable len under concurrency.
#include <gtest/gtest.h>

#include <thread>

#include "test_support.hpp"

using namespace sluice_test;
using sluice::errc;

namespace {

TEST(Unbounded, IsNeverFullAndLenCountsAcrossBlocks) {
  auto ch_tx = sluice::unbounded<int>();
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  EXPECT_TRUE(rx.is_empty());
  EXPECT_FALSE(rx.is_full());
  EXPECT_EQ(rx.capacity(), std::nullopt);
  // 63 messages per block: cross many boundaries, including exact multiples.
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(tx.try_send(int(i)));
    ASSERT_EQ(tx.len(), static_cast<std::size_t>(i + 1)) << "after send " << i;
    ASSERT_FALSE(tx.is_full());
  }
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(rx.try_recv().value(), i);
    ASSERT_EQ(rx.len(), static_cast<std::size_t>(999 - i)) << "after recv " << i;
  }
  EXPECT_TRUE(rx.is_empty());
  EXPECT_EQ(rx.try_recv().error(), errc::empty);
}

TEST(Unbounded, LenIsExactWhenHeadAndTailSitAtEveryBlockOffset) {
  // Head and tail positions sweep every offset of a block (including the block-end slot).
  for (int skip = 0; skip < 130; ++skip) {
    auto ch_tx = sluice::unbounded<int>();
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
    for (int i = 0; i < skip; ++i) ASSERT_TRUE(tx.send(int(i)));
    for (int i = 0; i < skip; ++i) ASSERT_TRUE(rx.try_recv().has_value());
    ASSERT_EQ(rx.len(), 0u) << "skip " << skip;
    for (int n = 1; n <= 70; ++n) {
      ASSERT_TRUE(tx.send(int(n)));
      ASSERT_EQ(rx.len(), static_cast<std::size_t>(n)) << "skip " << skip << " n " << n;
    }
  }
}

TEST(Unbounded, SendNeverBlocksAndTryAndTimedSendsSucceedWithoutReceiverActivity) {
  auto ch_tx = sluice::unbounded<int>();
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  for (int i = 0; i < 10000; ++i) ASSERT_TRUE(tx.send(int(i)));
  EXPECT_TRUE(tx.try_send(1));
  EXPECT_TRUE(tx.send_for(2, 0ms)) << "a zero timeout never matters: there is always room";
  EXPECT_TRUE(tx.send_until(3, std::chrono::steady_clock::now() - 1h));
  EXPECT_EQ(rx.len(), 10003u);
}

TEST(Unbounded, BlockedRecvCompletesWithTheMessageSentLater) {
  auto ch_tx = sluice::unbounded<int>();
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

TEST(UnboundedLinearizable, TryRecvAfterOwnSendNeverSeesEmptyAndLenStaysInRange) {
  constexpr int threads = 4, count = 20000;
  auto ch_tx = sluice::unbounded<int>();
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
        ASSERT_TRUE(rx.try_recv().has_value());
      }
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(rx.len(), 0u);
}

}  // namespace
