// spsc / mpsc handles: the types forbid a second producer (spsc) or consumer (both), and the
// channels underneath behave as channel.hpp says. The SPSC flavors (the ring for spsc_bounded,
// the block list for spsc_unbounded) get every operation tested here: try ops and queries,
// wrap-around at every fill level, blocking both ways, close and drop from either side waking
// the other, timeouts, stop tokens, iteration, message lifetimes, boxed throwing-move types.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

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

// ---- the SPSC flavors (flavors/spsc_ring.hpp, flavors/spsc_list.hpp) ------------------------
// Parameterized over capacity: 1, 2 and 16 run on the ring, nullopt on the block list.

template <class T>
std::pair<sluice::spsc_sender<T>, sluice::single_receiver<T>> make_spsc(const flavor& f) {
  return f.cap ? sluice::spsc_bounded<T>(*f.cap) : sluice::spsc_unbounded<T>();
}

class SpscFlavors : public testing::TestWithParam<flavor> {};
INSTANTIATE_TEST_SUITE_P(Spsc, SpscFlavors,
                         testing::Values(bounded1_flavor, bounded2_flavor, bounded16_flavor, unbounded_flavor),
                         flavor_name{});

TEST_P(SpscFlavors, TryOpsQueriesAndFullEmptyAnswers) {
  auto ch = make_spsc<int>(GetParam());
  auto& tx = ch.first;
  auto& rx = ch.second;
  EXPECT_EQ(tx.capacity(), GetParam().cap);
  EXPECT_EQ(rx.capacity(), GetParam().cap);
  EXPECT_TRUE(rx.is_empty());
  EXPECT_FALSE(tx.is_full());
  EXPECT_EQ(rx.try_recv().error(), errc::empty);
  const int n = static_cast<int>(std::min<std::size_t>(GetParam().buffer(), 200));  // 200: > 3 blocks
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(tx.try_send(int(i)));
    EXPECT_EQ(tx.len(), static_cast<std::size_t>(i + 1));
    EXPECT_EQ(rx.len(), static_cast<std::size_t>(i + 1));
  }
  if (GetParam().cap) {
    EXPECT_TRUE(tx.is_full());
    EXPECT_TRUE(rx.is_full());
    auto r = tx.try_send(99);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, errc::full);
    EXPECT_EQ(r.error().message, 99) << "a full ring hands the message back";
  } else {
    EXPECT_FALSE(tx.is_full());
  }
  EXPECT_FALSE(rx.is_empty());
  for (int i = 0; i < n; ++i) ASSERT_EQ(*rx.try_recv(), i);
  EXPECT_EQ(rx.try_recv().error(), errc::empty);
  EXPECT_TRUE(tx.is_empty());
  EXPECT_FALSE(tx.is_disconnected());
}

TEST_P(SpscFlavors, WrapsAroundManyTimesInFifoOrderAtEveryFillLevel) {
  auto ch = make_spsc<int>(GetParam());
  auto& tx = ch.first;
  auto& rx = ch.second;
  const std::size_t fill = std::min<std::size_t>(GetParam().buffer(), 70);
  int sent = 0, got = 0;
  for (int round = 0; round < 300; ++round) {
    // Fill to a level that varies per round, then drain part of it: head and tail cross the
    // end of the ring (or of a block) at every offset.
    const std::size_t want = 1 + static_cast<std::size_t>(round) % fill;
    while (rx.len() < want) ASSERT_TRUE(tx.try_send(sent++));
    const std::size_t take = 1 + static_cast<std::size_t>(round * 7) % want;
    for (std::size_t i = 0; i < take; ++i) ASSERT_EQ(*rx.try_recv(), got++);
    ASSERT_EQ(rx.len(), static_cast<std::size_t>(sent - got));
  }
  while (got < sent) ASSERT_EQ(*rx.try_recv(), got++);
  EXPECT_EQ(rx.try_recv().error(), errc::empty);
}

TEST_P(SpscFlavors, BlockingTransferAcrossThreadsKeepsOrder) {
  auto ch = make_spsc<int>(GetParam());
  auto rx = std::move(ch.second);
  constexpr int n = 50000;
  std::thread t([tx = std::move(ch.first)]() mutable {
    for (int i = 0; i < n; ++i) ASSERT_TRUE(tx.send(int(i)));
  });
  for (int i = 0; i < n; ++i) {
    auto r = rx.recv_for(forever);
    ASSERT_TRUE(r.has_value());
    ASSERT_EQ(*r, i);
  }
  t.join();
  EXPECT_EQ(rx.recv().error(), errc::closed);
}

TEST_P(SpscFlavors, SenderCloseKeepsBufferedMessagesThenReportsClosed) {
  auto ch = make_spsc<int>(GetParam());
  auto& tx = ch.first;
  auto& rx = ch.second;
  ASSERT_TRUE(tx.send(1));
  EXPECT_TRUE(tx.close());
  EXPECT_FALSE(tx.close()) << "only the first close closes";
  EXPECT_FALSE(rx.close());
  EXPECT_TRUE(tx.is_disconnected());
  EXPECT_TRUE(rx.is_disconnected());
  auto r = tx.send(2);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, errc::closed);
  EXPECT_EQ(r.error().message, 2);
  EXPECT_EQ(tx.try_send(3).error().code, errc::closed);
  EXPECT_EQ(tx.send_for(4, 1ms).error().code, errc::closed);
  EXPECT_EQ(rx.len(), 1u);
  EXPECT_EQ(*rx.recv(), 1);
  EXPECT_EQ(rx.recv().error(), errc::closed);
  EXPECT_EQ(rx.try_recv().error(), errc::closed);
  EXPECT_EQ(rx.recv_for(1ms).error(), errc::closed);
}

TEST_P(SpscFlavors, ReceiverCloseFailsSendsAndKeepsWhatWasBuffered) {
  auto ch = make_spsc<int>(GetParam());
  auto& tx = ch.first;
  auto& rx = ch.second;
  ASSERT_TRUE(tx.send(1));
  EXPECT_TRUE(rx.close());
  auto r = tx.try_send(2);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, errc::closed);
  EXPECT_EQ(r.error().message, 2);
  EXPECT_EQ(*rx.try_recv(), 1) << "buffered messages stay receivable";
  EXPECT_EQ(rx.try_recv().error(), errc::closed);
}

TEST_P(SpscFlavors, DroppingEitherSideCloses) {
  {
    auto ch = make_spsc<int>(GetParam());
    auto rx = std::move(ch.second);
    ASSERT_TRUE(ch.first.send(5));
    { auto gone = std::move(ch.first); }
    EXPECT_EQ(*rx.recv(), 5);
    EXPECT_EQ(rx.recv().error(), errc::closed);
  }
  {
    auto ch = make_spsc<int>(GetParam());
    auto tx = std::move(ch.first);
    { auto gone = std::move(ch.second); }
    EXPECT_TRUE(tx.is_disconnected());
    auto r = tx.send(6);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, errc::closed);
    EXPECT_EQ(r.error().message, 6);
  }
}

TEST_P(SpscFlavors, CloseOrDropFromEitherSideWakesABlockedReceiver) {
  for (int how = 0; how < 3; ++how) {  // sender close, sender drop, receiver close
    auto ch = make_spsc<int>(GetParam());
    auto tx = std::move(ch.first);
    auto rx = std::move(ch.second);
    std::optional<sluice::recv_result<int>> r;
    probe_thread t([&] { r = rx.recv_for(forever); });
    t.wait_until_blocked();
    if (how == 0) tx.close();
    else if (how == 1) { auto gone = std::move(tx); }
    else rx.close();
    t.join();
    ASSERT_TRUE(r.has_value());
    ASSERT_FALSE(r->has_value());
    EXPECT_EQ(r->error(), errc::closed) << "how=" << how;
  }
}

TEST_P(SpscFlavors, StopTokenCancelsABlockedReceiveAndConsumesNothing) {
  auto ch = make_spsc<int>(GetParam());
  auto& tx = ch.first;
  auto& rx = ch.second;
  std::stop_source stop;
  std::optional<sluice::recv_result<int>> r;
  probe_thread t([&] { r = rx.recv(stop.get_token()); });
  t.wait_until_blocked();
  stop.request_stop();
  t.join();
  EXPECT_EQ(r->error(), errc::cancelled);
  ASSERT_TRUE(tx.send(8));
  EXPECT_EQ(*rx.recv(), 8);
}

TEST_P(SpscFlavors, RecvTimesOutOnEmptyThenStillReceives) {
  auto ch = make_spsc<int>(GetParam());
  auto& tx = ch.first;
  auto& rx = ch.second;
  EXPECT_EQ(rx.recv_for(2ms).error(), errc::timed_out);
  EXPECT_EQ(rx.recv_until(std::chrono::steady_clock::now() + 1ms).error(), errc::timed_out);
  EXPECT_EQ(rx.recv_for(0ms).error(), errc::timed_out);
  ASSERT_TRUE(tx.send(3));
  EXPECT_EQ(*rx.recv_for(0ms), 3) << "an immediate message wins over a zero timeout";
}

TEST_P(SpscFlavors, IterationRangeTryIterAndDrain) {
  auto ch = make_spsc<int>(GetParam());
  auto& tx = ch.first;
  auto& rx = ch.second;
  const int n = static_cast<int>(std::min<std::size_t>(GetParam().buffer(), 100));
  for (int i = 0; i < n; ++i) ASSERT_TRUE(tx.try_send(int(i)));
  int k = 0;
  for (int v : rx.drain()) EXPECT_EQ(v, k++);
  EXPECT_EQ(k, n);
  for (int i = 0; i < n; ++i) ASSERT_TRUE(tx.try_send(int(i)));
  k = 0;
  for (int v : rx.try_iter()) EXPECT_EQ(v, k++);
  EXPECT_EQ(k, n);
  std::thread t([tx = std::move(tx), n]() mutable {
    for (int i = 0; i < n * 3; ++i) ASSERT_TRUE(tx.send(int(i)));
  });
  k = 0;
  for (int v : rx) EXPECT_EQ(v, k++);  // ends at closed, after the sender is gone
  t.join();
  EXPECT_EQ(k, n * 3);
}

TEST_P(SpscFlavors, BufferedMessagesAreDestroyedOnceWithTheChannel) {
  tracked_scope scope;
  const int n = static_cast<int>(std::min<std::size_t>(GetParam().buffer(), 150));
  {
    auto ch = make_spsc<tracked>(GetParam());
    auto& tx = ch.first;
    auto& rx = ch.second;
    // Move head off slot 0 first, so the buffered run wraps (ring) or spans blocks (list).
    for (int i = 0; i < n / 2 + 1; ++i) {
      ASSERT_TRUE(tx.try_send(tracked(i)));
      EXPECT_EQ(rx.try_recv()->value, i);
    }
    for (int i = 0; i < n; ++i) ASSERT_TRUE(tx.try_send(tracked(i)));
    EXPECT_EQ(tracked::live.load(), n);
  }
  EXPECT_EQ(tracked::live.load(), 0);
  // Each received message once (after the test read it), each buffered one once (with the state).
  EXPECT_EQ(tracked::destroyed_with_payload.load(), n / 2 + 1 + n);
}

TEST_P(SpscFlavors, ThrowingMoveTypesAreBoxedAndLeaveTheChannelConsistent) {
  throwing_move::live = 0;
  {
    auto ch = make_spsc<throwing_move>(GetParam());
    auto& tx = ch.first;
    auto& rx = ch.second;
    throwing_move poisoned(1, /*poison=*/true);
    EXPECT_THROW((void)tx.try_send(std::move(poisoned)), throwing_move::boom);
    EXPECT_THROW((void)tx.send(std::move(poisoned)), throwing_move::boom);
    EXPECT_EQ(poisoned.value, 1) << "the message stays with its owner";
    EXPECT_TRUE(rx.is_empty());
    ASSERT_TRUE(tx.send(throwing_move(2)));
    ASSERT_TRUE(tx.try_send(throwing_move(3)) || GetParam().cap == std::size_t{1});
    throwing_move::throw_on_this_thread = true;
    bool threw = false;
    try {
      (void)rx.try_recv();
    } catch (const throwing_move::boom&) {
      threw = true;
    }
    throwing_move::throw_on_this_thread = false;
    EXPECT_TRUE(threw);
    if (GetParam().cap != std::size_t{1}) {
      EXPECT_EQ(rx.try_recv()->value, 3) << "only message 2 was consumed";
    }
    EXPECT_EQ(rx.try_recv().error(), errc::empty);
    rx.close();
    auto r = tx.send(throwing_move(4));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().message.value, 4) << "a failed send hands the boxed message back";
  }
  EXPECT_EQ(throwing_move::live.load(), 0);
}

TEST_P(SpscFlavors, MovedFromHandlesThrowEmptyHandleError) {
  auto ch = make_spsc<int>(GetParam());
  auto tx = std::move(ch.first);
  auto rx = std::move(ch.second);
  EXPECT_FALSE(ch.first.valid());
  EXPECT_FALSE(ch.second);
  EXPECT_THROW((void)ch.first.try_send(1), sluice::empty_handle_error);
  EXPECT_THROW((void)ch.second.try_recv(), sluice::empty_handle_error);
  EXPECT_THROW((void)ch.second.len(), sluice::empty_handle_error);
  EXPECT_TRUE(tx.valid());
  EXPECT_TRUE(rx.valid());
}

// The queries every handle has (README): counts and same_channel on the spsc/mpsc handles.
TEST_P(SpscFlavors, HandleCountsAndSameChannel) {
  auto ch = make_spsc<int>(GetParam());
  auto other = make_spsc<int>(GetParam());
  EXPECT_EQ(ch.first.sender_count(), 1u);
  EXPECT_EQ(ch.second.receiver_count(), 1u);
  EXPECT_TRUE(ch.first.same_channel(ch.second));
  EXPECT_TRUE(ch.second.same_channel(ch.first));
  EXPECT_FALSE(ch.first.same_channel(other.second));
  EXPECT_FALSE(ch.second.same_channel(other.first));
  { auto gone = std::move(ch.second); }  // the only receiver dropped
  EXPECT_EQ(ch.first.receiver_count(), 0u);
  EXPECT_EQ(ch.first.sender_count(), 1u);
  EXPECT_FALSE(ch.second.same_channel(ch.first));  // an empty handle is on no channel
  EXPECT_THROW((void)ch.second.sender_count(), sluice::empty_handle_error);
}

TEST(Mpsc, SenderCountFollowsClonesAndDropsAndSameChannelHolds) {
  auto check = [](auto p) {
    auto& rx = p.second;
    EXPECT_EQ(rx.sender_count(), 1u);
    {
      auto tx2 = p.first;
      auto tx3 = tx2;
      EXPECT_EQ(rx.sender_count(), 3u);
      EXPECT_EQ(tx3.receiver_count(), 1u);
      EXPECT_TRUE(rx.same_channel(tx3));
      EXPECT_TRUE(tx3.same_channel(rx));
    }
    EXPECT_EQ(rx.sender_count(), 1u);
    auto other = sluice::mpsc_unbounded<int>();
    EXPECT_FALSE(rx.same_channel(other.first));
  };
  check(sluice::mpsc_bounded<int>(2));
  check(sluice::mpsc_unbounded<int>());
}

// ---- the bounded ring only ------------------------------------------------------------------

TEST(SpscRing, FullSenderBlocksUntilTheReceiverFreesASlot) {
  auto ch = sluice::spsc_bounded<int>(2);
  auto tx = std::move(ch.first);
  auto rx = std::move(ch.second);
  ASSERT_TRUE(tx.send(0));
  ASSERT_TRUE(tx.send(1));
  std::optional<sluice::send_result<int>> r;
  probe_thread t([&] { r = tx.send_for(2, forever); });
  t.wait_until_blocked();
  EXPECT_FALSE(t.done()) << "the ring is full: the send waits";
  EXPECT_EQ(*rx.recv(), 0);
  t.join();
  EXPECT_TRUE(r->has_value());
  EXPECT_EQ(*rx.recv(), 1);
  EXPECT_EQ(*rx.recv(), 2);
}

TEST(SpscRing, CloseOrDropFromEitherSideWakesAFullSenderWithItsMessage) {
  for (int how = 0; how < 3; ++how) {  // receiver close, receiver drop, sender close
    auto ch = sluice::spsc_bounded<int>(1);
    auto tx = std::move(ch.first);
    auto rx = std::move(ch.second);
    ASSERT_TRUE(tx.send(0));
    std::optional<sluice::send_result<int>> r;
    probe_thread t([&] { r = tx.send_for(7, forever); });
    t.wait_until_blocked();
    if (how == 0) rx.close();
    else if (how == 1) { auto gone = std::move(rx); }
    else tx.close();
    t.join();
    ASSERT_FALSE(r->has_value());
    EXPECT_EQ(r->error().code, errc::closed) << "how=" << how;
    EXPECT_EQ(r->error().message, 7);
    if (how != 1) {
      EXPECT_EQ(*rx.recv(), 0) << "the buffered message survives the close";
      EXPECT_EQ(rx.recv().error(), errc::closed);
    }
  }
}

TEST(SpscRing, SendTimeoutsAndStopTokenOnAFullRingHandTheMessageBack) {
  auto ch = sluice::spsc_bounded<int>(1);
  auto& tx = ch.first;
  auto& rx = ch.second;
  ASSERT_TRUE(tx.send(0));
  auto a = tx.send_for(1, 2ms);
  ASSERT_FALSE(a.has_value());
  EXPECT_EQ(a.error().code, errc::timed_out);
  EXPECT_EQ(a.error().message, 1);
  auto b = tx.send_until(2, std::chrono::steady_clock::now() + 1ms);
  EXPECT_EQ(b.error().code, errc::timed_out);
  std::stop_source stop;
  std::optional<sluice::send_result<int>> c;
  probe_thread t([&] { c = tx.send(3, stop.get_token()); });
  t.wait_until_blocked();
  stop.request_stop();
  t.join();
  EXPECT_EQ(c->error().code, errc::cancelled);
  EXPECT_EQ(c->error().message, 3);
  EXPECT_EQ(*rx.try_recv(), 0);
  EXPECT_EQ(rx.try_recv().error(), errc::empty) << "timed-out and cancelled sends left nothing";
}

TEST(SpscRing, CapacityOnePingPongAcrossThreads) {
  auto a = sluice::spsc_bounded<int>(1);
  auto b = sluice::spsc_bounded<int>(1);
  constexpr int n = 20000;
  std::thread echo([rx = std::move(a.second), tx = std::move(b.first)]() mutable {
    for (int i = 0; i < n; ++i) ASSERT_TRUE(tx.send(*rx.recv() + 1));
  });
  int v = 0;
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(a.first.send(int(v)));
    v = *b.second.recv();
  }
  echo.join();
  EXPECT_EQ(v, n);
}

TEST(SpscRing, ZeroCapacityIsStillARendezvousAndHugeCapacityIsRefused) {
  auto ch = sluice::spsc_bounded<int>(0);
  EXPECT_EQ(ch.first.try_send(1).error().code, errc::full) << "no receiver waits";
  EXPECT_EQ(ch.first.capacity(), std::size_t{0});
  EXPECT_THROW((void)sluice::spsc_bounded<int>(std::numeric_limits<std::size_t>::max()), std::length_error);
}

// ---- mpsc_unbounded: the list flavor with a single consumer -----------------------------------

TEST(MpscList, ThreeProducersAcrossManyBlocksKeepPerProducerOrder) {
  auto ch = sluice::mpsc_unbounded<std::pair<int, int>>();
  auto rx = std::move(ch.second);
  constexpr int per = 20000;
  std::vector<std::thread> producers;
  for (int p = 0; p < 3; ++p)
    producers.emplace_back([tx = ch.first, p] {
      for (int i = 0; i < per; ++i) ASSERT_TRUE(tx.send(std::pair<int, int>(p, i)));
    });
  { auto gone = std::move(ch.first); }
  int next[3] = {0, 0, 0};
  for (auto m : rx) {
    ASSERT_EQ(m.second, next[m.first]) << "FIFO per producer";
    ++next[m.first];
  }
  for (auto& t : producers) t.join();
  EXPECT_EQ(next[0] + next[1] + next[2], 3 * per);
}

TEST(MpscList, ReceiverCloseRacingProducersIsExact) {
  auto ch = sluice::mpsc_unbounded<int>();
  auto rx = std::move(ch.second);
  std::atomic<int> accepted{0};
  std::vector<std::thread> producers;
  for (int p = 0; p < 2; ++p)
    producers.emplace_back([tx = ch.first, &accepted] {
      for (int i = 0; i < 5000; ++i) {
        auto r = tx.send(int(i));
        if (!r) {
          EXPECT_EQ(r.error().code, errc::closed);
          EXPECT_EQ(r.error().message, i);
          return;  // closed is final
        }
        accepted.fetch_add(1, std::memory_order_relaxed);
      }
    });
  int got = 0;
  while (got < 100) got += rx.recv().has_value() ? 1 : 0;
  rx.close();
  for (auto r = rx.try_recv(); r; r = rx.try_recv()) ++got;
  EXPECT_EQ(rx.try_recv().error(), errc::closed);
  for (auto& t : producers) t.join();
  EXPECT_EQ(rx.try_recv().error(), errc::closed) << "nothing slips in after the close";
  EXPECT_EQ(got, accepted.load()) << "every accepted message was received";
}

TEST(MpscList, BufferedMessagesAcrossBlocksAreDestroyedOnce) {
  tracked_scope scope;
  {
    auto ch = sluice::mpsc_unbounded<tracked>();
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(ch.first.send(tracked(i)));
    for (int i = 0; i < 40; ++i) EXPECT_EQ(ch.second.try_recv()->value, i);
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(ch.first.send(tracked(i)));
    EXPECT_EQ(ch.second.len(), 160u);
    EXPECT_EQ(tracked::live.load(), 160);
  }
  EXPECT_EQ(tracked::live.load(), 0);
  EXPECT_EQ(tracked::destroyed_with_payload.load(), 200);
}

TEST(MpscList, LastSenderDropWakesABlockedReceiverAndSelectAndAsyncSendWork) {
  auto ch = sluice::mpsc_unbounded<int>();
  auto tx2 = ch.first;
  std::optional<sluice::recv_result<int>> r;
  probe_thread t([&] { r = ch.second.recv_for(forever); });
  t.wait_until_blocked();
  // select on a send case: an unbounded channel is always ready.
  int fired = 0;
  sluice::select(sluice::on_send(tx2, 4, [&](sluice::send_result<int> s) { fired = s ? 1 : -1; }));
  EXPECT_EQ(fired, 1);
  t.join();
  EXPECT_EQ(**r, 4);
  { auto gone = std::move(tx2); }
  probe_thread t2([&] { r = ch.second.recv_for(forever); });
  t2.wait_until_blocked();
  { auto gone = std::move(ch.first); }
  t2.join();
  EXPECT_EQ(r->error(), errc::closed);
}

}  // namespace
