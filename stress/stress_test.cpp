// stress/stress_test.cpp — every scenario on real threads, repeated for a time budget.
// Built twice (stress/CMakeLists.txt): on the jitter platform (random sleeps and yields
// before atomic operations and in the core's race windows, P::test_delay()) and, with
// SLUICE_STRESS_STD_PLATFORM, on the plain std platform; both builds run under valgrind
// memcheck and under ASan+UBSan too.
#include "support/real_runner.hpp"

#ifdef SLUICE_STRESS_STD_PLATFORM
#include "sluice/std_platform.hpp"
using stress_platform = sluice::std_platform;
inline constexpr const char* tier_name = "stress(std)";
#else
#include "jitter_platform.hpp"
using stress_platform = sluice::stress::jitter_platform;
inline constexpr const char* tier_name = "stress(jitter)";
#endif

int main(int argc, char** argv) {
  sluice::verif::config cfg;
  cfg.per_producer = 32;
  cfg.buffered = 8;
#ifndef SLUICE_STRESS_STD_PLATFORM
  std::printf("jitter: intensity %d, seed %llu (SLUICE_JITTER, SLUICE_JITTER_SEED)\n",
              sluice::stress::detail::config().intensity,
              static_cast<unsigned long long>(sluice::stress::detail::config().seed));
#endif
  return sluice::verif::run_real_tier<stress_platform>(argc, argv, tier_name, cfg);
}
