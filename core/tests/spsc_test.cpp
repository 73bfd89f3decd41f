// spsc / mpsc handles: the types forbid a second producer (spsc) or consumer (both), and the
// channels underneath behave as channel.hpp says.
#include <gtest/gtest.h>

#include <thread>
#include <type_traits>

#include "sluice/spsc.hpp"
#include "test_support.hpp"

using namespace sluice_test;
using sluice::errc;

namespace {

static_assert(!std::is_copy_constructible_v<sluice::spsc_sender<int>>);
static_assert(!std::is_copy_assignable_v<sluice::spsc_sender<int>>);
static_assert(!std::is_copy_constructible_v<sluice::single_receiver<int>>);
static_assert(std::is_nothrow_move_constructible_v<sluice::spsc_sender<int>>);
static_assert(std::is_nothrow_move_constructible_v<sluice::single_receiver<int>>);
template <class S>
concept can_downgrade = requires(const S& s) { s.downgrade(); };
static_assert(!can_downgrade<sluice::spsc_sender<int>>);
static_assert(std::is_copy_constructible_v<decltype(sluice::mpsc_bounded<int>(1).first)>);
// No way around the type: neither converts into the copyable MPMC handles.
static_assert(!std::is_convertible_v<sluice::spsc_sender<int>&, sluice::sender<int>>);
static_assert(!std::is_convertible_v<sluice::single_receiver<int>&, sluice::receiver<int>>);

TEST(Spsc, BoundedDeliversInOrderAcrossThreadsThenClosed) {
  auto p = sluice::spsc_bounded<int>(4);
  auto rx = std::move(p.second);
  std::thread t([tx = std::move(p.first)]() mutable {
    for (int i = 0; i < 10000; ++i) ASSERT_TRUE(tx.send(int(i)));
  });
  for (int i = 0; i < 10000; ++i) ASSERT_EQ(*rx.recv(), i);
  t.join();
  EXPECT_EQ(rx.recv().error(), errc::closed);
}

TEST(Spsc, UnboundedAndMovedHandlesKeepWorking) {
  auto p = sluice::spsc_unbounded<int>();
  auto tx = std::move(p.first);
  auto rx = std::move(p.second);
  ASSERT_TRUE(tx.send(1));
  sluice::spsc_sender<int> tx2;
  tx2 = std::move(tx);
  ASSERT_TRUE(tx2.send(2));
  EXPECT_THROW((void)tx.send(3), sluice::empty_handle_error);
  EXPECT_EQ(*rx.try_recv(), 1);
  EXPECT_EQ(*rx.try_recv(), 2);
}

TEST(Mpsc, ClonedSendersOneReceiverGetsEverything) {
  auto p = sluice::mpsc_unbounded<int>();
  auto rx = std::move(p.second);
  std::thread a([tx = p.first] { for (int i = 0; i < 1000; ++i) ASSERT_TRUE(tx.send(int(i))); });
  std::thread b([tx = std::move(p.first)] { for (int i = 0; i < 1000; ++i) ASSERT_TRUE(tx.send(int(i))); });
  long sum = 0;
  int n = 0;
  for (auto r = rx.recv(); r; r = rx.recv()) sum += *r, ++n;
  a.join();
  b.join();
  EXPECT_EQ(n, 2000);
  EXPECT_EQ(sum, 2L * 999 * 1000 / 2);
}

}  // namespace
