// tsan_tests/tsan_platform.hpp — a platform decorator that makes standalone fences visible to
// ThreadSanitizer; tsan_platform is it over the std platform.
//
// Why: ThreadSanitizer does not model std::atomic_thread_fence (GCC 12 even refuses it under
// -fsanitize=thread with -Werror=tsan; clang accepts it and ignores it), so a fence-based
// synchronization (core's [A6] array.decide_fence and [B8] list.decide_fence) would either not
// compile or be reported as a race that is not there.
//
// How: fence(order) becomes a read-modify-write with the same order on one global atomic
// word, which TSan does understand. Every fence is then an acq_rel RMW on that word, so any
// two fences are ordered by it and the later one synchronizes with the earlier one: this is
// STRONGER than a fence (a real seq_cst fence only orders through the single total order S;
// it creates no synchronizes-with on its own). So the substitution cannot produce a false
// report, but it can hide a race whose only protection is a fence that is too weak. That
// part is the model tier's job: the checker models fences precisely (relacy_tests, and the
// mutants that weaken array.decide_fence / list.decide_fence).
//
// Everything else is the base platform's (std_platform's for tsan_platform). The decorator
// stacks with others, e.g. stress/jitter_platform.hpp's jittered<tsan_platform>.
#pragma once

#include <atomic>
#include <cstdint>

#include "sluice/platform.hpp"
#include "sluice/std_platform.hpp"

namespace sluice::tsan {

inline std::atomic<std::uintptr_t> fence_word{0};

template <class Base>
struct tsan_fenced : Base {
  static void fence(std::memory_order mo) noexcept {
    if (mo == std::memory_order_relaxed) return;
    // ORDERING: the fence's own order, as an RMW (see the header for why this is stronger).
    fence_word.fetch_add(0, mo);
  }
};

using tsan_platform = tsan_fenced<std_platform>;
static_assert(platform<tsan_platform>);

}  // namespace sluice::tsan
