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
