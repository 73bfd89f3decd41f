// sluice/detail/select_random.hpp — the random start of a fair select.
//
// Contract: random_index<P>(n) returns a value in [0, n). A platform may supply its own
// `static std::size_t random_index(std::size_t n)` (the model checker does, so that a replay
// reproduces the same choices); otherwise a per-thread xorshift generator is used. Fairness
// needs no cryptographic quality, only that no case is favoured forever (Go and crossbeam
// pick the start the same way).
#pragma once

#include <cstddef>
#include <cstdint>

namespace sluice::detail {

inline std::size_t thread_random(std::size_t n) noexcept {
  // SAFETY: thread-local state, never shared.
  static thread_local std::uint64_t state = 0;
  if (state == 0) state = reinterpret_cast<std::uintptr_t>(&state) | 1;
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return static_cast<std::size_t>(state % n);
}

template <class P>
std::size_t random_index(std::size_t n) noexcept {
  if constexpr (requires { P::random_index(n); })
    return P::random_index(n);
  else
    return thread_random(n);
}

}  // namespace sluice::detail
