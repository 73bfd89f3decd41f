// broadcast: every receiver sees every message sent after it subscribed; clones keep their
// position; block vs overwrite-oldest (lagged(n)); closing; copies per receiver.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "sluice/broadcast.hpp"
#include "test_support.hpp"

using namespace sluice_test;
using sluice::errc;
using sluice::overflow;

namespace {

// Counts copies (moves are free).
struct copy_counted {
  static inline std::atomic<int> copies{0};
  explicit copy_counted(int v) : value(v) {}
  copy_counted(const copy_counted& o) : value(o.value) { copies.fetch_add(1); }
  copy_counted(copy_counted&&) noexcept = default;
  copy_counted& operator=(const copy_counted&) = default;
  copy_counted& operator=(copy_counted&&) noexcept = default;
  int value;
};

TEST(Broadcast, EveryReceiverSeesEveryMessageInOrder) {
  auto p = sluice::broadcast<int>(8);
  auto tx = std::move(p.first);
  auto rx1 = std::move(p.second);
  auto rx2 = rx1;  // clone at the start
  auto rx3 = tx.subscribe();
  EXPECT_EQ(tx.receiver_count(), 3u);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(tx.send(i));
  for (auto* rx : {&rx1, &rx2, &rx3}) {
    EXPECT_EQ(rx->len(), 5u);
    for (int i = 0; i < 5; ++i) {
      auto r = rx->try_recv();
      ASSERT_TRUE(r.has_value());
      EXPECT_EQ(*r, i);
    }
    EXPECT_EQ(rx->try_recv().error().code, errc::empty);
  }
}

TEST(Broadcast, SubscribeSeesOnlyMessagesSentAfterIt) {
  auto p = sluice::broadcast<int>(4);
  auto tx = std::move(p.first);
  ASSERT_TRUE(tx.send(1));
  auto late = tx.subscribe();
  ASSERT_TRUE(tx.send(2));
  EXPECT_EQ(*late.try_recv(), 2);
  EXPECT_EQ(late.try_recv().error().code, errc::empty);
  EXPECT_EQ(*p.second.try_recv(), 1);
  EXPECT_EQ(*p.second.try_recv(), 2);
  auto resub = p.second.resubscribe();
  EXPECT_EQ(resub.len(), 0u);
}

TEST(Broadcast, CloneContinuesFromTheSamePosition) {
  auto p = sluice::broadcast<int>(4);
  auto tx = std::move(p.first);
  auto rx = std::move(p.second);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(tx.send(i));
  EXPECT_EQ(*rx.try_recv(), 0);
  auto clone = rx;
  EXPECT_EQ(*clone.try_recv(), 1);
  EXPECT_EQ(*rx.try_recv(), 1);
  EXPECT_EQ(*clone.try_recv(), 2);
  EXPECT_EQ(*rx.try_recv(), 2);
}

TEST(Broadcast, BlockPolicyFullUntilTheSlowestReceiverReads) {
  auto p = sluice::broadcast<int>(2, overflow::block);
  auto tx = std::move(p.first);
  auto fast = std::move(p.second);
  auto slow = fast;
  ASSERT_TRUE(tx.try_send(1));
  ASSERT_TRUE(tx.try_send(2));
  EXPECT_EQ(*fast.try_recv(), 1);
  EXPECT_EQ(*fast.try_recv(), 2);
  auto full = tx.try_send(3);
  ASSERT_FALSE(full.has_value());
  EXPECT_EQ(full.error().code, errc::full);
  EXPECT_EQ(full.error().message, 3);
  EXPECT_EQ(tx.send_for(3, std::chrono::milliseconds(1)).error().code, errc::timed_out);
  EXPECT_EQ(*slow.try_recv(), 1);
  ASSERT_TRUE(tx.try_send(3));
  EXPECT_EQ(*slow.try_recv(), 2);
  EXPECT_EQ(*slow.try_recv(), 3);
  EXPECT_EQ(*fast.try_recv(), 3);
}

TEST(Broadcast, BlockedSendIsWokenWhenTheSlowestReceiverReads) {
  auto p = sluice::broadcast<int>(1);
  auto tx = std::move(p.first);
  auto rx = std::move(p.second);
  ASSERT_TRUE(tx.send(1));
  std::optional<sluice::send_result<int>> sent;
  probe_thread t([&] { sent.emplace(tx.send(2)); });
  t.wait_until_blocked();
  EXPECT_EQ(*rx.recv(), 1);
  t.join();
  ASSERT_TRUE(sent && sent->has_value());
  EXPECT_EQ(*rx.recv(), 2);
}

TEST(Broadcast, BlockedSendIsWokenWhenTheSlowestReceiverDrops) {
  auto p = sluice::broadcast<int>(1);
  auto tx = std::move(p.first);
  auto fast = std::move(p.second);
  auto slow = fast;
  ASSERT_TRUE(tx.send(1));
  EXPECT_EQ(*fast.recv(), 1);
  std::optional<sluice::send_result<int>> sent;
  probe_thread t([&] { sent.emplace(tx.send(2)); });
  t.wait_until_blocked();
  { auto gone = std::move(slow); }
  t.join();
  ASSERT_TRUE(sent && sent->has_value());
  EXPECT_EQ(*fast.recv(), 2);
}

TEST(Broadcast, OverwriteReportsLaggedCountThenContinuesAtTheOldest) {
  auto p = sluice::broadcast<int>(2, overflow::overwrite_oldest);
  auto tx = std::move(p.first);
  auto rx = std::move(p.second);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(tx.try_send(i));  // never full
  auto r = rx.recv();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, errc::lagged);
  EXPECT_EQ(r.error().missed, 3u);
  EXPECT_EQ(r.error().lagged_by(), 3u);
  EXPECT_TRUE(r.error() == errc::lagged);  // the common errc, comparable directly
  EXPECT_STREQ(sluice::to_string(errc::lagged), "lagged");
  EXPECT_EQ(*rx.recv(), 3);
  EXPECT_EQ(*rx.recv(), 4);
  EXPECT_EQ(rx.try_recv().error().code, errc::empty);
}

TEST(Broadcast, OverwriteDestroysEachMessageExactlyOnce) {
  tracked_scope scope;
  struct copyable_tracked : tracked {
    using tracked::tracked;
    copyable_tracked(const copyable_tracked& o) : tracked(int(o.value)) {}
    copyable_tracked(copyable_tracked&&) noexcept = default;
  };
  {
    auto p = sluice::broadcast<copyable_tracked>(2, overflow::overwrite_oldest);
    auto rx2 = p.second;
    for (int i = 0; i < 6; ++i) ASSERT_TRUE(p.first.send(copyable_tracked(i)));
    EXPECT_EQ(p.second.recv().error().code, errc::lagged);
    EXPECT_EQ(p.second.recv()->value, 4);  // a copy for p.second; rx2 still owes a read
  }
  EXPECT_EQ(tracked::live.load(), 0);
}

TEST(Broadcast, SingleReceiverNeverCopiesAndEachReaderButTheLastGetsOneCopy) {
  copy_counted::copies = 0;
  auto p = sluice::broadcast<copy_counted>(4);
  ASSERT_TRUE(p.first.send(copy_counted(1)));
  EXPECT_EQ(p.second.recv()->value, 1);
  EXPECT_EQ(copy_counted::copies.load(), 0);
  auto a = p.second;
  auto b = p.second;
  ASSERT_TRUE(p.first.send(copy_counted(2)));
  EXPECT_EQ(p.second.recv()->value, 2);
  EXPECT_EQ(a.recv()->value, 2);
  EXPECT_EQ(b.recv()->value, 2);
  EXPECT_EQ(copy_counted::copies.load(), 2);
}

TEST(Broadcast, SendWithNoReceiverHandsTheMessageBack) {
  auto p = sluice::broadcast<std::string>(2);
  { auto gone = std::move(p.second); }
  auto r = p.first.send(std::string("x"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, errc::closed);
  EXPECT_EQ(r.error().message, "x");
  auto rx = p.first.subscribe();  // a sender can still subscribe
  ASSERT_TRUE(p.first.send(std::string("y")));
  EXPECT_EQ(*rx.recv(), "y");
}

TEST(Broadcast, LastSenderGoneReceiversDrainThenSeeClosed) {
  auto p = sluice::broadcast<int>(4);
  auto rx = std::move(p.second);
  {
    auto tx = std::move(p.first);
    auto tx2 = tx;
    ASSERT_TRUE(tx.send(1));
    ASSERT_TRUE(tx2.send(2));
  }
  EXPECT_EQ(*rx.recv(), 1);
  EXPECT_EQ(*rx.recv(), 2);
  EXPECT_EQ(rx.recv().error().code, errc::closed);
}

TEST(Broadcast, BlockedRecvIsWokenBySendAndByTheLastSenderDrop) {
  auto p = sluice::broadcast<int>(4);
  auto tx = std::move(p.first);
  auto rx = std::move(p.second);
  std::optional<sluice::broadcast_result<int>> got;
  {
    probe_thread t([&] { got.emplace(rx.recv()); });
    t.wait_until_blocked();
    ASSERT_TRUE(tx.send(5));
    t.join();
  }
  ASSERT_TRUE(got && got->has_value());
  EXPECT_EQ(**got, 5);
  got.reset();
  probe_thread t([&] { got.emplace(rx.recv_for(forever)); });
  t.wait_until_blocked();
  { auto gone = std::move(tx); }
  t.join();
  EXPECT_EQ(got->error().code, errc::closed);
}

TEST(Broadcast, RecvTimesOutAndIsCancelledByStopToken) {
  auto p = sluice::broadcast<int>(4);
  EXPECT_EQ(p.second.recv_for(std::chrono::milliseconds(1)).error().code, errc::timed_out);
  std::stop_source stop;
  std::optional<sluice::broadcast_result<int>> got;
  probe_thread t([&] { got.emplace(p.second.recv(stop.get_token())); });
  t.wait_until_blocked();
  stop.request_stop();
  t.join();
  EXPECT_EQ(got->error().code, errc::cancelled);
  ASSERT_TRUE(p.first.send(1));
  EXPECT_EQ(*p.second.recv(), 1);
}

TEST(Broadcast, TwoSendersTwoReceiversEachReceiverGetsAllInPerSenderOrder) {
  constexpr int per = 2000;
  auto p = sluice::broadcast<std::pair<int, int>>(8);
  auto tx = std::move(p.first);
  auto rx = std::move(p.second);
  auto rx2 = rx;
  std::array<std::vector<std::pair<int, int>>, 2> got;
  std::vector<std::thread> ts;
  for (int r = 0; r < 2; ++r)
    ts.emplace_back([&got, r, mine = r == 0 ? std::move(rx) : std::move(rx2)]() mutable {
      for (;;) {
        auto m = mine.recv();
        if (!m) {
          ASSERT_EQ(m.error().code, errc::closed);
          return;
        }
        got[static_cast<std::size_t>(r)].push_back(*m);
      }
    });
  for (int s = 0; s < 2; ++s)
    ts.emplace_back([s, t = tx]() {
      for (int i = 0; i < per; ++i) ASSERT_TRUE(t.send({s, i}));
    });
  { auto gone = std::move(tx); }
  for (auto& t : ts) t.join();
  for (const auto& g : got) {
    ASSERT_EQ(g.size(), 2u * per);
    std::array<int, 2> next{0, 0};
    for (auto [s, i] : g) EXPECT_EQ(i, next[static_cast<std::size_t>(s)]++);
  }
}

TEST(Broadcast, ZeroCapacityThrowsLengthErrorAndEmptyHandlesThrow) {
  EXPECT_THROW(sluice::broadcast<int>(0), std::length_error);
  auto p = sluice::broadcast<int>(1);
  auto tx = std::move(p.first);
  auto rx = std::move(p.second);
  EXPECT_THROW((void)p.first.send(1), sluice::empty_handle_error);
  EXPECT_THROW((void)p.first.subscribe(), sluice::empty_handle_error);
  EXPECT_THROW((void)p.second.recv(), sluice::empty_handle_error);
}

}  // namespace
