// sluice/model/platform.hpp — sluice::model::platform, the model-checked platform.
//
// Contract: satisfies sluice::platform (static_assert below). Thin shims: every operation
// converts its value to a 64-bit pattern and forwards (value, order, source position) to the
// runtime (models/rt/), which decides what it reads, whether it blocks and when threads switch.
// No operation has a default memory order. Each ordering parameter has two overloads:
// std::memory_order, and sluice::named_order (an exact match, so the runtime sees core's
// name and can apply an ordering override by name).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stop_token>
#include <type_traits>
#include <utility>

#include "sluice/model/coverage.hpp"
#include "sluice/model/runtime.hpp"
#include "sluice/platform.hpp"

namespace sluice::model {

namespace detail {
inline rt::order_ref ref(std::memory_order o, rt::order_use) noexcept { return {o, nullptr}; }
inline rt::order_ref ref(named_order o, rt::order_use use) noexcept {
  rt::note_order(o.name, use);  // SLUICE_MC_COVERAGE (the ordering study)
  return {o.value(), o.name};
}

template <class T>
inline constexpr bool atomic_value = std::is_integral_v<T> || std::is_pointer_v<T>;

template <class T>
std::uint64_t to_bits(T v) noexcept {
  if constexpr (std::is_pointer_v<T>)
    return reinterpret_cast<std::uintptr_t>(v);
  else if constexpr (std::is_same_v<T, bool>)
    return v ? 1 : 0;
  else
    return static_cast<std::uint64_t>(static_cast<std::make_unsigned_t<T>>(v));
}
template <class T>
T from_bits(std::uint64_t b) noexcept {
  if constexpr (std::is_pointer_v<T>)
    return reinterpret_cast<T>(static_cast<std::uintptr_t>(b));
  else if constexpr (std::is_same_v<T, bool>)
    return b != 0;
  else
    return static_cast<T>(static_cast<std::make_unsigned_t<T>>(b));
}
}  // namespace detail

template <class T>
class model_atomic {
  static_assert(detail::atomic_value<T>, "model atomics hold integers, bool or pointers");
  using loc_t = source_location;

 public:
  model_atomic() : model_atomic(T{}) {}  // value-initialized, as std::atomic in C++20
  model_atomic(T v, loc_t loc = loc_t::current()) {  // NOLINT: implicit, as std::atomic's
    slot_.shadow = detail::to_bits(v);
    if (rt::active()) rt::atomic_init(slot_, this, slot_.shadow, sizeof(T), loc);
  }
  model_atomic(const model_atomic&) = delete;
  model_atomic& operator=(const model_atomic&) = delete;
  ~model_atomic() {
    if (rt::active()) rt::atomic_destroy(slot_);
  }

  template <class O>
  T load(O mo, loc_t loc = loc_t::current()) const {
    if (!rt::active()) return detail::from_bits<T>(slot_.shadow);
    return detail::from_bits<T>(rt::atomic_load(slot_, this, detail::ref(mo, rt::order_use::load), loc));
  }
  // platform::await_load (core's detail::await_load): the first value satisfying `pred`, as one
  // load that reads only such values; the thread blocks while none can be read (rt/memory_model.cpp).
  template <class O, class Pred>
  T await_value(O mo, const Pred& pred, const loc_t& loc) const {
    if (!rt::active()) {
      const T v = detail::from_bits<T>(slot_.shadow);
      if (!pred(v)) rt::usage_fail("await_load outside a check on a value that fails its predicate (it would spin forever)", loc);
      return v;
    }
    const rt::await_test test = [](const void* ctx, std::uint64_t bits) {
      return static_cast<bool>((*static_cast<const Pred*>(ctx))(detail::from_bits<T>(bits)));
    };
    return detail::from_bits<T>(
        rt::atomic_await(slot_, this, detail::ref(mo, rt::order_use::load), test, &pred, loc));
  }
  template <class O>
  void store(T v, O mo, loc_t loc = loc_t::current()) {
    if (!rt::active()) {
      slot_.shadow = detail::to_bits(v);
      return;
    }
    rt::atomic_store(slot_, this, detail::to_bits(v), detail::ref(mo, rt::order_use::store), loc);
  }
  template <class O>
  T exchange(T v, O mo, loc_t loc = loc_t::current()) {
    return rmw(rt::rmw_op::exchange, detail::to_bits(v), detail::ref(mo, rt::order_use::rmw), loc);
  }
  template <class O1, class O2>
  bool compare_exchange_weak(T& expected, T desired, O1 success, O2 failure, loc_t loc = loc_t::current()) {
    return cas(expected, desired, true, detail::ref(success, rt::order_use::cas_success),
               detail::ref(failure, rt::order_use::cas_failure), loc);
  }
  template <class O1, class O2>
  bool compare_exchange_strong(T& expected, T desired, O1 success, O2 failure,
                               loc_t loc = loc_t::current()) {
    return cas(expected, desired, false, detail::ref(success, rt::order_use::cas_success),
               detail::ref(failure, rt::order_use::cas_failure), loc);
  }
  template <class O>
  T fetch_add(T v, O mo, loc_t loc = loc_t::current()) requires(std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    return rmw(rt::rmw_op::add, detail::to_bits(v), detail::ref(mo, rt::order_use::rmw), loc);
  }
  template <class O>
  T fetch_sub(T v, O mo, loc_t loc = loc_t::current()) requires(std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    return rmw(rt::rmw_op::sub, detail::to_bits(v), detail::ref(mo, rt::order_use::rmw), loc);
  }
  template <class O>
  T fetch_or(T v, O mo, loc_t loc = loc_t::current()) requires(std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    return rmw(rt::rmw_op::bit_or, detail::to_bits(v), detail::ref(mo, rt::order_use::rmw), loc);
  }
  template <class O>
  T fetch_and(T v, O mo, loc_t loc = loc_t::current()) requires(std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    return rmw(rt::rmw_op::bit_and, detail::to_bits(v), detail::ref(mo, rt::order_use::rmw), loc);
  }

 private:
  T rmw(rt::rmw_op op, std::uint64_t operand, rt::order_ref o, const loc_t& loc) {
    if (!rt::active()) {
      T old = detail::from_bits<T>(slot_.shadow);
      T v = detail::from_bits<T>(operand);
      T next = v;
      if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
        if (op == rt::rmw_op::add) next = static_cast<T>(old + v);
        if (op == rt::rmw_op::sub) next = static_cast<T>(old - v);
        if (op == rt::rmw_op::bit_or) next = static_cast<T>(old | v);
        if (op == rt::rmw_op::bit_and) next = static_cast<T>(old & v);
      }
      slot_.shadow = detail::to_bits(next);
      return old;
    }
    return detail::from_bits<T>(rt::atomic_rmw(slot_, this, op, operand & mask(), o, loc));
  }
  bool cas(T& expected, T desired, bool weak, rt::order_ref s, rt::order_ref f, const loc_t& loc) {
    std::uint64_t e = detail::to_bits(expected);
    bool ok;
    if (!rt::active()) {
      ok = slot_.shadow == e;
      if (ok) slot_.shadow = detail::to_bits(desired);
      else e = slot_.shadow;
    } else {
      ok = rt::atomic_cas(slot_, this, e, detail::to_bits(desired), weak, s, f, loc);
    }
    expected = detail::from_bits<T>(e);
    return ok;
  }
  static constexpr std::uint64_t mask() noexcept {
    return sizeof(T) >= 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * sizeof(T))) - 1;
  }

  mutable rt::atomic_slot slot_;
};

template <class T>
class model_cell {
  using loc_t = source_location;

 public:
  template <class... Args>
  explicit model_cell(Args&&... args) : value_(std::forward<Args>(args)...) {
    if (rt::active()) rt::cell_init(meta_, &value_, loc_t::current());
  }
  model_cell(const model_cell&) = delete;
  model_cell& operator=(const model_cell&) = delete;
  ~model_cell() {
    if (rt::active()) rt::cell_destroy(meta_, &value_, loc_t::current());
  }

  template <class F>
  decltype(auto) with(F&& f, loc_t loc = loc_t::current()) const {
    if (rt::active()) rt::cell_access(meta_, &value_, false, loc);
    return std::forward<F>(f)(static_cast<const T*>(&value_));
  }
  template <class F>
  decltype(auto) with_mut(F&& f, loc_t loc = loc_t::current()) {
    if (rt::active()) rt::cell_access(meta_, &value_, true, loc);
    return std::forward<F>(f)(&value_);
  }

 private:
  T value_;
  mutable rt::cell_meta meta_;
};

// The virtual steady clock: time moves only when a timed wait times out.
struct model_clock {
  using rep = std::int64_t;
  using period = std::nano;
  using duration = std::chrono::duration<rep, period>;
  using time_point = std::chrono::time_point<model_clock>;
  static constexpr bool is_steady = true;
  static time_point now() noexcept { return time_point(duration(rt::now_ns())); }
};

class model_parker {
  using loc_t = source_location;

 public:
  model_parker() { rt::parker_init(slot_); }
  model_parker(const model_parker&) = delete;
  model_parker& operator=(const model_parker&) = delete;

  bool park(loc_t loc = loc_t::current()) { return rt::park(slot_, false, 0, loc); }
  bool park_until(model_clock::time_point tp, loc_t loc = loc_t::current()) {
    return rt::park(slot_, true, tp.time_since_epoch().count(), loc);
  }
  void unpark(loc_t loc = loc_t::current()) { rt::unpark(slot_, loc); }

 private:
  rt::parker_slot slot_;
};

// The lock core's short critical sections use (platform_traits<P>::has_lock): one object to the
// checker, which blocks a waiter instead of exploring its spinning (models/rt/locks.cpp).
class model_lock {
  using loc_t = source_location;

 public:
  model_lock() { rt::parker_init(slot_); }
  model_lock(const model_lock&) = delete;
  model_lock& operator=(const model_lock&) = delete;

  template <class O>
  void lock(O mo, loc_t loc = loc_t::current()) {
    if (rt::active()) rt::lock_acquire(slot_, detail::ref(mo, rt::order_use::rmw), loc);
  }
  template <class O>
  void unlock(O mo, loc_t loc = loc_t::current()) {
    if (rt::active()) rt::lock_release(slot_, detail::ref(mo, rt::order_use::store), loc);
  }

 private:
  rt::parker_slot slot_;
};

// std::stop_callback whose callback runs without preemption: libstdc++'s destructor would
// otherwise see the callback "running" on the same OS thread and skip waiting for it.
template <class F>
struct no_preempt_invoker {
  F f;
  template <class G>
    requires std::is_constructible_v<F, G>
  no_preempt_invoker(G&& g) : f(std::forward<G>(g)) {}  // NOLINT: converting, like F itself
  void operator()() {
    rt::no_preempt_begin();
    f();
    rt::no_preempt_end();
  }
};

struct platform {
  template <class T>
  using atomic = model_atomic<T>;
  template <class T>
  using cell = model_cell<T>;
  using clock = model_clock;
  using parker = model_parker;
  using lock = model_lock;
  // The position core's detail::await_load passes on (its caller's), for traces and reports.
  using source_location = model::source_location;
  template <class F>
  using stop_callback = std::stop_callback<no_preempt_invoker<F>>;

  static constexpr int spin_budget = 1;
  // Structural mutants (core's detail::mutant): the names listed in SLUICE_MC_MUTANT.
  static bool mutant(const char* name) noexcept { return rt::mutant_enabled(name); }

  static void fence(std::memory_order mo, source_location loc = source_location::current()) {
    if (rt::active()) rt::fence(detail::ref(mo, rt::order_use::fence), loc);
  }
  static void fence(named_order mo, source_location loc = source_location::current()) {
    if (rt::active()) rt::fence(detail::ref(mo, rt::order_use::fence), loc);
  }
  // A side-effect-free spin-wait on one atomic (platform_traits<P>::has_await; core's
  // detail/await.hpp): one load that reads only values satisfying `pred`; while the thread can
  // read none it blocks until the atomic is written (models/README.md, "Await loads").
  template <class T, class O, class Pred>
  static T await_load(const model_atomic<T>& a, O mo, Pred pred, source_location loc) {
    return a.await_value(mo, pred, loc);
  }
  static void spin_hint(source_location loc = source_location::current()) {
    if (rt::active()) rt::yield(loc);
  }
  static void yield_now(source_location loc = source_location::current()) {
    if (rt::active()) rt::yield(loc);
  }
  // Inline resumption of a woken coroutine (core's trampoline, async_op.hpp), per model thread.
  static void resume_inline(std::coroutine_handle<> h) { rt::resume_inline(h); }
  static void test_delay(source_location loc = source_location::current()) {
    if (rt::active()) rt::test_delay(loc);
  }
  static void* allocate(std::size_t bytes, std::size_t align, source_location loc = source_location::current()) {
    return rt::allocate(bytes, align, loc);
  }
  static void deallocate(void* p, std::size_t bytes, std::size_t align,
                         source_location loc = source_location::current()) {
    rt::deallocate(p, bytes, align, loc);
  }
  // A fair select's order (core/include/sluice/detail/select_random.hpp): a recorded checker
  // choice, so every order is explored and a failing one replays.
  static std::size_t random_index(std::size_t n, source_location loc = source_location::current()) noexcept {
    return rt::random_index(n, loc);
  }
};

static_assert(sluice::platform<platform>);
// Core hands its side-effect-free waits to the checker (detail/await.hpp): if this detection
// failed they would silently run as loops again.
static_assert(sluice::platform_traits<platform>::has_await);

}  // namespace sluice::model
