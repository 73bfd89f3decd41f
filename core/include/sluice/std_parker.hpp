// sluice/std_parker.hpp — the std platform's parker: a one-token futex, a few yields first.
//
// Contract (platform.hpp): unpark() makes the token available and wakes the owner if it sleeps;
// park()/park_until() consume it. Never spurious: park() returns true only with the token,
// park_until() false only after the deadline.
//
// State word (the futex word): EMPTY 0 (no token, owner awake), PARKED 1 (owner in FUTEX_WAIT
// or about to be), NOTIFIED 2 (token available). The owner goes EMPTY->PARKED (exchange [K2]),
// PARKED->EMPTY on timeout (CAS [K4]), NOTIFIED->EMPTY consuming the token ([K1], [K3]); the
// unparker any->NOTIFIED (exchange [U1]), with FUTEX_WAKE only when it replaced PARKED.
//
// Waiting: an adaptive pause spin, then YieldRounds sched_yield rounds
// (std_platform::parker_yield_rounds, 8), then the futex. The yields catch a partner that
// answers within microseconds without a futex wake of a sleeper (23-34 us on these VMs), but a
// sched_yield is a system call (about 1 us here), so a partner on the other CPU that answers in
// 100-200 ns is noticed only that late. The spin catches it: a thread keeps a spin limit
// (`spin_limit_`, thread_local, in pause iterations, starting at MaxSpin / 4); a wait whose
// token arrived during the spin doubles it (up to MaxSpin, 1,024: about 18 us here), a wait that
// outlived it halves it (down to MinSpin, 64: about 1.2 us, the price of one sched_yield, so a
// failed spin costs at most about what the yield it precedes costs). Where the partner runs on
// its own CPU the spin succeeds and stays; where the spinner holds the CPU its partner needs
// (more threads than CPUs), it fails and shrinks to MinSpin. A fixed spin was
// measured harmful there: an A/B on this project's loaded 2-vCPU VM (commit c66cf69's
// bench/parker_ab.sh) made a rendezvous ping-pong ~25x slower with a 20 us spin and ~3.5x with
// 2 us. The rule is glibc's adaptive mutex (PTHREAD_MUTEX_ADAPTIVE_NP: spin up to a per-mutex
// estimate of the spins that sufficed) with Go's reason for not spinning (runtime.canSpin: no
// spinning when the spinner's CPU is needed), here learned from failures rather than asked of
// the scheduler. bench/parker_ab.sh compares the variants in one run.
//
// Lifetime: after [U1] the owner may consume the token and destroy the parker before the
// unparker's FUTEX_WAKE runs; a wake on a stale address is harmless (at worst a spurious wake of
// another futex waiter there, and every futex wait in sluice re-checks its word).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#endif

namespace sluice::detail {
template <int YieldRounds, std::uint32_t MinSpin = 64, std::uint32_t MaxSpin = 1024>
class futex_parker {
 public:
  futex_parker() noexcept = default;
  futex_parker(const futex_parker&) = delete;
  futex_parker& operator=(const futex_parker&) = delete;

  bool park() noexcept {
    return park_impl(static_cast<const std::chrono::steady_clock::time_point*>(nullptr));
  }

  template <class Clock, class Duration>
  bool park_until(std::chrono::time_point<Clock, Duration> deadline) noexcept {
    return park_impl(&deadline);
  }

  void unpark() noexcept {
    // [U1] ORDERING: release — everything the unparker did before unpark() happens-before the
    // owner's acquire in [K1]/[K2]/[K3] that consumes the token.
    if (word_.exchange(notified, std::memory_order_release) == parked) wake_one();
  }

 private:
  static constexpr std::uint32_t empty = 0, parked = 1, notified = 2;

  bool try_consume() noexcept {
    // [K1] ORDERING: acquire — pairs with [U1]; relaxed on the reset, which only the owner
    // writes while the word is NOTIFIED.
    if (word_.load(std::memory_order_acquire) != notified) return false;
    // ORDERING: relaxed — the owner is the only writer of a NOTIFIED word; [K1] already synced.
    word_.store(empty, std::memory_order_relaxed);
    return true;
  }

  // Spins until the token arrives or the thread's spin limit runs out, and adapts the limit.
  bool spin_for_token() noexcept {
    const std::uint32_t limit = spin_limit_;
    for (std::uint32_t i = 0; i < limit; ++i) {
      spin_pause();
      // ORDERING: relaxed — a peek; try_consume's [K1] acquire is what synchronizes.
      if (word_.load(std::memory_order_relaxed) == notified && try_consume()) {
        spin_limit_ = limit * 2 < MaxSpin ? limit * 2 : MaxSpin;
        return true;
      }
    }
    spin_limit_ = limit / 2 > MinSpin ? limit / 2 : MinSpin;
    return false;
  }
  static void spin_pause() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
  }

  template <class TimePoint>
  bool park_impl(const TimePoint* deadline) noexcept {
    if (try_consume()) return true;
    if (MaxSpin > 0 && spin_for_token()) return true;
    for (int i = 0; i < YieldRounds; ++i) {
      if (try_consume()) return true;
      std::this_thread::yield();
    }
    // [K2] ORDERING: acquire — pairs with [U1] when the token was already there.
    if (word_.exchange(parked, std::memory_order_acquire) == notified) {
      // ORDERING: relaxed — owner-only reset of a consumed token.
      word_.store(empty, std::memory_order_relaxed);
      return true;
    }
    for (;;) {
      if (deadline) {
        auto now = TimePoint::clock::now();
        if (now >= *deadline) {
          std::uint32_t expected = parked;
          // [K4] acquire on failure: the word became NOTIFIED ([U1]); on success too (g++
          // -Winvalid-memory-model under TSan rejects a stronger failure order; free on x86).
          constexpr auto k4 = std::memory_order_acquire;  // ORDERING: [K4], see above.
          // ORDERING: [K4].
          if (word_.compare_exchange_strong(expected, empty, k4, k4))
            return false;
          // ORDERING: relaxed — owner-only reset of a consumed token.
          word_.store(empty, std::memory_order_relaxed);
          return true;
        }
        wait_on_word(std::chrono::duration_cast<std::chrono::nanoseconds>(*deadline - now));
      } else {
        wait_on_word(std::chrono::nanoseconds::max());
      }
      if (try_consume()) return true;  // [K3]: [K1]'s load and reset
    }
  }

  void wait_on_word(std::chrono::nanoseconds timeout) noexcept {
#if defined(__linux__)
    timespec ts{};
    timespec* tsp = nullptr;
    if (timeout != std::chrono::nanoseconds::max()) {
      ts.tv_sec = static_cast<time_t>(timeout.count() / 1'000'000'000);
      ts.tv_nsec = static_cast<long>(timeout.count() % 1'000'000'000);
      tsp = &ts;
    }
    syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word_), FUTEX_WAIT_PRIVATE, parked, tsp,
            nullptr, 0);
#else
    (void)timeout;
    std::this_thread::yield();
#endif
  }

  void wake_one() noexcept {
#if defined(__linux__)
    syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word_), FUTEX_WAKE_PRIVATE, 1, nullptr,
            nullptr, 0);
#endif
  }

  std::atomic<std::uint32_t> word_{empty};
  // SAFETY: thread_local: only the owning thread parks on its parkers.
  static inline thread_local std::uint32_t spin_limit_ = MaxSpin / 4 > MinSpin ? MaxSpin / 4 : MinSpin;
};
}  // namespace sluice::detail
