// selector.ready() (crossbeam's Select::ready): it reports a ready case and completes nothing;
// try_ready/ready_timeout; a wait that a partner on another thread ends; uniform among ready
// cases. And the spsc/mpsc handles (spsc.hpp) as selector cases.
#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "sluice/selector.hpp"
#include "test_support.hpp"

using namespace std::chrono_literals;

TEST(SelectorReady, ReportsTheReadyCaseAndTakesNothing) {
  auto [tx, rx] = sluice::bounded<int>(1);
  auto [tx2, rx2] = sluice::unbounded<int>();
  sluice::selector sel;
  int fired = 0;
  sel.recv(rx2, [&](sluice::recv_result<int>) { ++fired; });
  const std::size_t id = sel.recv(rx, [&](sluice::recv_result<int>) { ++fired; });
  EXPECT_FALSE(sel.try_ready().has_value());
  EXPECT_FALSE(sel.ready_timeout(1ms).has_value());
  ASSERT_TRUE(tx.send(5));
  EXPECT_EQ(sel.ready(), id);
  EXPECT_EQ(sel.try_ready(), id);
  EXPECT_EQ(rx.len(), 1u);  // still there: ready() performs nothing
  EXPECT_EQ(fired, 0);
  EXPECT_EQ(*rx.try_recv(), 5);
  EXPECT_FALSE(sel.try_ready().has_value());
}

TEST(SelectorReady, SendCaseIsReadyWhenThereIsRoomAndSendsNothing) {
  auto [tx, rx] = sluice::bounded<int>(1);
  ASSERT_TRUE(tx.send(1));
  sluice::selector sel;
  const std::size_t id = sel.send(tx, 2, [](sluice::send_result<int>) { ADD_FAILURE() << "sent"; });
  EXPECT_FALSE(sel.try_ready().has_value());
  EXPECT_EQ(*rx.try_recv(), 1);
  EXPECT_EQ(sel.ready(), id);
  EXPECT_EQ(rx.len(), 0u);
  EXPECT_EQ(sel.size(), 1u);  // the send case did not fire
}

TEST(SelectorReady, AClosedChannelIsReady) {
  auto [tx, rx] = sluice::bounded<int>(1);
  sluice::selector sel;
  const std::size_t id = sel.recv(rx, [](sluice::recv_result<int>) {});
  tx = {};
  EXPECT_EQ(sel.ready(), id);
}

// A rendezvous receive case is ready when a sender waits; ready() registers as an observer,
// so the message stays with the sender until the caller takes it.
TEST(SelectorReady, RendezvousReceiveWaitsForASenderAndLeavesItsMessage) {
  for (int round = 0; round < 50; ++round) {
    auto [tx, rx] = sluice::bounded<int>(0);
    auto [tx2, rx2] = sluice::bounded<int>(1);
    sluice::selector sel;
    sel.recv(rx2, [](sluice::recv_result<int>) {});
    const std::size_t id = sel.recv(rx, [](sluice::recv_result<int>) { ADD_FAILURE() << "taken"; });
    std::jthread sender([tx = tx]() { ASSERT_TRUE(tx.send(9)); });  // before or during ready()
    EXPECT_EQ(sel.ready(), id);
    EXPECT_EQ(*rx.recv(), 9);  // the sender still holds it (it may wait on a re-check first)
  }
}

// ready() on a rendezvous send case completes nothing: its registration offers no message, so
// a receiver that arrives while ready() waits wakes it and keeps waiting, and the message moves
// only in the select() that follows. (Before wait_mode::observe the receiver took the message
// from ready()'s registration: the handler ran inside ready() and the case was spent.)
TEST(SelectorReady, RendezvousSendCaseIsNotTakenWhileReadyWaits) {
  auto [tx, rx] = sluice::bounded<int>(0);
  sluice::selector sel;
  int sent = 0;
  const std::size_t id = sel.send(tx, 7, [&](sluice::send_result<int> r) { sent += r.has_value(); });
  std::atomic<bool> received{false};
  std::size_t reported = 0;
  int sent_at_ready = -1;
  bool received_at_ready = true;
  sluice_test::probe_thread selecting([&] {
    reported = sel.ready();
    sent_at_ready = sent;
    received_at_ready = received.load();
    if (sel.size() == 1) {
      EXPECT_EQ(sel.select(), id);
    }
  });
  selecting.wait_until_blocked();  // parked in ready(): the receiver comes later
  auto r = rx.recv();
  received.store(true);
  selecting.join();
  EXPECT_EQ(reported, id);
  EXPECT_EQ(sent_at_ready, 0);
  EXPECT_FALSE(received_at_ready);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, 7);
  EXPECT_EQ(sent, 1);
}

TEST(SelectorReady, AWaitingReadyIsWokenByAnotherThread) {
  for (int cap : {1, 4}) {
    auto [tx, rx] = sluice::bounded<int>(static_cast<std::size_t>(cap));
    auto [tx2, rx2] = sluice::unbounded<int>();
    sluice::selector sel;
    sel.recv(rx2, [](sluice::recv_result<int>) {});
    const std::size_t id = sel.recv(rx, [](sluice::recv_result<int>) {});
    std::jthread sender([tx = tx]() { ASSERT_TRUE(tx.send(3)); });
    EXPECT_EQ(sel.ready(), id);
    EXPECT_EQ(*rx.try_recv(), 3);
  }
}

// Two always-ready cases: each is reported at least once in 1000 (a fair ready() misses one
// with probability 2^-999).
TEST(SelectorReady, UniformAmongReadyCases) {
  auto [ta, ra] = sluice::bounded<int>(1);
  auto [tb, rb] = sluice::bounded<int>(1);
  ASSERT_TRUE(ta.send(1));
  ASSERT_TRUE(tb.send(2));
  sluice::selector sel;
  const std::size_t ia = sel.recv(ra, [](sluice::recv_result<int>) {});
  sel.recv(rb, [](sluice::recv_result<int>) {});
  int hits_a = 0;
  for (int i = 0; i < 1000; ++i) hits_a += sel.ready() == ia;
  EXPECT_GT(hits_a, 0);
  EXPECT_LT(hits_a, 1000);
}

TEST(SelectorSpsc, SpscAndMpscHandlesAreCases) {
  auto [stx, srx] = sluice::spsc_bounded<int>(2);
  auto [utx, urx] = sluice::spsc_unbounded<int>();
  auto [mtx, mrx] = sluice::mpsc_unbounded<int>();
  auto [btx, brx] = sluice::mpsc_bounded<int>(1);
  sluice::selector sel;
  int got = 0;
  const std::size_t is = sel.recv(srx, [&](sluice::recv_result<int> r) { got = *r; });
  const std::size_t iu = sel.recv(urx, [&](sluice::recv_result<int> r) { got = *r; });
  const std::size_t im = sel.recv(mrx, [&](sluice::recv_result<int> r) { got = *r; });
  const std::size_t ib = sel.recv(brx, [&](sluice::recv_result<int> r) { got = *r; });
  EXPECT_FALSE(sel.try_select().has_value());
  ASSERT_TRUE(utx.send(2));
  EXPECT_EQ(sel.select(), iu);
  EXPECT_EQ(got, 2);
  ASSERT_TRUE(mtx.send(3));
  EXPECT_EQ(sel.ready(), im);
  EXPECT_EQ(sel.select(), im);
  EXPECT_EQ(got, 3);
  ASSERT_TRUE(btx.send(4));
  EXPECT_EQ(sel.select(), ib);
  EXPECT_EQ(got, 4);
  // A send case on the spsc sender, received through the spsc receiver's case.
  sluice::selector out;
  bool sent = false;
  out.send(stx, 7, [&](sluice::send_result<int> r) { sent = r.has_value(); });
  ASSERT_TRUE(out.select_timeout(10s).has_value());
  EXPECT_TRUE(sent);
  EXPECT_EQ(sel.select(), is);
  EXPECT_EQ(got, 7);
  // A blocking select woken from another thread through the spsc ring.
  std::jthread producer([tx = std::move(stx)]() mutable { ASSERT_TRUE(tx.send(8)); });
  EXPECT_EQ(sel.select(), is);
  EXPECT_EQ(got, 8);
}
