// Smoke: each flavor moves messages between two threads in order and reports closing.
#include <gtest/gtest.h>

#include <thread>

#include "sluice/sluice.hpp"

TEST(Smoke, EachFlavorDeliversInOrderAndReportsClosed) {
  for (int cap : {-1, 0, 1, 2, 16}) {
    auto [tx, rx] = cap < 0 ? sluice::unbounded<int>() : sluice::bounded<int>(static_cast<std::size_t>(cap));
    constexpr int n = 10000;
    std::thread producer([tx = std::move(tx)]() mutable {
      for (int i = 0; i < n; ++i) ASSERT_TRUE(tx.send(int(i)));
    });
    for (int i = 0; i < n; ++i) {
      auto r = rx.recv();
      ASSERT_TRUE(r.has_value()) << "cap " << cap;
      ASSERT_EQ(*r, i);
    }
    producer.join();
    auto end = rx.recv();
    ASSERT_FALSE(end.has_value());
    EXPECT_EQ(end.error(), sluice::errc::closed);
  }
}
