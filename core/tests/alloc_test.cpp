// Memory: the unbounded flavor frees its blocks as it drains, and every flavor returns all its
// memory when the last handle goes. Counts allocations with a replaced global operator
// new/delete (this file replaces them for the whole test binary; they forward to malloc/free
// with a small header that remembers the size, so the accounting is exact and cheap).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "test_support.hpp"

namespace {

std::atomic<long> g_live{0};             // live allocations through operator new (all sizes)
std::atomic<std::size_t> g_watch{0};     // a size to count separately
std::atomic<long> g_live_watched{0};     // live allocations of exactly g_watch bytes

constexpr std::size_t header = 16;  // keeps __STDCPP_DEFAULT_NEW_ALIGNMENT__ (16) alignment

void* counted_alloc(std::size_t n) {
  void* raw = std::malloc(n + header);
  if (!raw) throw std::bad_alloc();
  *static_cast<std::size_t*>(raw) = n;
  g_live.fetch_add(1, std::memory_order_relaxed);
  if (n == g_watch.load(std::memory_order_relaxed)) g_live_watched.fetch_add(1, std::memory_order_relaxed);
  return static_cast<char*>(raw) + header;
}

void counted_free(void* p) noexcept {
  if (!p) return;
  void* raw = static_cast<char*>(p) - header;
  const std::size_t n = *static_cast<std::size_t*>(raw);
  g_live.fetch_sub(1, std::memory_order_relaxed);
  if (n == g_watch.load(std::memory_order_relaxed)) g_live_watched.fetch_sub(1, std::memory_order_relaxed);
  std::free(raw);
}

}  // namespace

void* operator new(std::size_t n) { return counted_alloc(n); }
void* operator new[](std::size_t n) { return counted_alloc(n); }
void operator delete(void* p) noexcept { counted_free(p); }
void operator delete[](void* p) noexcept { counted_free(p); }
void operator delete(void* p, std::size_t) noexcept { counted_free(p); }
void operator delete[](void* p, std::size_t) noexcept { counted_free(p); }

using namespace sluice_test;

namespace {

using list_block = sluice::detail::list_flavor<int, sluice::std_platform>::block;
constexpr std::size_t block_cap = sluice::detail::list_flavor<int, sluice::std_platform>::block_cap;

struct watch_blocks {
  watch_blocks() {
    g_watch = sizeof(list_block);
    g_live_watched = 0;
  }
  ~watch_blocks() { g_watch = 0; }
};

TEST(Allocation, ReplacedOperatorNewSeesTheUnboundedBlocks) {
  // Sanity of the instrument: buffering grows the watched count by one block per block_cap.
  watch_blocks w;
  auto ch_tx = sluice::unbounded<int>();
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  const long before = g_live_watched.load();
  for (std::size_t i = 0; i < block_cap * 100; ++i) ASSERT_TRUE(tx.send(int(i)));
  const long grown = g_live_watched.load() - before;
  EXPECT_GE(grown, 100);
  EXPECT_LE(grown, 102);
}

TEST(Allocation, UnboundedFreesBlocksAsItDrains) {
  watch_blocks w;
  auto ch_tx = sluice::unbounded<int>();
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  for (std::size_t i = 0; i < block_cap * 100; ++i) ASSERT_TRUE(tx.send(int(i)));
  const long full = g_live_watched.load();
  for (std::size_t i = 0; i < block_cap * 50; ++i) ASSERT_TRUE(rx.try_recv().has_value());
  const long half = g_live_watched.load();
  for (std::size_t i = 0; i < block_cap * 50; ++i) ASSERT_TRUE(rx.try_recv().has_value());
  const long empty = g_live_watched.load();
  EXPECT_GE(full, 100);
  EXPECT_LE(half, full - 49) << "half drained: about half the blocks freed";
  EXPECT_LE(empty, 2) << "drained: at most the current (and a preallocated next) block";
}

TEST(Allocation, UnboundedSteadyTrafficKeepsMemoryBounded) {
  watch_blocks w;
  auto ch_tx = sluice::unbounded<int>();
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  long peak = 0;
  for (int i = 0; i < 200000; ++i) {
    ASSERT_TRUE(tx.send(int(i)));
    if (i % 3 == 2) {
      while (rx.try_recv()) {
      }
    }
    peak = std::max(peak, g_live_watched.load(std::memory_order_relaxed));
  }
  EXPECT_LE(peak, 3);
}

TEST(Allocation, EveryFlavorReturnsAllMemoryWhenTheLastHandleGoes) {
  for (const flavor& f : all_flavors()) {
    const long before = g_live.load();
    {
      auto ch_tx = make<int>(f);
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
      auto tx2 = tx;
      auto weak = tx.downgrade();
      const std::size_t n = std::min<std::size_t>(f.buffer(), 500);
      for (std::size_t i = 0; i < n; ++i) ASSERT_TRUE(tx2.try_send(int(i)));
      for (std::size_t i = 0; i < n / 2; ++i) ASSERT_TRUE(rx.try_recv().has_value());
    }
    const long after = g_live.load();
    EXPECT_EQ(after, before) << f.name << ": leaked allocations";
  }
}

TEST(Allocation, BoxedMessagesAreFreedWhetherReceivedOrLeftBuffered) {
  // throwing_move messages are boxed (one allocation each): received or buffered, every box
  // is freed by the time the channel is gone.
  for (const flavor& f : buffered_flavors()) {
    const long before = g_live.load();
    {
      auto ch_tx = make<throwing_move>(f);
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
      const std::size_t n = std::min<std::size_t>(f.buffer(), 100);
      for (std::size_t i = 0; i < n; ++i) ASSERT_TRUE(tx.try_send(throwing_move(int(i))));
      for (std::size_t i = 0; i < n / 2; ++i) ASSERT_TRUE(rx.try_recv().has_value());
      auto r = tx.try_send(throwing_move(-1, /*poison=*/false));
      if (!r) {
        ASSERT_EQ(r.error().code, sluice::errc::full);
      }
    }
    EXPECT_EQ(g_live.load(), before) << f.name;
  }
}

}  // namespace
