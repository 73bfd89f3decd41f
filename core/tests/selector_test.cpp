// selector (selector.hpp): select over cases added at run time — any number, any flavors;
// exactly one case fires; remove() switches a case off; a send case fires once; fairness; the
// try/timeout forms; errors; and exact accounting with threads on both sides.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <stdexcept>
#include <thread>
#include <vector>

#include "sluice/selector.hpp"

using namespace std::chrono_literals;

namespace {

auto make(int cap) {
  return cap < 0 ? sluice::unbounded<int>() : sluice::bounded<int>(static_cast<std::size_t>(cap));
}

}  // namespace

TEST(Selector, FiresTheReadyCaseAmongManyAndReportsItsId) {
  std::vector<std::pair<sluice::sender<int>, sluice::receiver<int>>> chans;
  for (int i = 0; i < 12; ++i) chans.push_back(make(i % 3 == 0 ? -1 : 4));
  sluice::selector sel;
  std::vector<std::size_t> ids;
  int got = -1;
  for (auto& c : chans) ids.push_back(sel.recv(c.second, [&](sluice::recv_result<int> r) { got = *r; }));
  for (int k : {7, 0, 11, 4}) {
    ASSERT_TRUE(chans[k].first.send(100 + k));
    EXPECT_EQ(sel.select(), ids[k]);
    EXPECT_EQ(got, 100 + k);
    EXPECT_EQ(sel.size(), 12u);  // receive cases stay armed
  }
}

TEST(Selector, TrySelectFiresNothingWhenNothingIsReadyAndTakesNothing) {
  auto a = make(1);
  auto b = make(-1);
  sluice::selector sel;
  int fired = 0;
  sel.recv(a.second, [&](sluice::recv_result<int>) { ++fired; });
  sel.recv(b.second, [&](sluice::recv_result<int>) { ++fired; });
  EXPECT_FALSE(sel.try_select().has_value());
  EXPECT_FALSE(sel.select_timeout(1ms).has_value());
  EXPECT_EQ(fired, 0);
  ASSERT_TRUE(b.first.send(5));
  EXPECT_TRUE(sel.try_select().has_value());
  EXPECT_EQ(fired, 1);
  EXPECT_FALSE(b.second.try_recv().has_value());  // taken exactly once, by the select
}

TEST(Selector, RemovedCaseNeverFiresEvenWhenReady) {
  auto a = make(-1);
  auto b = make(-1);
  sluice::selector sel;
  const std::size_t ia = sel.recv(a.second, [](sluice::recv_result<int>) {});
  const std::size_t ib = sel.recv(b.second, [](sluice::recv_result<int>) {});
  EXPECT_TRUE(sel.remove(ia));
  EXPECT_FALSE(sel.remove(ia));
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(a.first.send(i));
    ASSERT_TRUE(b.first.send(i));
    EXPECT_EQ(sel.select(), ib);
  }
  EXPECT_EQ(a.second.len(), 50u);  // nothing taken from the removed case's channel
}

TEST(Selector, SendCaseFiresOnceAndIsRemoved) {
  auto a = make(1);
  sluice::selector sel;
  int sent = 0;
  const std::size_t id = sel.send(a.first, 42, [&](sluice::send_result<int> r) { sent += r ? 1 : 0; });
  EXPECT_EQ(sel.select(), id);
  EXPECT_EQ(sent, 1);
  EXPECT_TRUE(sel.empty());
  EXPECT_FALSE(sel.try_select().has_value());
  EXPECT_EQ(*a.second.try_recv(), 42);
  EXPECT_FALSE(a.second.try_recv().has_value());  // delivered once
}

TEST(Selector, SendCaseOnAClosedChannelHandsTheMessageBack) {
  auto a = make(1);
  a.second = {};  // the only receiver is gone
  sluice::selector sel;
  int back = 0;
  sel.send(a.first, 9, [&](sluice::send_result<int> r) {
    ASSERT_FALSE(r);
    back = r.error().message;
  });
  sel.select();
  EXPECT_EQ(back, 9);
}

TEST(Selector, ReceiveCaseReportsClosed) {
  auto a = make(0);
  a.first = {};
  sluice::selector sel;
  bool closed = false;
  sel.recv(a.second, [&](sluice::recv_result<int> r) { closed = !r && r.error() == sluice::errc::closed; });
  sel.select();
  EXPECT_TRUE(closed);
}

TEST(Selector, BadInputIsAClearError) {
  sluice::selector sel;
  EXPECT_THROW(sel.select(), std::invalid_argument);
  EXPECT_FALSE(sel.select_timeout(1ms).has_value());  // no case: waits for the deadline
  sluice::receiver<int> moved_from;
  EXPECT_THROW(sel.recv(moved_from, [](sluice::recv_result<int>) {}), sluice::empty_handle_error);
  sluice::sender<int> no_tx;
  EXPECT_THROW(sel.send(no_tx, 1, [](sluice::send_result<int>) {}), sluice::empty_handle_error);
}

TEST(Selector, AThrowingHandlerLeavesASentCaseSpent) {
  auto a = make(4);
  sluice::selector sel;
  sel.send(a.first, 1, [](sluice::send_result<int>) { throw std::runtime_error("handler"); });
  EXPECT_THROW(sel.select(), std::runtime_error);
  EXPECT_TRUE(sel.empty());
  EXPECT_EQ(a.second.len(), 1u);  // sent once, never again
}

// Two always-ready cases: each fires with probability 1/2 (Hoeffding bound, as in
// select_fairness_test: a correct selector fails with probability at most 1e-9).
TEST(Selector, FairAmongReadyCases) {
  auto a = make(-1);
  auto b = make(-1);
  auto never = make(1);
  sluice::selector sel;
  sel.recv(never.second, [](sluice::recv_result<int>) {});
  const std::size_t ia = sel.recv(a.second, [](sluice::recv_result<int>) {});
  sel.recv(b.second, [](sluice::recv_result<int>) {});
  ASSERT_TRUE(a.first.send(0));
  ASSERT_TRUE(b.first.send(0));
  constexpr int n = 20000;
  int hits_a = 0;
  for (int i = 0; i < n; ++i) {
    const bool is_a = sel.select() == ia;
    hits_a += is_a;
    ASSERT_TRUE((is_a ? a : b).first.send(0));
  }
  const double tol = std::sqrt(std::log(2.0 / 1e-9) / (2.0 * n));
  EXPECT_LT(std::abs(hits_a / double(n) - 0.5), tol) << hits_a << " of " << n;
}

// Blocking selects on every flavor, partners on other threads, both directions: every message
// arrives exactly once.
TEST(Selector, BlockingSelectAcrossThreadsDeliversEveryMessageOnce) {
  for (int cap : {0, 1, 4, -1}) {
    constexpr int per = 300;
    auto a = make(cap);
    auto b = make(cap);
    auto out = make(cap);
    std::thread pa([tx = a.first]() mutable {
      for (int i = 0; i < per; ++i) ASSERT_TRUE(tx.send(i));
    });
    std::thread pb([tx = b.first]() mutable {
      for (int i = 0; i < per; ++i) ASSERT_TRUE(tx.send(per + i));
    });
    long long sum = 0;
    int count = 0;
    std::thread consumer([rx = out.second, &sum, &count]() mutable {
      while (auto v = rx.recv()) sum += *v, ++count;
    });
    a.first = {};
    b.first = {};
    sluice::selector sel;
    bool a_done = false, b_done = false;
    auto forward_to = [&](bool& done) {
      return [&out, &done](sluice::recv_result<int> r) {
        if (!r) {
          done = true;  // closed and drained
          return;
        }
        sluice::selector s2;  // a send case per message: it fires once
        s2.send(out.first, *r, [](sluice::send_result<int> sr) { ASSERT_TRUE(sr); });
        s2.select();
      };
    };
    const std::size_t ia = sel.recv(a.second, forward_to(a_done));
    const std::size_t ib = sel.recv(b.second, forward_to(b_done));
    while (!(a_done && b_done)) {
      sel.select();
      if (a_done) sel.remove(ia);  // switch a finished case off (Go's nil channel)
      if (b_done) sel.remove(ib);
    }
    out.first = {};
    pa.join();
    pb.join();
    consumer.join();
    EXPECT_EQ(count, 2 * per) << "cap " << cap;
    EXPECT_EQ(sum, static_cast<long long>(2 * per) * (2 * per - 1) / 2) << "cap " << cap;
  }
}
