// Issue 11 on the other kinds (oneshot, broadcast, watermark):
//  - item 7: an async operation owns its side of the channel (a sender/source copy, or a
//    counted reference to the receiver side), so awaiting it after every handle of the caller
//    is gone is well defined. Before, the operations held the bare state (and broadcast's a
//    pointer into the receiver handle): the last handle freed the state under a created
//    operation (caught here by a platform that records freed blocks, with no UB needed), or a
//    dropped consumer left a receive that never completes;
//  - item 9: broadcast destroys the messages nobody can receive any more (the last receiver's
//    unread ones, an overwritten one) after releasing its lock: a message whose destructor
//    calls back into the channel deadlocked before (the lock is not recursive).
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <utility>

#include "async_support.hpp"
#include "freed_tracking_platform.hpp"
#include "sluice/async.hpp"
#include "sluice/broadcast.hpp"
#include "sluice/oneshot.hpp"
#include "sluice/watermark.hpp"

namespace kinds_async_lifetime_test {  // named: coroutine frames of these types need linkage

using sluice::errc;

using freed_tracking_platform = sluice_test::freed_tracking_platform;  // freed_tracking_platform.hpp
using P = freed_tracking_platform;

// Awaits `op` in a coroutine that completes at once when the result is ready (all these are).
template <class Op, class R>
sluice_test::task await_into(Op op, std::optional<R>& out) {
  out.emplace(co_await std::move(op));
}

TEST(KindsAsyncLifetime, OneshotRecvAwaitedAfterTheReceiverIsGone) {
  auto ch = std::make_unique<std::pair<sluice::basic_oneshot_sender<int, P>, sluice::basic_oneshot_receiver<int, P>>>(
      sluice::basic_oneshot<int, P>());
  const void* state = ch->second.native_state();
  auto op = ch->second.async_recv();
  ASSERT_TRUE(std::move(ch->first).send(5));
  ch.reset();  // both handles gone: the operation holds the receiver side
  ASSERT_FALSE(P::is_freed(state)) << "the operation's channel was freed under it";
  std::optional<sluice::recv_result<int>> r;
  await_into(std::move(op), r);
  ASSERT_TRUE(r && r->has_value());
  EXPECT_EQ(**r, 5);
  EXPECT_TRUE(P::is_freed(state));  // the operation was the last reference
}

TEST(KindsAsyncLifetime, OneshotSendSeesTheReceiverUntilItsOperationIsGone) {
  auto [tx, rx] = sluice::basic_oneshot<int, P>();
  std::optional<decltype(rx.async_recv())> op(rx.async_recv());
  rx = sluice::basic_oneshot_receiver<int, P>();
  EXPECT_FALSE(tx.is_closed());  // the pending receive still can receive
  op.reset();
  EXPECT_TRUE(tx.is_closed());
  auto r = std::move(tx).send(6);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, 6);  // handed back
}

TEST(KindsAsyncLifetime, BroadcastRecvAwaitedAfterEveryHandleIsGone) {
  using ch_t = std::pair<sluice::basic_broadcast_sender<int, P>, sluice::basic_broadcast_receiver<int, P>>;
  auto ch = std::make_unique<ch_t>(sluice::basic_broadcast<int, P>(4));
  const void* state = ch->first.native_state();
  ASSERT_TRUE(ch->first.send(5));
  auto first = ch->second.async_recv();
  auto second = ch->second.async_recv();
  ch.reset();  // every handle gone: the operations share the receiver's position
  ASSERT_FALSE(P::is_freed(state)) << "the operations' channel was freed under them";
  std::optional<sluice::broadcast_result<int>> r1, r2;
  await_into(std::move(first), r1);
  await_into(std::move(second), r2);
  ASSERT_TRUE(r1 && r1->has_value());
  EXPECT_EQ(**r1, 5);
  ASSERT_TRUE(r2 && !r2->has_value());
  EXPECT_EQ(r2->error().code, errc::closed);  // the shared position moved past 5
}

TEST(KindsAsyncLifetime, BroadcastRecvAdvancesTheHandleItCameFrom) {
  auto [tx, rx] = sluice::basic_broadcast<int, P>(4);
  ASSERT_TRUE(tx.send(1));
  ASSERT_TRUE(tx.send(2));
  std::optional<sluice::broadcast_result<int>> r;
  await_into(rx.async_recv(), r);
  ASSERT_TRUE(r && r->has_value());
  EXPECT_EQ(**r, 1);
  EXPECT_EQ(*rx.try_recv(), 2);
}

TEST(KindsAsyncLifetime, BroadcastSendKeepsItsSideOpenUntilItIsAwaited) {
  auto [tx, rx] = sluice::basic_broadcast<int, P>(4);
  auto op = tx.async_send(7);
  tx = sluice::basic_broadcast_sender<int, P>();  // the operation holds a copy
  EXPECT_EQ(rx.try_recv().error().code, errc::empty);
  std::optional<sluice::send_result<int>> r;
  await_into(std::move(op), r);
  ASSERT_TRUE(r && r->has_value());
  EXPECT_EQ(*rx.try_recv(), 7);
  EXPECT_EQ(rx.try_recv().error().code, errc::closed);  // the operation, and its sender, are gone
}

TEST(KindsAsyncLifetime, BroadcastSendAwaitedAfterEveryHandleIsGoneHandsTheMessageBack) {
  using ch_t = std::pair<sluice::basic_broadcast_sender<int, P>, sluice::basic_broadcast_receiver<int, P>>;
  auto ch = std::make_unique<ch_t>(sluice::basic_broadcast<int, P>(4));
  const void* state = ch->first.native_state();
  auto op = ch->first.async_send(8);
  ch.reset();
  ASSERT_FALSE(P::is_freed(state)) << "the operation's channel was freed under it";
  std::optional<sluice::send_result<int>> r;
  await_into(std::move(op), r);
  ASSERT_TRUE(r && !r->has_value());
  EXPECT_EQ(r->error().code, errc::closed);
  EXPECT_EQ(r->error().message, 8);
}

TEST(KindsAsyncLifetime, WatermarkRecvAwaitedAfterEveryHandleIsGone) {
  using ch_t = std::pair<sluice::basic_watermark_source<int, P>, sluice::basic_watermark_consumer<int, P>>;
  auto ch = std::make_unique<ch_t>(sluice::basic_watermark<int, P>(1, 4));
  const void* state = ch->first.native_state();
  ASSERT_TRUE(ch->first.try_send(4));
  auto op = ch->second.async_recv();
  ch.reset();  // the operation holds the consumer side; the last source finished the stream
  ASSERT_FALSE(P::is_freed(state)) << "the operation's channel was freed under it";
  std::optional<sluice::watermark_result<int>> r;
  await_into(std::move(op), r);
  ASSERT_TRUE(r && r->has_value());
  EXPECT_EQ(**r, 4);
  EXPECT_TRUE(P::is_freed(state));
}

TEST(KindsAsyncLifetime, WatermarkConsumerSideStaysUntilItsReceiveIsGone) {
  auto [src, rx] = sluice::basic_watermark<int, P>(1, 4);
  auto op = rx.async_recv();
  rx = sluice::basic_watermark_consumer<int, P>();  // the operation still consumes
  ASSERT_TRUE(src.try_send(3));                       // so the channel is open
  std::optional<sluice::watermark_result<int>> r;
  await_into(std::move(op), r);
  ASSERT_TRUE(r && r->has_value());
  EXPECT_EQ(**r, 3);
  EXPECT_FALSE(src.try_send(4).has_value());  // the consumer side is gone with its operation
}

TEST(KindsAsyncLifetime, WatermarkSendKeepsTheStreamOpenUntilItIsAwaited) {
  auto [src, rx] = sluice::basic_watermark<int, P>(1, 4);
  auto op = src.async_send(9);
  src = sluice::basic_watermark_source<int, P>();  // the operation holds a copy: not finished
  EXPECT_EQ(rx.try_recv().error().code, errc::empty);
  std::optional<sluice::result<void, errc>> r;
  await_into(std::move(op), r);
  ASSERT_TRUE(r && r->has_value());
  EXPECT_EQ(*rx.try_recv(), 9);
  EXPECT_EQ(rx.try_recv().error().code, errc::closed);  // the last source (the operation's) is gone
}

// Item 9: a message whose destructor calls back into its channel (it takes the lock).
struct calls_back {
  const sluice::broadcast_sender<calls_back>* tx;
  int id;
  static inline int destroyed = 0;
  calls_back(const sluice::broadcast_sender<calls_back>* t, int i) : tx(t), id(i) {}
  calls_back(const calls_back&) = default;
  calls_back(calls_back&& o) noexcept : tx(o.tx), id(std::exchange(o.id, -1)) {}
  ~calls_back() {
    if (id < 0) return;  // moved from
    EXPECT_EQ(tx->receiver_count(), expected_receivers);
    ++destroyed;
  }
  static inline std::size_t expected_receivers = 0;
};

TEST(KindsUnreceived, BroadcastDestroysTheLastReceiversUnreadMessagesOutsideItsLock) {
  calls_back::destroyed = 0;
  calls_back::expected_receivers = 0;
  auto [tx, rx] = sluice::broadcast<calls_back>(4);
  ASSERT_TRUE(tx.send(calls_back(&tx, 1)));
  ASSERT_TRUE(tx.send(calls_back(&tx, 2)));
  { auto gone = std::move(rx); }  // before: deadlocked in the first destructor
  EXPECT_EQ(calls_back::destroyed, 2);
}

TEST(KindsUnreceived, BroadcastDestroysAnOverwrittenMessageOutsideItsLock) {
  calls_back::destroyed = 0;
  calls_back::expected_receivers = 1;
  auto [tx, rx] = sluice::broadcast<calls_back>(1, sluice::overflow::overwrite_oldest);
  ASSERT_TRUE(tx.send(calls_back(&tx, 1)));
  ASSERT_TRUE(tx.send(calls_back(&tx, 2)));  // overwrites 1: before, deadlocked here
  EXPECT_EQ(calls_back::destroyed, 1);
  EXPECT_EQ(rx.recv().error().code, errc::lagged);
  auto m = rx.recv();
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->id, 2);
}

TEST(KindsUnreceived, BroadcastDestroysWhatOnlyTheDroppedReceiverOwed) {
  calls_back::destroyed = 0;
  calls_back::expected_receivers = 1;
  auto [tx, rx] = sluice::broadcast<calls_back>(4);
  ASSERT_TRUE(tx.send(calls_back(&tx, 1)));
  auto late = tx.subscribe();  // owes only what comes next
  ASSERT_TRUE(tx.send(calls_back(&tx, 2)));
  { auto gone = std::move(rx); }  // 1 dies (nobody else owes it); 2 stays for `late`
  EXPECT_EQ(calls_back::destroyed, 1);
  auto m = late.try_recv();
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->id, 2);
}

}  // namespace kinds_async_lifetime_test
