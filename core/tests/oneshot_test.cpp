// oneshot: every pair (sender: send, drop) x (receiver: drop, recv, recv_for, try_recv), on one
// thread and across threads (the receiver blocked first), plus timeouts, cancellation,
// throwing moves, empty handles and the one-allocation claim.
#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <stop_token>
#include <string>
#include <thread>
#include <type_traits>

#include "sluice/oneshot.hpp"
#include "test_support.hpp"

using namespace sluice_test;
using sluice::errc;

namespace {

static_assert(!std::is_copy_constructible_v<sluice::oneshot_sender<int>>);
static_assert(!std::is_copy_assignable_v<sluice::oneshot_sender<int>>);
static_assert(!std::is_copy_constructible_v<sluice::oneshot_receiver<int>>);
static_assert(std::is_nothrow_move_constructible_v<sluice::oneshot_sender<int>>);
// send() consumes the sender: it cannot be called on an lvalue.
template <class S>
concept can_send_lvalue = requires(S& s) { s.send(1); };
static_assert(!can_send_lvalue<sluice::oneshot_sender<int>>);

// A platform that counts allocations of shared state (everything else is std's).
struct counting_platform : sluice::std_platform {
  static inline std::atomic<long> allocations{0};
  static inline std::atomic<long> live_bytes{0};
  static void* allocate(std::size_t bytes, std::size_t align) {
    allocations.fetch_add(1, std::memory_order_relaxed);
    live_bytes.fetch_add(static_cast<long>(bytes), std::memory_order_relaxed);
    return sluice::std_platform::allocate(bytes, align);
  }
  static void deallocate(void* p, std::size_t bytes, std::size_t align) noexcept {
    live_bytes.fetch_sub(static_cast<long>(bytes), std::memory_order_relaxed);
    sluice::std_platform::deallocate(p, bytes, align);
  }
};
static_assert(sluice::platform<counting_platform>);

// ---- sender sends ----------------------------------------------------------------------

TEST(Oneshot, SendThenRecvDeliversTheMessage) {
  auto p = sluice::oneshot<std::string>();
  auto tx = std::move(p.first);
  auto rx = std::move(p.second);
  ASSERT_TRUE(std::move(tx).send(std::string("hello")));
  EXPECT_FALSE(tx.valid());
  auto r = rx.recv();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, "hello");
}

TEST(Oneshot, SendThenTryRecvDeliversTheMessageThenReportsClosed) {
  auto p = sluice::oneshot<int>();
  auto rx = std::move(p.second);
  ASSERT_TRUE(std::move(p.first).send(41));
  auto r = rx.try_recv();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, 41);
  auto again = rx.try_recv();
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error(), errc::closed);
  EXPECT_EQ(rx.recv().error(), errc::closed);
}

TEST(Oneshot, SendThenRecvForDeliversWithoutWaiting) {
  auto p = sluice::oneshot<int>();
  auto rx = std::move(p.second);
  ASSERT_TRUE(std::move(p.first).send(7));
  auto r = rx.recv_for(forever);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, 7);
}

TEST(Oneshot, SendThenReceiverDropDestroysTheMessageOnce) {
  tracked_scope scope;
  {
    auto p = sluice::oneshot<tracked>();
    ASSERT_TRUE(std::move(p.first).send(tracked(3)));
    EXPECT_EQ(tracked::live.load(), 1);  // the message waits in the channel
  }
  EXPECT_EQ(tracked::live.load(), 0);
  EXPECT_EQ(tracked::destroyed_with_payload.load(), 1);
}

TEST(Oneshot, ReceiverDroppedFirstSendHandsTheMessageBack) {
  tracked_scope scope;
  {
    auto p = sluice::oneshot<tracked>();
    auto tx = std::move(p.first);
    EXPECT_FALSE(tx.is_closed());
    { auto gone = std::move(p.second); }
    EXPECT_TRUE(tx.is_closed());
    auto r = std::move(tx).send(tracked(9));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, errc::closed);
    EXPECT_EQ(r.error().message.value, 9);
    EXPECT_EQ(tracked::destroyed_with_payload.load(), 0);
  }
  EXPECT_EQ(tracked::live.load(), 0);
  EXPECT_EQ(tracked::destroyed_with_payload.load(), 1);
}

// ---- sender dropped unsent ----------------------------------------------------------------

TEST(Oneshot, SenderDroppedUnsentRecvReportsClosed) {
  auto p = sluice::oneshot<int>();
  auto rx = std::move(p.second);
  { auto gone = std::move(p.first); }
  EXPECT_EQ(rx.recv().error(), errc::closed);
}

TEST(Oneshot, SenderDroppedUnsentTryRecvAndRecvForReportClosed) {
  auto p = sluice::oneshot<int>();
  auto rx = std::move(p.second);
  EXPECT_EQ(rx.try_recv().error(), errc::empty);
  { auto gone = std::move(p.first); }
  EXPECT_EQ(rx.try_recv().error(), errc::closed);
  EXPECT_EQ(rx.recv_for(forever).error(), errc::closed);
  EXPECT_EQ(rx.recv_until(std::chrono::steady_clock::now() + forever).error(), errc::closed);
}

TEST(Oneshot, BothDroppedWithoutSendingFreesTheState) {
  counting_platform::live_bytes = 0;
  {
    auto p = sluice::basic_oneshot<int, counting_platform>();
    { auto rx = std::move(p.second); }
  }
  {
    auto p = sluice::basic_oneshot<int, counting_platform>();
    { auto tx = std::move(p.first); }
  }
  EXPECT_EQ(counting_platform::live_bytes.load(), 0);
}

// ---- across threads: the receiver blocks first ----------------------------------------------

TEST(Oneshot, BlockedRecvIsWokenBySendAndSeesWritesMadeBeforeIt) {
  auto p = sluice::oneshot<int>();
  auto tx = std::move(p.first);
  auto rx = std::move(p.second);
  std::optional<sluice::recv_result<int>> got;
  probe_thread t([&] { got.emplace(rx.recv()); });
  t.wait_until_blocked();
  int plain = 0;  // written before send, read after recv: the happens-before claim (TSan)
  std::thread s([&plain, tx = std::move(tx)]() mutable {
    plain = 5;
    ASSERT_TRUE(std::move(tx).send(37));
  });
  s.join();
  t.join();
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ(**got, 37);
  EXPECT_EQ(plain, 5);
}

TEST(Oneshot, BlockedRecvIsWokenBySenderDropWithClosed) {
  auto p = sluice::oneshot<int>();
  auto rx = std::move(p.second);
  std::optional<sluice::recv_result<int>> got;
  probe_thread t([&] { got.emplace(rx.recv()); });
  t.wait_until_blocked();
  { auto gone = std::move(p.first); }
  t.join();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->error(), errc::closed);
}

TEST(Oneshot, BlockedRecvForIsWokenBySendBeforeItsDeadline) {
  auto p = sluice::oneshot<int>();
  auto tx = std::move(p.first);
  auto rx = std::move(p.second);
  std::optional<sluice::recv_result<int>> got;
  probe_thread t([&] { got.emplace(rx.recv_for(forever)); });
  t.wait_until_blocked();
  ASSERT_TRUE(std::move(tx).send(8));
  t.join();
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ(**got, 8);
}

TEST(Oneshot, BlockedRecvForIsWokenBySenderDropWithClosed) {
  auto p = sluice::oneshot<int>();
  auto rx = std::move(p.second);
  std::optional<sluice::recv_result<int>> got;
  probe_thread t([&] { got.emplace(rx.recv_for(forever)); });
  t.wait_until_blocked();
  { auto gone = std::move(p.first); }
  t.join();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->error(), errc::closed);
}

TEST(Oneshot, SendFromAnotherThreadWhileReceiverDropsNeverLosesOrLeaksTheMessage) {
  tracked_scope scope;
  for (int i = 0; i < 200; ++i) {
    auto p = sluice::oneshot<tracked>();
    std::optional<sluice::send_result<tracked>> sent;
    std::thread s([&sent, i, tx = std::move(p.first)]() mutable { sent.emplace(std::move(tx).send(tracked(i))); });
    { auto gone = std::move(p.second); }
    s.join();
    ASSERT_TRUE(sent.has_value());
    if (!sent->has_value()) {
      EXPECT_EQ(sent->error().code, errc::closed);
      EXPECT_EQ(sent->error().message.value, i);
    }
    sent.reset();
    ASSERT_EQ(tracked::live.load(), 0);
  }
  EXPECT_EQ(tracked::destroyed_with_payload.load(), 200);
}

// ---- timeouts and cancellation ----------------------------------------------------------

TEST(Oneshot, RecvForTimesOutThenTheLaterMessageIsStillReceived) {
  auto p = sluice::oneshot<int>();
  auto rx = std::move(p.second);
  auto r = rx.recv_for(std::chrono::milliseconds(1));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), errc::timed_out);
  EXPECT_EQ(rx.recv_until(std::chrono::steady_clock::now()).error(), errc::timed_out);
  ASSERT_TRUE(std::move(p.first).send(11));
  auto again = rx.try_recv();
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, 11);
}

TEST(Oneshot, RecvWithStopTokenIsCancelledAndTheLaterMessageStays) {
  auto p = sluice::oneshot<int>();
  auto rx = std::move(p.second);
  std::stop_source stop;
  std::optional<sluice::recv_result<int>> got;
  probe_thread t([&] { got.emplace(rx.recv(stop.get_token())); });
  t.wait_until_blocked();
  stop.request_stop();
  t.join();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->error(), errc::cancelled);
  EXPECT_EQ(rx.recv(stop.get_token()).error(), errc::cancelled);  // already stopped, empty
  ASSERT_TRUE(std::move(p.first).send(12));
  EXPECT_EQ(*rx.recv(), 12);
}

TEST(Oneshot, RecvForRacingSendEitherTimesOutOrReceivesAndNeverLoses) {
  for (int i = 0; i < 300; ++i) {
    auto p = sluice::oneshot<int>();
    auto rx = std::move(p.second);
    std::thread s([tx = std::move(p.first), i]() mutable { ASSERT_TRUE(std::move(tx).send(int(i))); });
    auto r = rx.recv_for(std::chrono::microseconds(i % 20));
    if (!r.has_value()) {
      ASSERT_EQ(r.error(), errc::timed_out);
      r = rx.recv();
    }
    s.join();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(*r, i);
  }
}

// ---- message types ----------------------------------------------------------------------

TEST(Oneshot, MoveOnlyNonDefaultConstructibleMessage) {
  auto p = sluice::oneshot<move_only>();
  ASSERT_TRUE(std::move(p.first).send(move_only(4)));
  auto r = p.second.recv();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r->value, 4);
}

TEST(Oneshot, ThrowingMoveOnSendLeavesTheSenderUsable) {
  throwing_move::live = 0;
  {
    auto p = sluice::oneshot<throwing_move>();
    auto tx = std::move(p.first);
    EXPECT_THROW((void)std::move(tx).send(throwing_move(1, true)), throwing_move::boom);
    ASSERT_TRUE(tx.valid());
    ASSERT_TRUE(std::move(tx).send(throwing_move(2)));
    auto r = p.second.recv();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->value, 2);
  }
  EXPECT_EQ(throwing_move::live.load(), 0);
}

TEST(Oneshot, ThrowingMoveOnRecvReachesTheReceiverAndDestroysTheMessageOnce) {
  throwing_move::live = 0;
  {
    auto p = sluice::oneshot<throwing_move>();
    ASSERT_TRUE(std::move(p.first).send(throwing_move(3)));
    throwing_move::throw_on_this_thread = true;
    EXPECT_THROW((void)p.second.recv(), throwing_move::boom);
    throwing_move::throw_on_this_thread = false;
    EXPECT_EQ(p.second.try_recv().error(), errc::closed);  // taken (and destroyed) once
  }
  EXPECT_EQ(throwing_move::live.load(), 0);
}

// ---- handles ----------------------------------------------------------------------------

TEST(Oneshot, MovedFromHandlesThrowEmptyHandleError) {
  auto p = sluice::oneshot<int>();
  auto tx = std::move(p.first);
  auto rx = std::move(p.second);
  EXPECT_THROW((void)std::move(p.first).send(1), sluice::empty_handle_error);
  EXPECT_THROW((void)p.first.is_closed(), sluice::empty_handle_error);
  EXPECT_THROW((void)p.second.recv(), sluice::empty_handle_error);
  EXPECT_THROW((void)p.second.try_recv(), sluice::empty_handle_error);
  ASSERT_TRUE(std::move(tx).send(1));
  EXPECT_THROW((void)std::move(tx).send(2), sluice::empty_handle_error);  // consumed
  EXPECT_EQ(*rx.recv(), 1);
}

TEST(Oneshot, MoveAssignmentDropsTheOldChannel) {
  auto a = sluice::oneshot<int>();
  auto b = sluice::oneshot<int>();
  auto rx_a = std::move(a.second);
  a.first = std::move(b.first);  // a's original sender is dropped unsent
  EXPECT_EQ(rx_a.try_recv().error(), errc::closed);
  ASSERT_TRUE(std::move(a.first).send(5));
  EXPECT_EQ(*b.second.recv(), 5);
}

TEST(Oneshot, ExactlyOneDefaultAlignedAllocationPerChannel) {
  counting_platform::allocations = 0;
  counting_platform::live_bytes = 0;
  {
    auto p = sluice::basic_oneshot<std::uint64_t, counting_platform>();
    ASSERT_TRUE(std::move(p.first).send(std::uint64_t{1}));
    ASSERT_TRUE(p.second.recv().has_value());
  }
  EXPECT_EQ(counting_platform::allocations.load(), 1);
  EXPECT_EQ(counting_platform::live_bytes.load(), 0);
  using state = sluice::detail::oneshot_state<std::uint64_t, counting_platform>;
  EXPECT_LE(alignof(state), __STDCPP_DEFAULT_NEW_ALIGNMENT__);
}

}  // namespace
