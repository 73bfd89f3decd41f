// sluice/platform.hpp — the one seam between the channels and the machine.
//
// Contract. Every concurrent type is a template on a platform `P` bundling everything that
// touches concurrency or time, so the same channel code runs on real threads (`std_platform`),
// under the model checker (models/include/sluice/model/platform.hpp) and under sleep
// injection (stress/jitter_platform.hpp). docs/DESIGN.md section 2:
//   P::atomic<T>          atomics; every operation takes an explicit order (the model's has
//                         no default, so an implicit one fails to compile)
//   P::cell<T>            plain shared memory, reached only through with(f) (`const T*`) and
//                         with_mut(f) (`T*`)
//   P::parker             one-token park/unpark with timeouts (below)
//   P::clock              a steady clock: duration, time_point, now()
//   P::fence(order), P::spin_hint() (once per busy-wait iteration), P::yield_now(),
//   P::test_delay()       marks a race window (no-op on std; a scheduling point in the model)
//   P::allocate(n, a) / P::deallocate(p, n, a)   shared state
//   P::stop_callback<F>   std::stop_callback<F> on std; the model's runs the callback without
//                         preemption (libstdc++'s destructor blocks the OS thread while a
//                         callback runs elsewhere, which would hang the checker's one thread)
// Optional members are listed once, in `platform_traits<P>` below, with their defaults.
// Platforms compose as decorators: a variant derives from the platform it changes and
// re-declares only that (stress/jitter_platform.hpp, tsan_tests/tsan_platform.hpp).
//
// Parker (one token, like Rust's thread::park): unpark() makes the token available and wakes a
// parked owner; park() returns true once it consumed the token, or false spuriously (a model
// choice); park_until(tp) returns false at the latest once `tp` has passed. One owning thread
// parks; any thread may unpark; unpark() happens-before the park() that consumes its token and
// is the unparker's last access (the owner may then destroy the parker).
//
// Named orderings: every memory order in core/ is a `named_order` declared once at the top of
// its file: it converts to std::memory_order and carries a name the checker rewrites by
// (the ordering study). SLUICE_ALL_SEQ_CST=1 makes every one seq_cst; SLUICE_ORDER_OVERRIDES=
// "file" (lines `SLUICE_ORDER("site.name", relaxed)`) replaces single ones at compile time, when
// the constant is declared (docs/DESIGN.md section 2). SLUICE_ALL_SEQ_CST wins.
#pragma once

#include <atomic>
#include <concepts>
#include <coroutine>
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

// A memory order with a name; consteval, so an override never costs a run-time lookup.
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

namespace detail {
// platform_traits<P>::site: P::source_location, else a position that records nothing.
struct no_site {
  static constexpr no_site current() noexcept { return {}; }
};
template <class P>
struct site_of {
  using type = no_site;
};
template <class P>
  requires requires { typename P::source_location; }
struct site_of<P> {
  using type = typename P::source_location;
};
}  // namespace detail

// The optional members, each with its default; core asks only these (the whole list).
template <class P>
struct platform_traits {
  // `static constexpr int spin_budget`: backoff retries before registering to wait (the model
  // sets it low to keep the state space small).
  static constexpr int default_spin_budget = 6;
  static constexpr int spin_budget = [] {
    if constexpr (requires { { P::spin_budget } -> std::convertible_to<int>; })
      return static_cast<int>(P::spin_budget);
    else
      return default_spin_budget;
  }();

  // `static std::size_t random_index(std::size_t n)`: a value in [0, n) for a fair select (a
  // recorded choice in the model); without it, select_random.hpp's per-thread generator.
  static constexpr bool has_random_index =
      requires(std::size_t n) { { P::random_index(n) } -> std::convertible_to<std::size_t>; };

  // `using lock = L`: a lock for core's short critical sections, with `lock(named_order)` and
  // `unlock(named_order)` (the orderings a spin lock would use); the model checker supplies one
  // it knows as a single object. Without it, detail::spin_lock (guarded.hpp).
  static constexpr bool has_lock = requires { typename P::lock; };

  // `using source_location = L`: a type with `static L current()` (std::source_location's
  // interface) that core passes on where a platform call cannot take its own defaulted position
  // (detail::await_load gives its caller's). Without it, an empty stand-in.
  using site = typename detail::site_of<P>::type;

  // `static T await_load(A& atomic, order, Pred pred, site where)`: loads `atomic` (a
  // P::atomic<T>) until a value satisfies `pred` and returns it, for side-effect-free
  // spin-waits (detail/await.hpp); the model checker supplies one that reads only satisfying
  // values and blocks the thread while there is none (GenMC's spin-assume). Without it, the
  // loop with backoff.
  // ORDERING: none — the load below is unevaluated (a requires-expression only checks the call).
  static constexpr bool has_await =
      requires(typename P::template atomic<std::uint32_t>& a, bool (*pred)(std::uint32_t), site where) {
        { P::await_load(a, std::memory_order::relaxed, pred, where) } -> std::same_as<std::uint32_t>;
      };

  // `static void* allocate_frame(std::size_t)` and `static void deallocate_frame(void*,
  // std::size_t)`: storage for core's coroutine frames (default new-alignment), e.g. recycled
  // per thread; without them, P::allocate and P::deallocate.
  static constexpr bool has_frame_allocator = requires(void* p, std::size_t n) {
    { P::allocate_frame(n) } -> std::same_as<void*>;
    { P::deallocate_frame(p, n) } -> std::same_as<void>;
  };

  // `static void resume_inline(std::coroutine_handle<> h)`: resumes a woken coroutine that has no
  // scheduler now, or after the resumption already running on the calling thread returns; the
  // model checker keeps that state per model thread. Without it, detail::trampoline_resume's
  // thread_local state.
  static constexpr bool has_resume_inline = requires(std::coroutine_handle<> h) { P::resume_inline(h); };

  // `static bool mutant(const char* name)`: true when the named fix is left out (structural
  // mutants, relacy_tests/mutants/structural_mutants.txt); without it, false.
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

}  // namespace detail
}  // namespace sluice
