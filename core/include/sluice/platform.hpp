// sluice/platform.hpp — the one seam between the channels and the machine.
//
// Contract
// --------
// Every concurrent type in sluice is a template on a platform `P`. A platform bundles
// everything that touches concurrency or time, so the same channel code runs on real threads
// (`std_platform`), under the model checker (models/include/sluice/model/platform.hpp) and
// under the sleep-injection platform (stress/jitter_platform.hpp). docs/DESIGN.md section 2:
//
//   P::atomic<T>          atomics; every operation takes an explicit order (the model's
//                         atomic has no default order, so an implicit one fails to compile)
//   P::cell<T>            plain (non-atomic) shared memory, reached only through
//                         with(f) (f gets `const T*`) and with_mut(f) (f gets `T*`)
//   P::parker             a one-token park/unpark primitive with timeouts (see below)
//   P::clock              a steady clock: duration, time_point, now()
//   P::fence(order)       a standalone fence
//   P::spin_hint()        called once per iteration of a busy-wait loop
//   P::yield_now()        gives the processor away (a scheduling point under the model)
//   P::test_delay()       marks a race window; no-op on std, sleep/yield under jitter,
//                         a forced scheduling point under the model
//   P::allocate(n, a)     allocation of shared state; P::deallocate(p, n, a) frees it
//   P::stop_callback<F>   std::stop_callback<F> on std; the model's version runs the
//                         callback without preemption inside it (libstdc++'s stop_callback
//                         destructor blocks the OS thread while a callback runs elsewhere,
//                         which would hang a checker whose threads share one OS thread)
//
// Optional members are listed once, in `platform_traits<P>` at the end of this file, with the
// default a platform gets when it has none (spin_budget, random_index, mutant).
//
// Platforms compose as decorators: a variant derives from the platform it changes and
// re-declares only what it changes (stress/jitter_platform.hpp wraps any base's atomics and
// parker; tsan_tests/tsan_platform.hpp replaces a base's fence), so variants stack.
//
// Parker semantics (one token, like Rust's thread::park):
//   unpark()            makes the token available; if the owner is parked, wakes it.
//   park()              returns true once it has consumed the token; it may also return
//                       false spuriously (the model platform does so as a choice).
//   park_until(tp)      like park(), but returns false at the latest once `tp` has passed.
//   A parker is owned by one waiting thread; any thread may unpark it. The unparking
//   thread's unpark() happens-before the owner's park() that consumes the token.
//   unpark() is the last access an unparking thread makes to the parker: the owner may
//   destroy it as soon as it has consumed the token.
//
// Named orderings: every memory order used in core/ is a `named_order` constant declared
// once at the top of its file. It converts to std::memory_order (so std::atomic accepts it)
// and carries a name, so the model checker can rewrite it by name (the ordering study).
// Building with SLUICE_ALL_SEQ_CST=1 turns every named order into seq_cst, to measure what
// the relaxations buy. Building with SLUICE_ORDER_OVERRIDES="file" replaces single named
// orders at compile time: the file holds lines `SLUICE_ORDER("site.name", relaxed)` and the
// order is substituted when the constant is declared (docs/DESIGN.md, conventions: orderings;
// the ordering study compiles its checker-weakest configuration this way). SLUICE_ALL_SEQ_CST
// wins over an override.
#pragma once

#include <atomic>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>

#ifndef SLUICE_ALL_SEQ_CST
#define SLUICE_ALL_SEQ_CST 0
#endif

namespace sluice {

namespace detail {
struct order_override {
  const char* name;
  std::memory_order order;
};
// The compile-time overrides (SLUICE_ORDER_OVERRIDES), ended by a null name.
// ORDERING: no atomic operation here — a table of orders that named_order's consteval
// constructor substitutes by site name; each site's pairing is at its own declaration.
inline constexpr order_override order_overrides[] = {
#ifdef SLUICE_ORDER_OVERRIDES
#define SLUICE_ORDER(site, mo) {site, std::memory_order::mo},  // ORDERING: a table entry, not an operation
#include SLUICE_ORDER_OVERRIDES
#undef SLUICE_ORDER
#endif
    {nullptr, std::memory_order::relaxed}};  // ORDERING: the end marker, not an operation

constexpr bool same_name(const char* a, const char* b) noexcept {
  while (*a != '\0' && *a == *b) ++a, ++b;
  return *a == *b;
}

consteval std::memory_order overridden(const char* name, std::memory_order mo) noexcept {
  for (const auto& o : order_overrides)
    if (o.name != nullptr && same_name(o.name, name)) return o.order;
  return mo;
}
}  // namespace detail

// A memory order with a name, declared once per core file. The constructor is consteval: a
// named order is a compile-time constant, so an override never costs a run-time lookup.
struct named_order {
  const char* name;
  std::memory_order order;

  consteval named_order(const char* n, std::memory_order mo) noexcept
      : name(n), order(detail::overridden(n, mo)) {}

  constexpr std::memory_order value() const noexcept {
    // ORDERING: not an operation — the SLUICE_ALL_SEQ_CST build turns every named order seq_cst.
    return SLUICE_ALL_SEQ_CST ? std::memory_order::seq_cst : order;
  }
  constexpr operator std::memory_order() const noexcept { return value(); }
};

template <class Clock>
concept steady_clock_like = requires {
  typename Clock::duration;
  typename Clock::time_point;
  { Clock::now() } -> std::same_as<typename Clock::time_point>;
};

template <class A, class T>
concept platform_atomic = requires(A& a, T v, T& expected, std::memory_order mo) {
  { a.load(mo) } -> std::same_as<T>;
  a.store(v, mo);
  { a.exchange(v, mo) } -> std::same_as<T>;
  { a.compare_exchange_weak(expected, v, mo, mo) } -> std::same_as<bool>;
  { a.compare_exchange_strong(expected, v, mo, mo) } -> std::same_as<bool>;
};

template <class Parker, class Clock>
concept platform_parker = requires(Parker& p, typename Clock::time_point tp) {
  { p.park() } -> std::same_as<bool>;
  { p.park_until(tp) } -> std::same_as<bool>;
  { p.unpark() } -> std::same_as<void>;
};

template <class P>
concept platform =
    steady_clock_like<typename P::clock> &&
    platform_atomic<typename P::template atomic<std::uint64_t>, std::uint64_t> &&
    platform_atomic<typename P::template atomic<std::uintptr_t>, std::uintptr_t> &&
    platform_atomic<typename P::template atomic<std::uint32_t>, std::uint32_t> &&
    platform_atomic<typename P::template atomic<bool>, bool> &&
    platform_atomic<typename P::template atomic<void*>, void*> &&
    platform_parker<typename P::parker, typename P::clock> &&
    requires(std::memory_order mo, named_order no, void* p, std::size_t n,
             typename P::template cell<int>& c) {
      { P::fence(mo) } -> std::same_as<void>;
      { P::fence(no) } -> std::same_as<void>;
      { P::spin_hint() } -> std::same_as<void>;
      { P::yield_now() } -> std::same_as<void>;
      { P::test_delay() } -> std::same_as<void>;
      { P::allocate(n, n) } -> std::same_as<void*>;
      { P::deallocate(p, n, n) } -> std::same_as<void>;
      typename P::template stop_callback<void (*)()>;
      c.with([](const int*) {});
      c.with_mut([](int*) {});
    };

// The optional members of a platform, each with the default used when a platform has none.
// Core asks these (never `requires { P::... }` at a use site), so this is the whole list.
template <class P>
struct platform_traits {
  // `static constexpr int spin_budget`: how many times a channel retries an operation with
  // backoff before registering to wait; the model sets it low to keep the state space small.
  static constexpr int default_spin_budget = 6;
  static constexpr int spin_budget = [] {
    if constexpr (requires { { P::spin_budget } -> std::convertible_to<int>; })
      return static_cast<int>(P::spin_budget);
    else
      return default_spin_budget;
  }();

  // `static std::size_t random_index(std::size_t n)`: a value in [0, n) for a fair select's
  // order; the model makes it a recorded, replayable choice. Without it:
  // detail/select_random.hpp's per-thread generator.
  static constexpr bool has_random_index =
      requires(std::size_t n) { { P::random_index(n) } -> std::convertible_to<std::size_t>; };

  // `static bool mutant(const char* name)`: true when the named fix is to be left out
  // (structural mutants, relacy_tests/mutants/structural_mutants.txt; the model platform reads
  // SLUICE_MC_MUTANT). Without it: a constant false.
  static constexpr bool has_mutant =
      requires(const char* name) { { P::mutant(name) } -> std::same_as<bool>; };
};

namespace detail {
template <class P>
bool mutant(const char* name) noexcept {
  if constexpr (platform_traits<P>::has_mutant)
    return P::mutant(name);
  else
    return (void)name, false;
}

template <class P>
constexpr int spin_budget() noexcept {
  return platform_traits<P>::spin_budget;
}
}  // namespace detail

}  // namespace sluice
