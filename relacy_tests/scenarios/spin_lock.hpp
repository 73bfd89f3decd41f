// relacy_tests/scenarios/spin_lock.hpp — core's spin lock (detail/guarded.hpp) on its own.
//
// Under the model platform every owner in core takes the checker's own lock (short_lock<P> is
// model::platform::lock, models/rt/locks.cpp), so the channel scenarios no longer run
// spin_lock<P>'s exchange/peek/backoff. These scenarios check that algorithm directly, with the
// model's atomics: each thread increments a plain counter (a P::cell, so an access outside the
// lock, or one the lock does not order, is a data race) and a second cell in the same critical
// section, and every thread must see the two equal (mutual exclusion). Two and three threads.
// Tier wiring: add_spin_lock_scenarios<P>(table), group lock, light (model.lock at bound 2).
#pragma once

#include <sluice/detail/guarded.hpp>

#include "support/common.hpp"
#include "support/table.hpp"

namespace sluice::verif {

template <class P, int Threads>
void spin_lock_excludes_and_orders(const config&) {
  detail::spin_lock<P> lock;
  typename P::template cell<int> a(0);
  typename P::template cell<int> b(0);
  auto body = [&] {
    detail::lock_guard<detail::spin_lock<P>> g(lock);
    int seen_a = 0, seen_b = 0;
    // SAFETY: under `lock` (the property checked).
    a.with_mut([&](int* v) { seen_a = (*v)++; });
    // SAFETY: under `lock`.
    b.with_mut([&](int* v) { seen_b = (*v)++; });
    SLUICE_VERIFY(seen_a == seen_b);
  };
  if constexpr (Threads == 3) {
    auto t1 = harness<P>::spawn(body);
    auto t2 = harness<P>::spawn(body);
    body();
    t1.join();
    t2.join();
  } else {
    auto t1 = harness<P>::spawn(body);
    body();
    t1.join();
  }
  // SAFETY: every thread joined.
  a.with([&](const int* v) { SLUICE_VERIFY(*v == Threads); });
}

template <class P, class Table>
void add_spin_lock_scenarios(Table& out) {
  out.push_back({"spin_lock_two_threads_exclude_and_order", &spin_lock_excludes_and_orders<P, 2>, "lock", "",
                 weight::light});
  out.push_back({"spin_lock_three_threads_exclude_and_order", &spin_lock_excludes_and_orders<P, 3>, "lock", "",
                 weight::light});
}

}  // namespace sluice::verif
