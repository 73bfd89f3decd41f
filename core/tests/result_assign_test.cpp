// Proves result's move assignment (issue 11, item 1): every object destroyed exactly once
// whatever a move throws, the strong guarantee where result.hpp promises it, and the basic
// one (a valid, value-initialized other alternative) in the one case it cannot.
#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <stdexcept>

#include "sluice/result.hpp"

namespace {

// A message that counts constructions and destructions, keeps the set of live addresses (a
// destruction of a dead or never-built object is recorded as an error), and whose move
// constructor throws on demand: the `moves_before_throw`-th next move throws.
struct counted {
  struct boom : std::runtime_error {
    boom() : std::runtime_error("counted: move failed") {}
  };
  static inline std::mutex m;
  static inline std::set<const void*> live_set;
  static inline long constructed = 0, destroyed = 0, bad_destructions = 0;
  static inline int moves_before_throw = -1;  // < 0: never throw

  static void reset() {
    std::lock_guard g(m);
    live_set.clear();
    constructed = destroyed = bad_destructions = 0;
    moves_before_throw = -1;
  }
  void born() {
    std::lock_guard g(m);
    ++constructed;
    live_set.insert(this);
  }
  explicit counted(int v) : value(v) { born(); }
  counted(counted&& o) noexcept(false) : value(o.value) {
    if (moves_before_throw == 0) {
      moves_before_throw = -1;
      throw boom();
    }
    if (moves_before_throw > 0) --moves_before_throw;
    o.value = -1;
    born();
  }
  counted(const counted&) = delete;
  counted& operator=(const counted&) = delete;
  ~counted() {
    std::lock_guard g(m);
    ++destroyed;
    if (live_set.erase(this) != 1) ++bad_destructions;
  }
  int value;
};

using rr = sluice::recv_result<counted>;
using sr = sluice::send_result<counted>;

rr value_of(int v) { return rr(std::in_place, v); }
rr error_of(sluice::errc e) { return rr(sluice::in_place_error, e); }
sr send_failure(int v) { return sr(sluice::in_place_error, sluice::send_error<counted>{sluice::errc::full, counted(v)}); }

struct balanced_afterwards : testing::Test {
  void SetUp() override { counted::reset(); }
  void TearDown() override {
    EXPECT_EQ(counted::bad_destructions, 0) << "an object destroyed twice, or never constructed";
    EXPECT_EQ(counted::constructed, counted::destroyed);
    EXPECT_TRUE(counted::live_set.empty());
  }
};

TEST_F(balanced_afterwards, value_over_value_first_move_throws_strong) {
  {
    rr a = value_of(1), b = value_of(2);
    counted::moves_before_throw = 0;
    EXPECT_THROW(a = std::move(b), counted::boom);
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ(a->value, 1);
    ASSERT_TRUE(b.has_value());
    EXPECT_EQ(b->value, 2);
  }
}

TEST_F(balanced_afterwards, value_over_value_second_move_throws_basic_no_double_destruction) {
  {
    rr a = value_of(1), b = value_of(2);
    counted::moves_before_throw = 1;
    EXPECT_THROW(a = std::move(b), counted::boom);
    EXPECT_FALSE(a.has_value());  // the basic guarantee's fallback: a value-initialized errc
    EXPECT_TRUE(b.has_value());   // moved-from but alive
  }
}

TEST_F(balanced_afterwards, value_over_error_throws_strong) {
  {
    rr a = error_of(sluice::errc::timed_out), b = value_of(2);
    counted::moves_before_throw = 0;
    EXPECT_THROW(a = std::move(b), counted::boom);
    ASSERT_FALSE(a.has_value());
    EXPECT_EQ(a.error(), sluice::errc::timed_out);
    ASSERT_TRUE(b.has_value());
    EXPECT_EQ(b->value, 2);
  }
}

TEST_F(balanced_afterwards, assignments_that_succeed_move_the_message) {
  {
    rr a = value_of(1), b = value_of(2), c = error_of(sluice::errc::closed);
    a = std::move(b);
    EXPECT_EQ(a->value, 2);
    a = std::move(c);
    EXPECT_EQ(a.error(), sluice::errc::closed);
    rr d = value_of(3);
    a = std::move(d);
    EXPECT_EQ(a->value, 3);
    rr& alias = a;
    a = std::move(alias);
    EXPECT_EQ(a->value, 3);
  }
}

TEST_F(balanced_afterwards, send_error_over_send_error_throws) {
  {
    sr a = send_failure(1), b = send_failure(2);
    counted::moves_before_throw = 0;  // strong
    EXPECT_THROW(a = std::move(b), counted::boom);
    ASSERT_FALSE(a.has_value());
    EXPECT_EQ(a.error().message.value, 1);
    counted::moves_before_throw = 1;  // basic: the empty success
    EXPECT_THROW(a = std::move(b), counted::boom);
    EXPECT_TRUE(a.has_value());
    sr c = send_failure(3);
    a = std::move(c);
    EXPECT_EQ(a.error().message.value, 3);
  }
}

TEST_F(balanced_afterwards, send_error_over_success_throws_strong) {
  {
    sr a, b = send_failure(2);
    counted::moves_before_throw = 0;
    EXPECT_THROW(a = std::move(b), counted::boom);
    EXPECT_TRUE(a.has_value());
    ASSERT_FALSE(b.has_value());
    EXPECT_EQ(b.error().message.value, 2);
    sr ok;
    b = std::move(ok);
    EXPECT_TRUE(b.has_value());
  }
}

}  // namespace
