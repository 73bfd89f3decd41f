// select's fairness and linearizability (issue 11, items 3-5):
//  - a fair select fires uniformly among the ready cases, wherever the never-ready ones are;
//  - a waiting select registers its cases in a random order, so a rendezvous partner (which
//    takes the oldest registration) takes either of two send cases on one channel fairly;
//  - on_default fires only if there was an instant at which no case was ready (the
//    linearizable_default test of crossbeam-channel's tests/select.rs, rewritten).
// The statistical tests bound the binomial tail with Hoeffding's inequality: for n independent
// trials of success probability p, P(|X/n - p| >= t) <= 2 exp(-2 n t^2). With t chosen so that
// the right side is 1e-9, a correct select fails such a test with probability at most 1e-9.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <thread>

#include "sluice/async_select.hpp"
#include "sluice/select.hpp"
#include "sluice/std_platform.hpp"
#include "async_support.hpp"

namespace {

constexpr double false_alarm = 1e-9;

// The t of the header for n trials: |X/n - p| >= t has probability <= false_alarm.
double hoeffding_tolerance(int n) { return std::sqrt(std::log(2.0 / false_alarm) / (2.0 * n)); }

auto ignore_recv = [](sluice::recv_result<int>) {};
auto ignore_send = [](sluice::send_result<int>) {};

// Three receive cases, the first never ready, the other two always ready: each of the two must
// fire with probability 1/2 (a random start rotated to the next ready case gives the second
// 2/3: it wins from starts 0 and 1).
TEST(SelectFairness, FairSelectIsUniformAmongReadyCasesAfterANeverReadyOne) {
  auto never = sluice::bounded<int>(1);
  auto b = sluice::unbounded<int>();
  auto c = sluice::unbounded<int>();
  ASSERT_TRUE(b.first.send(0));
  ASSERT_TRUE(c.first.send(0));
  constexpr int n = 20000;
  int hits[3] = {0, 0, 0};
  for (int i = 0; i < n; ++i) {
    const std::size_t fired = sluice::select(sluice::on_recv(never.second, ignore_recv),
                                             sluice::on_recv(b.second, ignore_recv),
                                             sluice::on_recv(c.second, ignore_recv));
    ++hits[fired];
    ASSERT_TRUE((fired == 1 ? b : c).first.send(0));  // keep both ready
  }
  EXPECT_EQ(hits[0], 0);
  EXPECT_LT(std::abs(hits[1] / double(n) - 0.5), hoeffding_tolerance(n)) << hits[1] << " of " << n;
}

// The same through async_select (it shares select's case order).
TEST(SelectFairness, FairAsyncSelectIsUniformAmongReadyCasesAfterANeverReadyOne) {
  auto never = sluice::bounded<int>(1);
  auto b = sluice::unbounded<int>();
  auto c = sluice::unbounded<int>();
  ASSERT_TRUE(b.first.send(0));
  ASSERT_TRUE(c.first.send(0));
  constexpr int n = 20000;
  int hits[3] = {0, 0, 0};
  auto body = [&]() -> sluice_test::task {
    for (int i = 0; i < n; ++i) {
      const std::size_t fired = co_await sluice::async_select(sluice::on_recv(never.second, ignore_recv),
                                                              sluice::on_recv(b.second, ignore_recv),
                                                              sluice::on_recv(c.second, ignore_recv));
      ++hits[fired];
      EXPECT_TRUE((fired == 1 ? b : c).first.send(0));
    }
  };
  body();  // every case is ready: the coroutine runs to its end here
  EXPECT_EQ(hits[0], 0);
  EXPECT_LT(std::abs(hits[1] / double(n) - 0.5), hoeffding_tolerance(n)) << hits[1] << " of " << n;
}

// std_platform, plus a signal: the selecting thread's select calls test_delay() once, right
// after it has registered every case (select.hpp), which lets the receiver arrive exactly then.
struct registration_signal_platform : sluice::std_platform {
  static inline std::atomic<int> registered{0};
  static inline thread_local bool selecting = false;
  static void test_delay() noexcept {
    // ORDERING (test): release — the receiver's acquire sees the registrations before it.
    if (selecting) registered.fetch_add(1, std::memory_order_release);
  }
};
static_assert(sluice::platform<registration_signal_platform>);

// A select with two send cases on one rendezvous channel waits (no receiver yet); then a
// receiver arrives and takes the oldest registration. Each case must fire with probability 1/2
// (registering in the order written makes the first case fire every time).
TEST(SelectFairness, WaitingSelectTakesEitherSendCaseOnOneRendezvousChannelFairly) {
  using P = registration_signal_platform;
  auto [tx, rx] = sluice::basic_bounded<int, P>(0);
  constexpr int n = 2000;
  std::thread receiver([&, rx = std::move(rx)] {
    for (int i = 0; i < n; ++i) {
      // ORDERING (test): acquire — pairs with test_delay()'s release.
      while (P::registered.load(std::memory_order_acquire) <= i) std::this_thread::yield();
      ASSERT_TRUE(rx.recv());
    }
  });
  P::selecting = true;
  int hits[2] = {0, 0};
  for (int i = 0; i < n; ++i)
    ++hits[sluice::select(sluice::on_send(tx, 0, ignore_send), sluice::on_send(tx, 1, ignore_send))];
  P::selecting = false;
  receiver.join();
  EXPECT_EQ(hits[0] + hits[1], n);
  EXPECT_LT(std::abs(hits[0] / double(n) - 0.5), hoeffding_tolerance(n)) << hits[0] << " of " << n;
}

// Spins until `flag` reaches `value`; yields now and then, so that a thread sharing its core
// with the one it waits for still lets it run.
void spin_until_at_least(const std::atomic<int>& flag, int value) {
  for (int k = 1;; ++k) {
    // ORDERING (test): acquire — pairs with the other thread's release store of `flag`.
    if (flag.load(std::memory_order_acquire) >= value) return;
    if (k % 1024 == 0)
      std::this_thread::yield();
    else
      sluice::std_platform::spin_hint();
  }
}

// crossbeam-channel's linearizable_default: thread B keeps one of r1, r2 holding a message at
// every instant (it fills r2 before it empties r1), so a select over both with a default must
// never take the default. Without the registration re-check, a select that tries r2 (still
// empty) and then r1 (just emptied) takes it. The threads meet by spinning rather than through
// channels, so that B acts while A is inside select, and A starts its select a varying number
// of pauses after releasing B, so that the rounds sweep the offsets between the two (on the
// old code about 1 round in 500 took the default; 0 is required).
template <class Make>
void default_is_linearizable(Make make, int rounds) {
  auto [s1, r1] = make();
  auto [s2, r2] = make();
  std::atomic<int> go{0}, done{0};
  std::thread b([&, &s2 = s2, &r1 = r1] {  // clang 14 cannot capture structured bindings
    for (int i = 1; i <= rounds; ++i) {
      spin_until_at_least(go, i);
      EXPECT_TRUE(s2.send(1));
      (void)r1.try_recv();
      // ORDERING (test): release — pairs with A's acquire in spin_until_at_least.
      done.store(i, std::memory_order_release);
    }
  });
  int defaults = 0;
  for (int i = 1; i <= rounds; ++i) {
    EXPECT_TRUE(s1.send(1));
    // ORDERING (test): release — pairs with B's acquire in spin_until_at_least.
    go.store(i, std::memory_order_release);
    for (int k = 0; k < (i * 13) % 50; ++k) sluice::std_platform::spin_hint();
    sluice::select(sluice::on_recv(r1, ignore_recv), sluice::on_recv(r2, ignore_recv),
                   sluice::on_default([&] { ++defaults; }));
    spin_until_at_least(done, i);
    (void)r2.try_recv();
  }
  b.join();
  EXPECT_EQ(defaults, 0);
}

TEST(SelectFairness, DefaultNeverFiresWhileACaseIsReadyBounded) {
  default_is_linearizable([] { return sluice::bounded<int>(1); }, 100000);
}
TEST(SelectFairness, DefaultNeverFiresWhileACaseIsReadyUnbounded) {
  default_is_linearizable([] { return sluice::unbounded<int>(); }, 100000);
}

}  // namespace
