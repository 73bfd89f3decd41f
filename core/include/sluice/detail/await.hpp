// sluice/detail/await.hpp — await_load: a spin-wait on one atomic, said to be one.
//
// Contract. await_load<P>(a, order, pred) loads `a` with `order` until a loaded value satisfies
// `pred`, and returns that value. The caller promises the wait is side-effect free: between
// the loads nothing but the reload happens, and `pred` only inspects the value (no stores, no
// other atomic), so a value that fails `pred` leads nowhere but to the next load. Only the
// load that returned is the caller's: its ORDERING comment names what that load pairs with.
//   * A platform without an await (the std platform, the jitter and TSan decorators) runs the
//     loop itself, reloading after each backoff<P>::snooze() step.
//   * A platform with one (platform_traits<P>::has_await: the model checker's) is handed the
//     whole wait: it treats it as one load that reads only values satisfying `pred` and, while
//     none can be read, blocks the thread until the atomic is written (GenMC's spin-assume:
//     models/README.md, "Await loads"). Why that loses no behaviour: a load that fails `pred`
//     changes nothing; dropping it only drops the happens-before and coherence constraints it
//     would have added, so every execution of the one-load wait is an execution of the loop
//     (the one whose first load succeeded), and every outcome of a loop that spun is an outcome
//     of that execution.
// A loop that reloads two atomics is not such a wait; where core awaits the first and then
// loads the second, the call site argues why that is the loop's last iteration.
#pragma once

#include <concepts>
#include <cstdint>

#include "sluice/detail/backoff.hpp"
#include "sluice/platform.hpp"

namespace sluice::detail {

// `where` defaults to the caller's position (platform_traits<P>::site), which the model
// checker's traces and its "spin that never ends" report name.
template <class P, class A, class O, class Pred>
auto await_load(A& a, O order, Pred pred,
                typename platform_traits<P>::site where = platform_traits<P>::site::current()) noexcept {
  if constexpr (platform_traits<P>::has_await) {
    // ORDERING: the caller's `order`, as the loop below would load with it.
    return P::await_load(a, order, pred, where);
  } else {
    (void)where;
    backoff<P> b;
    for (;;) {
      // ORDERING: the caller's `order`; only the load whose value satisfies `pred` counts.
      const auto v = a.load(order);
      if (pred(v)) return v;
      b.snooze();
    }
  }
}

// The same wait inside a retry loop that owns a backoff `b`: off the model it snoozes `b` first
// and keeps escalating it, as the loop's own "snooze, reload" did (a waiter that reloads at once
// contends with the store it waits for: bench/commit_ab.sh unbounded_mpmc, 1.2x slower).
template <class P, class A, class O, class Pred>
auto await_load_after(backoff<P>& b, A& a, O order, Pred pred,
                      typename platform_traits<P>::site where = platform_traits<P>::site::current()) noexcept {
  if constexpr (platform_traits<P>::has_await) {
    (void)b;
    // ORDERING: the caller's `order`, as the loop below would load with it.
    return P::await_load(a, order, pred, where);
  } else {
    (void)where;
    for (;;) {
      b.snooze();
      // ORDERING: the caller's `order`; only the load whose value satisfies `pred` counts.
      const auto v = a.load(order);
      if (pred(v)) return v;
    }
  }
}

}  // namespace sluice::detail
