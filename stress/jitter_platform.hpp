// stress/jitter_platform.hpp — the sleep-injection ("jitter") platform.
//
// Contract: `jittered<Base>` satisfies sluice::platform whenever Base does (platform.hpp gives
// the meaning of each member). It is a decorator: Base with random delays injected where races
// live, in the spirit of the oneshot
// crate's `cfg(oneshot_test_delay)` and folly's DeterministicSchedule::uniform(seed):
//
//   * before every atomic operation (load, store, exchange, CAS, fetch_*), and before a
//     standalone fence, park and unpark: with probability 1/atomic_yield_one_in a yield, with
//     probability 1/atomic_sleep_one_in a sleep of up to max_sleep_us microseconds;
//   * at P::test_delay() (the race windows the core marks): with probability
//     1/window_yield_one_in a yield, 1/window_sleep_one_in a sleep.
//
// Everything else is Base's, inherited: Base's atomics underneath (so the memory orders the
// core writes are the ones the hardware sees), its clock, cells, stop_callback and allocation.
// `jitter_platform` is jittered<std_platform>; decorators stack, e.g. jittered<tsan_platform>
// (core/tests/platform_compose_test.cpp).
//
// Randomness: a per-thread xorshift generator, seeded from SLUICE_JITTER_SEED (default: the
// time at start-up, printed by the stress driver) mixed with a per-thread counter, so a run's
// seed is reported. Thread timing makes runs irreproducible anyway; the seed only varies the
// injection pattern between runs.
//
// Intensity: SLUICE_JITTER=0 turns every injection off (the "without jitter" valgrind run uses
// it); SLUICE_JITTER=1 (default) uses the probabilities below; SLUICE_JITTER=2 doubles them.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <thread>
#include <type_traits>
#include <utility>

#include "sluice/platform.hpp"
#include "sluice/std_platform.hpp"

namespace sluice::stress {

// Named limits of the injection (probabilities are "one in N").
inline constexpr std::uint32_t atomic_yield_one_in = 16;
inline constexpr std::uint32_t atomic_sleep_one_in = 256;
inline constexpr std::uint32_t window_yield_one_in = 3;
inline constexpr std::uint32_t window_sleep_one_in = 8;
inline constexpr std::uint32_t max_sleep_us = 50;

namespace detail {

struct jitter_config {
  int intensity = 1;
  std::uint64_t seed = 0;
};

inline jitter_config& config() noexcept {
  static jitter_config c = [] {
    jitter_config r;
    if (const char* e = std::getenv("SLUICE_JITTER")) r.intensity = std::atoi(e);
    if (const char* e = std::getenv("SLUICE_JITTER_SEED"))
      r.seed = std::strtoull(e, nullptr, 10);
    else
      r.seed = static_cast<std::uint64_t>(
          std::chrono::steady_clock::now().time_since_epoch().count());
    return r;
  }();
  return c;
}

inline std::atomic<std::uint64_t> thread_counter{0};

// xorshift64*: small, fast, good enough to pick delays.
inline std::uint32_t next_random() noexcept {
  static thread_local std::uint64_t state = [] {
    std::uint64_t s = config().seed ^
                      (0x9E3779B97F4A7C15ull *
                       (thread_counter.fetch_add(1, std::memory_order_relaxed) + 1));
    return s ? s : 0x2545F4914F6CDD1Dull;
  }();
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return static_cast<std::uint32_t>((state * 0x2545F4914F6CDD1Dull) >> 32);
}

inline void maybe_delay(std::uint32_t yield_one_in, std::uint32_t sleep_one_in) noexcept {
  const int intensity = config().intensity;
  if (intensity <= 0) return;
  const std::uint32_t scale = intensity >= 2 ? 2 : 1;
  const std::uint32_t r = next_random();
  if (r % sleep_one_in < scale) {
    std::this_thread::sleep_for(std::chrono::microseconds((r >> 16) % (max_sleep_us + 1)));
  } else if ((r >> 8) % yield_one_in < scale) {
    std::this_thread::yield();
  }
}

inline void before_atomic() noexcept { maybe_delay(atomic_yield_one_in, atomic_sleep_one_in); }

}  // namespace detail

// Base's atomic A with a random delay before each operation. Only the explicit-order forms
// exist (as on the model platform): core/ writes every order out.
template <class A>
class jitter_atomic {
  using T = decltype(std::declval<const A&>().load(std::memory_order_relaxed));

 public:
  constexpr jitter_atomic() noexcept(std::is_nothrow_default_constructible_v<A>) = default;
  constexpr jitter_atomic(T v) noexcept : a_(v) {}
  jitter_atomic(const jitter_atomic&) = delete;
  jitter_atomic& operator=(const jitter_atomic&) = delete;

  T load(std::memory_order mo) const noexcept {
    detail::before_atomic();
    return a_.load(mo);
  }
  void store(T v, std::memory_order mo) noexcept {
    detail::before_atomic();
    a_.store(v, mo);
  }
  T exchange(T v, std::memory_order mo) noexcept {
    detail::before_atomic();
    return a_.exchange(v, mo);
  }
  bool compare_exchange_weak(T& expected, T desired, std::memory_order success,
                             std::memory_order failure) noexcept {
    detail::before_atomic();
    return a_.compare_exchange_weak(expected, desired, success, failure);
  }
  bool compare_exchange_strong(T& expected, T desired, std::memory_order success,
                               std::memory_order failure) noexcept {
    detail::before_atomic();
    return a_.compare_exchange_strong(expected, desired, success, failure);
  }

  // The fetch_* forms the base atomic has, each with a delay first.
  template <class D>
  T fetch_add(D d, std::memory_order mo) noexcept
    requires requires(A& a) { a.fetch_add(d, mo); }
  {
    detail::before_atomic();
    return a_.fetch_add(d, mo);
  }
  template <class D>
  T fetch_sub(D d, std::memory_order mo) noexcept
    requires requires(A& a) { a.fetch_sub(d, mo); }
  {
    detail::before_atomic();
    return a_.fetch_sub(d, mo);
  }
  template <class V>
  T fetch_and(V v, std::memory_order mo) noexcept
    requires requires(A& a) { a.fetch_and(v, mo); }
  {
    detail::before_atomic();
    return a_.fetch_and(v, mo);
  }
  template <class V>
  T fetch_or(V v, std::memory_order mo) noexcept
    requires requires(A& a) { a.fetch_or(v, mo); }
  {
    detail::before_atomic();
    return a_.fetch_or(v, mo);
  }
  template <class V>
  T fetch_xor(V v, std::memory_order mo) noexcept
    requires requires(A& a) { a.fetch_xor(v, mo); }
  {
    detail::before_atomic();
    return a_.fetch_xor(v, mo);
  }

 private:
  A a_;
};

// Base's parker, with a delay before each call (the unpark/park race is a classic window).
template <class Parker>
class jitter_parker {
 public:
  jitter_parker() noexcept = default;
  jitter_parker(const jitter_parker&) = delete;
  jitter_parker& operator=(const jitter_parker&) = delete;

  bool park() noexcept {
    detail::before_atomic();
    return inner_.park();
  }
  template <class TimePoint>
  bool park_until(TimePoint deadline) noexcept {
    detail::before_atomic();
    return inner_.park_until(deadline);
  }
  void unpark() noexcept {
    detail::before_atomic();
    inner_.unpark();
  }

 private:
  Parker inner_;
};

// The decorator: re-declares the atomics, the parker, fence and test_delay; inherits the rest.
template <class Base>
struct jittered : Base {
  template <class T>
  using atomic = jitter_atomic<typename Base::template atomic<T>>;
  using parker = jitter_parker<typename Base::parker>;

  static void fence(std::memory_order mo) noexcept {
    detail::before_atomic();
    Base::fence(mo);
  }
  static void test_delay() noexcept {
    detail::maybe_delay(window_yield_one_in, window_sleep_one_in);
  }
};

using jitter_platform = jittered<std_platform>;
static_assert(platform<jitter_platform>);

}  // namespace sluice::stress
