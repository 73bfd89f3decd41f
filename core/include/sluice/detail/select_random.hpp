// sluice/detail/select_random.hpp — the random choices of a fair select.
//
// Contract: random_index<P>(n) returns a value in [0, n): the platform's own random_index when
// it has one (platform_traits<P>::has_random_index; a model checker makes it a recorded,
// replayable choice), otherwise a per-thread xorshift generator. Fairness needs no
// cryptographic quality, only that no case is favoured.
// case_order<P, N, Fair>() and shuffle_order<P>() give a uniformly random permutation (Fisher–Yates,
// N-1 calls of random_index): a fair select tries its cases, and registers them, in that order, so the
// first ready case it meets is uniform among the ready ones (Go's select draws its poll
// order the same way; a random start rotated instead favours a ready case that follows a
// never-ready one).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "sluice/platform.hpp"

namespace sluice::detail {

inline std::size_t thread_random(std::size_t n) noexcept {
  // SAFETY: thread-local state, never shared.
  static thread_local std::uint64_t state = 0;
  if (state == 0) state = reinterpret_cast<std::uintptr_t>(&state) | 1;
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  // The high 32 bits scaled to [0, n) by a multiply and a shift (Lemire, "Fast random integer
  // generation in an interval", 2019), not `%`: a division per draw was 7-14% of a contended
  // four-case select's samples. Bias n/2^32, far below what fairness can see; n < 2^32.
  return static_cast<std::size_t>(((state >> 32) * static_cast<std::uint64_t>(n)) >> 32);
}

template <class P>
std::size_t random_index(std::size_t n) noexcept {
  if constexpr (platform_traits<P>::has_random_index)
    return P::random_index(n);
  else
    return thread_random(n);
}

// A uniformly random permutation of `order`'s values (Fisher–Yates: size-1 draws).
template <class P>
void shuffle_order(std::size_t* order, std::size_t n) noexcept {
  for (std::size_t i = n; i > 1; --i) std::swap(order[i - 1], order[random_index<P>(i)]);
}

// The order in which a select tries and registers its N cases: random when Fair, else as written.
template <class P, std::size_t N, bool Fair>
std::array<std::size_t, N> case_order() noexcept {
  std::array<std::size_t, N> order{};
  for (std::size_t i = 0; i < N; ++i) order[i] = i;
  if constexpr (Fair) shuffle_order<P>(order.data(), N);
  return order;
}

}  // namespace sluice::detail
