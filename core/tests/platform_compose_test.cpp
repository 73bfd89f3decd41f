// Platform traits and decorators (platform.hpp): optional members are read through
// platform_traits, and the test platforms stack as decorators over any base — the jitter
// platform over the TSan-fence platform here, which the hand-written copies could not do.
#include <gtest/gtest.h>

#include <atomic>
#include <cstddef>
#include <thread>
#include <type_traits>

#include "../../stress/jitter_platform.hpp"
#include "../../tsan_tests/tsan_platform.hpp"
#include "sluice/channel.hpp"
#include "sluice/detail/backoff.hpp"
#include "sluice/detail/select_random.hpp"

namespace {

// A decorator with every optional member, to see that core reads them.
struct tuned_platform : sluice::std_platform {
  static constexpr int spin_budget = 2;
  static std::size_t random_index(std::size_t n) noexcept { return n - 1; }
  static bool mutant(const char* name) noexcept { return name[0] == 'x'; }
};

// A decorator that counts standalone fences, to see which fence a stacked platform calls.
inline std::atomic<int> fences_seen{0};
template <class Base>
struct counting_fences : Base {
  static void fence(std::memory_order mo) noexcept {
    // ORDERING: relaxed — a test counter; the base fence below is the fence.
    fences_seen.fetch_add(1, std::memory_order_relaxed);
    Base::fence(mo);
  }
};

}  // namespace

TEST(PlatformTraits, OptionalMembersAreReadWhenPresentAndDefaultedWhenAbsent) {
  using sluice::platform_traits;
  static_assert(platform_traits<tuned_platform>::spin_budget == 2);
  static_assert(platform_traits<sluice::std_platform>::spin_budget ==
                platform_traits<sluice::std_platform>::default_spin_budget);
  static_assert(sluice::detail::backoff<tuned_platform>::spin_limit == 2);
  static_assert(platform_traits<tuned_platform>::has_random_index);
  static_assert(!platform_traits<sluice::std_platform>::has_random_index);
  static_assert(platform_traits<tuned_platform>::has_mutant);
  static_assert(!platform_traits<sluice::std_platform>::has_mutant);
  EXPECT_EQ(sluice::detail::random_index<tuned_platform>(5), 4u);
  EXPECT_LT(sluice::detail::random_index<sluice::std_platform>(5), 5u);
  EXPECT_TRUE(sluice::detail::mutant<tuned_platform>("x_fix"));
  EXPECT_FALSE(sluice::detail::mutant<tuned_platform>("a_fix"));
  EXPECT_FALSE(sluice::detail::mutant<sluice::std_platform>("x_fix"));
}

TEST(PlatformDecorators, JitterWrapsTheBasePlatformsAtomicsAndFence) {
  using sluice::stress::jittered;
  using stacked = jittered<counting_fences<sluice::tsan::tsan_platform>>;
  static_assert(sluice::platform<stacked>);
  static_assert(sluice::platform<jittered<sluice::tsan::tsan_platform>>);
  static_assert(std::is_base_of_v<sluice::tsan::tsan_platform, stacked>);
  static_assert(std::is_same_v<stacked::atomic<int>,
                               sluice::stress::jitter_atomic<std::atomic<int>>>);
  const int before = fences_seen.load(std::memory_order_relaxed);
  stacked::fence(std::memory_order_seq_cst);
  stacked::fence(std::memory_order_acquire);
  EXPECT_EQ(fences_seen.load(std::memory_order_relaxed) - before, 2);
}

TEST(PlatformDecorators, ChannelRunsOnStackedPlatform) {
  using stacked = sluice::stress::jittered<sluice::tsan::tsan_platform>;
  auto [tx, rx] = sluice::basic_bounded<int, stacked>(1);
  constexpr int n = 2000;
  std::thread producer([tx = std::move(tx)]() mutable {
    for (int i = 0; i < n; ++i) ASSERT_TRUE(static_cast<bool>(tx.send(i)));
  });
  for (int i = 0; i < n; ++i) {
    auto v = rx.recv();
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(*v, i);
  }
  producer.join();
  EXPECT_FALSE(rx.recv().has_value());  // the sender is gone: disconnected, nothing lost
}
