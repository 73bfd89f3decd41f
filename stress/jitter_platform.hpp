// stress/jitter_platform.hpp — the sleep-injection ("jitter") platform.
//
// Contract: satisfies sluice::platform (platform.hpp gives the meaning of each member). It is
// std_platform with random delays injected where races live, in the spirit of the oneshot
// crate's `cfg(oneshot_test_delay)` and folly's DeterministicSchedule::uniform(seed):
//
//   * before every atomic operation (load, store, exchange, CAS, fetch_*), and before a
//     standalone fence, park and unpark: with probability 1/atomic_yield_one_in a yield, with
//     probability 1/atomic_sleep_one_in a sleep of up to max_sleep_us microseconds;
//   * at P::test_delay() (the race windows the core marks): with probability
//     1/window_yield_one_in a yield, 1/window_sleep_one_in a sleep.
//
// Everything else is the std platform's: std::atomic underneath (so the memory orders the
// core writes are the ones the hardware sees), the futex parker, steady_clock,
// std::stop_callback, operator new.
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
#include <stop_token>
#include <thread>
#include <type_traits>

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

// std::atomic<T> with a random delay before each operation. Only the explicit-order forms
// exist (as on the model platform): core/ writes every order out.
template <class T>
class jitter_atomic {
 public:
  constexpr jitter_atomic() noexcept(std::is_nothrow_default_constructible_v<T>) = default;
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
  bool compare_exchange_weak(T& expected, T desired, std::memory_order mo) noexcept {
    detail::before_atomic();
    return a_.compare_exchange_weak(expected, desired, mo);
  }
  bool compare_exchange_strong(T& expected, T desired, std::memory_order mo) noexcept {
    detail::before_atomic();
    return a_.compare_exchange_strong(expected, desired, mo);
  }

  template <class D>
  T fetch_add(D d, std::memory_order mo) noexcept
    requires requires(std::atomic<T>& a) { a.fetch_add(d, mo); }
  {
    detail::before_atomic();
    return a_.fetch_add(d, mo);
  }
  template <class D>
  T fetch_sub(D d, std::memory_order mo) noexcept
    requires requires(std::atomic<T>& a) { a.fetch_sub(d, mo); }
  {
    detail::before_atomic();
    return a_.fetch_sub(d, mo);
  }
  T fetch_and(T v, std::memory_order mo) noexcept
    requires std::is_integral_v<T>
  {
    detail::before_atomic();
    return a_.fetch_and(v, mo);
  }
  T fetch_or(T v, std::memory_order mo) noexcept
    requires std::is_integral_v<T>
  {
    detail::before_atomic();
    return a_.fetch_or(v, mo);
  }
  T fetch_xor(T v, std::memory_order mo) noexcept
    requires std::is_integral_v<T>
  {
    detail::before_atomic();
    return a_.fetch_xor(v, mo);
  }

  static constexpr bool is_always_lock_free = std::atomic<T>::is_always_lock_free;

 private:
  std::atomic<T> a_;
};

// The std parker, with a delay before each call (the unpark/park race is a classic window).
class jitter_parker {
 public:
  jitter_parker() noexcept = default;
  jitter_parker(const jitter_parker&) = delete;
  jitter_parker& operator=(const jitter_parker&) = delete;

  bool park() noexcept {
    detail::before_atomic();
    return inner_.park();
  }
  template <class Clock, class Duration>
  bool park_until(std::chrono::time_point<Clock, Duration> deadline) noexcept {
    detail::before_atomic();
    return inner_.park_until(deadline);
  }
  void unpark() noexcept {
    detail::before_atomic();
    inner_.unpark();
  }

 private:
  std_platform::parker inner_;
};

struct jitter_platform {
  template <class T>
  using atomic = jitter_atomic<T>;
  template <class T>
  using cell = std_platform::cell<T>;
  using clock = std_platform::clock;
  template <class F>
  using stop_callback = std_platform::stop_callback<F>;
  using parker = jitter_parker;

  static void fence(std::memory_order mo) noexcept {
    detail::before_atomic();
    std_platform::fence(mo);
  }
  static void spin_hint() noexcept { std_platform::spin_hint(); }
  static void yield_now() noexcept { std_platform::yield_now(); }
  static void test_delay() noexcept {
    detail::maybe_delay(window_yield_one_in, window_sleep_one_in);
  }
  static void* allocate(std::size_t bytes, std::size_t align) {
    return std_platform::allocate(bytes, align);
  }
  static void deallocate(void* p, std::size_t bytes, std::size_t align) noexcept {
    std_platform::deallocate(p, bytes, align);
  }
};

static_assert(platform<jitter_platform>);

}  // namespace sluice::stress
