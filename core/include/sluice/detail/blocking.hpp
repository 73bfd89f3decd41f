// sluice/detail/blocking.hpp — the thread engine: one thread waiting on N wait ports
// (wait_port.hpp). A plain blocking operation is N = 1 (block_one); select is N = its cases.
//
// Contract. block_on(table, n, order, entries, limits) runs, until an operation completes or
// the limits end the wait:
//   1. try   every port once in `order`; a lone operation (limits.lone) instead retries its
//            port with backoff, unless others already wait on that side: then a newcomer
//            queues behind them (FIFO) without trying, since trying would barge ahead of
//            parked waiters and starve them, and spinning would burn a CPU their partners need;
//   2. give up if the stop token fired or the deadline passed;
//   3. enroll ONE waiter in every port (one wait_entry each), re-check every port (the
//            re-check after [L1] is what makes the lock-free "nobody waits" fast path safe,
//            waiter.hpp), and claim the waiter itself when one is ready (aborted) or, with a
//            default case, when none is (timed_out: the default's instant, select.hpp [D1]);
//   4. park  until a peer claims the waiter, the deadline passes, the stop token fires;
//   5. withdraw every entry but the claimed one, and let the claimed port settle: a claim
//            that completed the operation (a hand-off through the port's packet) ends the
//            wait; any other claim means "retry" (back to 1), and the retry tries the claimed
//            port first (try_pass, wait_port.hpp: a select must not spend that wake-up on
//            another case).
// With one port, an operation claim or a disconnect claim means the claimer already dequeued
// the entry (a disconnect dequeues every waiter of its list), so nothing is withdrawn. A lone
// operation on a port whose try and registration are one step (fused_wait_port: the rendezvous
// flavor, oneshot, broadcast, watermark) runs that step, parks, withdraws and settles.
// The limits' stop token and deadline apply to every form; the table maps a case index to its
// port (`at(i, fn)` calls fn(port)) and tries a case (`try_now(i)`: a select tries without
// making its ports). limits.wake, when set, is an earlier instant at which a port becomes
// ready by itself (a timer channel's next delivery, select.hpp): the park ends there, and the
// loop retries without giving up.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stop_token>
#include <utility>

#include "sluice/detail/backoff.hpp"
#include "sluice/detail/status.hpp"
#include "sluice/detail/wait_port.hpp"
#include "sluice/detail/waiter.hpp"

namespace sluice::detail {

// Claims the waiter as cancelled and wakes it; runs on the thread that requests the stop.
template <class P>
struct cancel_waiter {
  waiter<P>* w;
  void operator()() const noexcept {
    if (w->try_select(sel_cancelled)) w->notify();
  }
};

// Parks on `w` until it is claimed; a stop request claims it as cancelled. Out of line, as is
// wait_once: the waiting code must not take the inlining budget of the tries that precede it.
template <class P>
[[gnu::noinline]] std::uintptr_t wait_for_claim(waiter<P>& w, const typename P::clock::time_point* deadline,
                              const std::stop_token* stop) {
  if (stop && stop->stop_possible()) {
    typename P::template stop_callback<cancel_waiter<P>> cb(*stop, cancel_waiter<P>{&w});
    return w.wait_until(deadline);
  }
  return w.wait_until(deadline);
}

// After a wait on n ports that ended with claim `sel`: withdraws every entry but the one the
// claim names (its address; with one port, any operation claim: the other kinds claim with
// sel_first_operation), which the claimer dequeued, as a disconnect dequeues a lone port's;
// returns the named one (both engines: wait_once, async_port_wait.hpp).
template <class P, class Table>
std::optional<std::size_t> withdraw_unclaimed(Table& t, std::size_t n, wait_entry<P>* entries, std::uintptr_t sel) {
  std::optional<std::size_t> claimed;
  for (std::size_t i = 0; i < n; ++i) {
    if (sel == entries[i].operation() || (n == 1 && sel >= sel_first_operation))
      claimed = i;
    else if (n > 1 || sel != sel_disconnected)
      t.at(i, [&](auto& port) { port.withdraw(entries[i]); });
  }
  return claimed;
}

// How a wait may end without an operation, and how it tries.
template <class P>
struct wait_limits {
  const typename P::clock::time_point* deadline = nullptr;
  const std::stop_token* stop = nullptr;
  bool has_default = false;  // select's default case: give up when no case is ready
  bool lone = false;         // a plain operation: backoff tries, FIFO behind earlier waiters
  const typename P::clock::time_point* wake = nullptr;  // a timer port's instant: park no later

  // Where the park ends by itself: the earlier of the deadline and the wake-up instant.
  const typename P::clock::time_point* park_until() const noexcept {
    if (!wake) return deadline;
    return deadline && *deadline < *wake ? deadline : wake;
  }

  std::optional<status> give_up() const {
    if (stop && stop->stop_requested()) return status::cancelled;
    if (deadline && P::clock::now() >= *deadline) return status::timed_out;
    return std::nullopt;
  }
};

// The end of a wait: the port whose operation completed and its result, or no port (`none`)
// with timed_out (the deadline, or a default case) or cancelled.
struct wait_end {
  static constexpr std::size_t none = static_cast<std::size_t>(-1);
  std::size_t index;
  status st;
};

// Steps 2-5 of block_on, once: kept out of line, so that the tries (step 1), which most
// operations end in, inline into the caller without the registration and parking code.
// nullopt: retry, with `woken` the port whose claim woke this wait without completing it.
template <class P, class Table>
[[gnu::noinline]] std::optional<wait_end> wait_once(Table& t, std::size_t n, const std::size_t* order,
                                                    wait_entry<P>* entries, const wait_limits<P>& limits,
                                                    std::optional<std::size_t>& woken) {
  if (std::optional<status> g = limits.give_up()) return wait_end{wait_end::none, *g};

  waiter<P> w;
  // In `order`: a rendezvous partner takes the oldest registration, so registering in the
  // order written would always give it the first of two cases on one channel.
  bool ready = enroll_all<P>(t, n, order, entries, w);
  P::test_delay();  // race window: a partner arrives between the tries and the registrations
  if (!ready) ready = any_ready(t, n, order);
  if (ready)
    w.try_select_self(sel_aborted);
  else if (limits.has_default)
    w.try_select_self(sel_timed_out);  // no case ready now (select.hpp [D1]); fails if claimed
  const std::uintptr_t sel = wait_for_claim<P>(w, limits.park_until(), limits.stop);

  const std::optional<std::size_t> claimed = withdraw_unclaimed<P>(t, n, entries, sel);
  if (limits.has_default && sel == sel_timed_out) return wait_end{wait_end::none, status::timed_out};
  if (n == 1 || claimed) {
    const std::size_t i = claimed.value_or(0);
    if (std::optional<status> r = t.at(i, [&](auto& port) { return port.settle(sel); })) return wait_end{i, *r};
  }
  if (sel == sel_cancelled) return wait_end{wait_end::none, status::cancelled};
  woken = claimed;
  return std::nullopt;
}

// What a lone operation's inline first step (block_one) already did before block_on.
enum class first_step { none, saw_waiters, tried };

template <class P, class Table>
wait_end block_on(Table& t, std::size_t n, const std::size_t* order, wait_entry<P>* entries,
                  const wait_limits<P>& limits, first_step done = first_step::none) {
  bool first_round = true;
  std::optional<std::size_t> woken;
  for (;;) {
    if (limits.lone && done != first_step::saw_waiters) {
      const std::optional<status> r = t.at(0, [&](auto& port) -> std::optional<status> {
        const bool tried = std::exchange(done, first_step::none) == first_step::tried;
        if (!std::remove_reference_t<decltype(port)>::spins) return tried ? std::nullopt : port.try_now();
        backoff<P> b;
        // A newcomer queues behind earlier waiters; a woken waiter (second round) always tries.
        if (!tried) {
          if (first_round && port.others_wait()) return std::nullopt;
          if (std::optional<status> s = port.try_now()) return s;
        }
        for (;;) {
          if (b.is_completed()) return std::nullopt;
          b.snooze();
          if (std::optional<status> s = port.try_now()) return s;
        }
      });
      if (r) return {0, *r};
    } else if (!limits.lone) {
      // Under the structural mutant swallowed_wakeup the fix is left out (structural_mutants.txt).
      if (mutant<P>("swallowed_wakeup")) woken.reset();
      if (std::optional<pass_result> r = try_pass(order, n, woken, [&](std::size_t i) { return t.try_now(i); }))
        return {r->index, r->st};
    }
    done = first_step::none;
    first_round = false;
    woken.reset();
    if (std::optional<wait_end> end = wait_once<P>(t, n, order, entries, limits, woken)) return *end;
  }
}

// One port as a table.
template <class Port>
struct one_port_table {
  using port_type = Port;
  Port& port;
  std::optional<status> try_now(std::size_t) { return port.try_now(); }
  template <class Fn>
  decltype(auto) at(std::size_t, Fn&& fn) {
    return fn(port);
  }
};

// A lone operation on one port from where its first step stopped (`done`): block_on as a table
// of one. Reached out of line: through block_one_remade (block_one's rest), or block_one_rest
// (sources.hpp's receive, whose limits carry a timer's wake-up instant).
template <class P, class Port>
status one_port_wait(Port& port, const wait_limits<P>& limits, first_step done) {
  one_port_table<Port> table{port};
  const std::size_t order = 0;
  wait_entry<P> entry;
  return block_on<P>(table, 1, &order, &entry, limits, done).st;
}
template <class P, class Port>
[[gnu::noinline]] status block_one_rest(Port& port, const wait_limits<P>& limits, first_step done) {
  return one_port_wait<P>(port, limits, done);
}
// What block_one does after its inline first step: makes the port again (the first step's was
// never stored, see block_one) and the limits, then waits.
template <class P, class Make>
[[gnu::noinline]] status block_one_remade(Make make, const typename P::clock::time_point* deadline,
                                          const std::stop_token* stop, first_step done) {
  auto port = make();
  return one_port_wait<P>(port, wait_limits<P>{deadline, stop, false, true}, done);
}

// A plain blocking operation on one port: the one `make()` returns (a small callable, passed by
// value: a lambda capturing references). The port is made where it is used, so that an
// operation that need not wait never stores it: its first step reads the port's references in
// registers, and only the out-of-line rest, which needs the port in memory, makes it again. A
// port's constructor must therefore do nothing the model checker sees (no cell, no atomic: a
// packet is made at enroll, wait_port.hpp) unless the port is fused (made once here).
template <class P, class Make>
status block_one(Make make, const typename P::clock::time_point* deadline, const std::stop_token* stop) {
  using port_type = decltype(make());
  if constexpr (fused_wait_port<port_type, P>) {
    auto port = make();
    const wait_limits<P> limits{deadline, stop, false, true};
    for (;;) {
      waiter<P> w;
      wait_entry<P> e;
      e.w = &w;
      if (std::optional<status> r = port.try_or_enroll(e, [&] { return limits.give_up(); })) return *r;
      const std::uintptr_t sel = wait_for_claim<P>(w, deadline, stop);
      if (sel < sel_first_operation && sel != sel_disconnected) port.withdraw(e);
      if (std::optional<status> r = port.settle(sel)) return *r;
      if (sel == sel_cancelled) return status::cancelled;
    }
  } else {
    // The first step inline, as block_on would take it: an operation that need not wait pays
    // for no more; the rest (backoff, registration, parking) is out of line.
    first_step done = first_step::tried;
    {
      auto port = make();
      if (port_type::spins && port.others_wait())
        done = first_step::saw_waiters;
      else if (std::optional<status> r = port.try_now())
        return *r;
    }
    return block_one_remade<P>(make, deadline, stop, done);
  }
}

}  // namespace sluice::detail
