// Proves the std platform's parker keeps its one-token contract.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "sluice/std_platform.hpp"

using namespace std::chrono_literals;

TEST(StdParker, TokenGivenBeforeParkIsConsumedWithoutBlocking) {
  sluice::std_platform::parker p;
  p.unpark();
  EXPECT_TRUE(p.park());
}

TEST(StdParker, ParkUntilTimesOutWithoutToken) {
  sluice::std_platform::parker p;
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(p.park_until(start + 20ms));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 20ms);
}

TEST(StdParker, UnparkFromAnotherThreadWakesSleeper) {
  sluice::std_platform::parker p;
  std::atomic<bool> written{false};
  std::thread t([&] {
    written.store(true, std::memory_order_relaxed);
    p.unpark();
  });
  EXPECT_TRUE(p.park());
  EXPECT_TRUE(written.load(std::memory_order_relaxed));  // unpark happens-before park's return
  t.join();
}

TEST(StdParker, TokensDoNotAccumulate) {
  sluice::std_platform::parker p;
  p.unpark();
  p.unpark();
  EXPECT_TRUE(p.park());
  EXPECT_FALSE(p.park_until(std::chrono::steady_clock::now() + 5ms));
}

// Two threads hand one token back and forth through two parkers, every variant of waiting in
// play: a token that arrives during the adaptive spin, during the yields, or after FUTEX_WAIT.
// A token lost or consumed twice would leave a thread parked forever (the test hangs) or let a
// thread run ahead of the count it was handed (the values would differ).
TEST(StdParker, PingPongOverEveryWaitingPhaseLosesNoToken) {
  sluice::std_platform::parker ping, pong;
  constexpr int rounds = 20000;
  int ball = 0;  // written by whoever holds the token; the parkers order the accesses
  std::thread t([&] {
    for (int i = 0; i < rounds; ++i) {
      ASSERT_TRUE(ping.park());
      ASSERT_EQ(ball, 2 * i + 1);
      ++ball;
      pong.unpark();
    }
  });
  for (int i = 0; i < rounds; ++i) {
    ASSERT_EQ(ball, 2 * i);
    ++ball;
    ping.unpark();
    ASSERT_TRUE(pong.park());
  }
  t.join();
  EXPECT_EQ(ball, 2 * rounds);
}
