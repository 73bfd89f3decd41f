// relacy_tests/scenarios/async_select.hpp — co_await sluice::async_select and async deadlines
// (the caller's timer) on model threads and real threads, with async.hpp's coro_task/mailbox.
//
// What the scenarios prove (issue 6, "Async select ... cancel-safe: exactly one case completes,
// the others leave their channels as they were" and "Timeouts for async operations take a timer
// from the caller's side"):
//  - an async_select over two receive cases, against one sender per channel: exactly one case
//    fires, with the message of its channel; the other message stays in (or, rendezvous, is
//    still offered on) its channel and a later receive gets it: each message exactly once;
//  - destroying a coroutine suspended in async_select (on its executor) fires no case, takes no
//    message, and passes on a wake-up it was given (else a blocking receiver sleeps: a deadlock
//    under the model);
//  - a send case of a destroyed select: its message is delivered exactly once or destroyed
//    exactly once with the frame — never both, never neither;
//  - async_recv_for against a racing send and the timer's task run by another thread: the
//    coroutine ends with the message or with timed_out, and in the second case the message is
//    still in the channel (or was never taken, rendezvous): exactly once; the timer's task may
//    run after the operation finished (nothing happens) and the waiter is never touched after
//    the operation is gone (else a use after free under the model).
//
// Tier wiring: add_async_select_scenarios<P>(table) appends "coro_select_<what>@<flavor>" and
// "coro_deadline_<what>@<flavor>", tagged group async_select, heavy (support/table.hpp).
#pragma once

#include <chrono>
#include <coroutine>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>

#include <sluice/async_select.hpp>
#include <sluice/detail/await.hpp>

#include "support/common.hpp"
#include "support/table.hpp"
#include "delivery.hpp"

// clang 14 cannot emit coroutines compiled with -fsanitize=address and debug info (see
// stress/CMakeLists.txt): the clang ASan stress build leaves these scenarios out; the g++
// ASan build and every other tier run them (the same guard as kinds_async.hpp).
#if defined(__clang__) && __clang_major__ < 15 && defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SLUICE_VERIF_NO_COROUTINE_SCENARIOS 1
#endif
#endif

#ifndef SLUICE_VERIF_NO_COROUTINE_SCENARIOS
#include "async.hpp"
#endif

namespace sluice::verif {

#ifndef SLUICE_VERIF_NO_COROUTINE_SCENARIOS

// A timer for the model: schedule_at() posts the deadline task into a one-slot mailbox; a
// scenario thread runs it ("the deadline passed") whenever the schedule lets it.
template <class P>
class slot_timer {
 public:
  void schedule(std::coroutine_handle<> h) noexcept { h.resume(); }
  void schedule_at(typename P::clock::time_point, std::coroutine_handle<> h) noexcept { box_.schedule(h); }
  // Runs the posted task, if one was posted; returns whether it ran.
  bool fire() {
    const std::coroutine_handle<> h = box_.take();
    if (h) h.resume();
    return static_cast<bool>(h);
  }

 private:
  mailbox<P> box_;
};

// Waits in async_select over two receive cases; `fired` = the case index, `got` = the id.
template <class P>
coro_task<P> coro_select_two(mailbox<P>* /*ex*/, basic_receiver<msg, P> ra, basic_receiver<msg, P> rb,
                             ledger& led, int& fired, int& got,
                             typename P::template atomic<bool>* finished = nullptr) {
  const std::size_t i = co_await sluice::async_select(
      on_recv(ra,
              [&](recv_result<msg> r) {
                SLUICE_VERIFY(r.has_value());
                take<P>(led, *r);
                got = r->id();
              }),
      on_recv(rb, [&](recv_result<msg> r) {
        SLUICE_VERIFY(r.has_value());
        take<P>(led, *r);
        got = r->id();
      }));
  fired = static_cast<int>(i);
  // ORDERING: release — pairs with the waiting thread's acquire: fired/got are published.
  if (finished) finished->store(true, std::memory_order_release);
}

// Two threads send m0 on A and m1 on B (blocking); a coroutine selects over both (inline
// resumption); then the main thread receives from the channel whose case did not fire.
template <class P, class F>
void coro_select_two_recv_cases_fire_exactly_one(const config&) {
  ledger led(2);
  auto a = make_channel<msg, P, F>();
  auto b = make_channel<msg, P, F>();
  auto ta = harness<P>::spawn([&led, s = std::move(a.first)]() mutable { SLUICE_VERIFY(s.send(msg(led, 0)).has_value()); });
  auto tb = harness<P>::spawn([&led, s = std::move(b.first)]() mutable { SLUICE_VERIFY(s.send(msg(led, 1)).has_value()); });
  int fired = -1, got = -1;
  typename P::template atomic<bool> finished{false};
  auto task = coro_select_two<P>(nullptr, a.second, b.second, led, fired, got, &finished);
  // The select completes (resumed inline by a sender): a message arrives on one channel or the
  // other. Wait for it without receiving from either.
  // ORDERING: acquire — pairs with the coroutine's release store.
  (void)sluice::detail::await_load<P>(finished, std::memory_order_acquire, [](bool f) { return f; });
  SLUICE_VERIFY(fired == 0 || fired == 1);
  SLUICE_VERIFY(got == fired);  // the message of the case that fired
  {
    auto& other = fired == 0 ? b.second : a.second;
    auto m = other.recv();  // the other message is still there (or still offered)
    SLUICE_VERIFY(m.has_value() && m->id() == 1 - fired);
    take<P>(led, *m);
  }
  ta.join();
  tb.join();
  SLUICE_VERIFY(led.received(0) == 1 && led.received(1) == 1);
  task.destroy();
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

// A coroutine bound to the main thread's mailbox selects over A and B; a thread sends m0 on A
// and another waits in a blocking recv on A. The main thread runs the coroutine if its handle
// was posted and destroys it if it is still suspended. Proves: m0 is received exactly once (by
// the select or by the blocking receiver); a wake-up given to the destroyed select is passed
// on; nothing stays registered in A or B. If the select got m0, main sends m1 to release the
// blocking receiver.
template <class P, class F>
void coro_select_destroyed_while_suspended_passes_wakeup_on(const config&) {
  ledger led(2);
  mailbox<P> ex;
  auto a = make_channel<msg, P, F>();
  auto b = make_channel<msg, P, F>();
  auto tx = std::move(a.first);
  int fired = -1, got = -1;
  auto task = coro_select_two<P>(&ex, a.second, b.second, led, fired, got);  // suspends: both empty
  auto ts = harness<P>::spawn([&led, s = tx]() mutable { SLUICE_VERIFY(s.send(msg(led, 0)).has_value()); });
  int got_blocking = -1;
  auto tr = harness<P>::spawn([&led, &got_blocking, r = a.second]() mutable {
    auto m = r.recv();
    SLUICE_VERIFY(m.has_value());
    take<P>(led, *m);
    got_blocking = m->id();
  });
  const bool finished = task.run(ex);
  if (!finished) task.destroy();  // cancellation by destruction, on the executor
  if (finished) {
    SLUICE_VERIFY(fired == 0 && got == 0);  // only A ever gets a message
    SLUICE_VERIFY(tx.send(msg(led, 1)).has_value());
  } else {
    SLUICE_VERIFY(fired == -1);  // a destroyed select fires nothing
    msg unused(led, 1);
  }
  ts.join();
  tr.join();
  SLUICE_VERIFY(led.received(0) == 1);
  SLUICE_VERIFY(finished ? got_blocking == 1 : got_blocking == 0);
  task.destroy();
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

// Selects between sending m on A (full: pre-filled, or rendezvous) and receiving on B (empty).
// The frame owns A's only sender.
template <class P>
coro_task<P> coro_select_send_or_recv(mailbox<P>* /*ex*/, basic_sender<msg, P> ta, basic_receiver<msg, P> rb,
                                      ledger& led, int id, int& fired) {
  const std::size_t i = co_await sluice::async_select(
      on_send(ta, msg(led, id), [](send_result<msg> r) { SLUICE_VERIFY(r.has_value()); }),
      on_recv(rb, [](recv_result<msg>) { SLUICE_VERIFY(false); }));
  fired = static_cast<int>(i);
}

// A thread receives from A until closed; the coroutine (on the main thread's mailbox) selects
// between sending m on A and receiving on B; main runs it or destroys it, which drops A's only
// sender. Proves: m is delivered exactly once (a select whose message a rendezvous receiver
// took counts as delivered, even if destroyed before it resumes) or destroyed exactly once;
// the pre-fill arrives first; a select that finished fired its send case.
template <class P, class F>
void coro_select_send_case_delivers_xor_destroys_once(const config&) {
  constexpr int fill = static_cast<int>(F::capacity);
  ledger led(fill + 1);
  mailbox<P> ex;
  auto a = make_channel<msg, P, F>();
  auto b = make_channel<msg, P, F>();
  for (int k = 0; k < fill; ++k) SLUICE_VERIFY(a.first.try_send(msg(led, k)).has_value());
  int received = 0;
  auto tr = harness<P>::spawn([&led, &received, r = std::move(a.second)]() mutable {
    for (;;) {
      auto m = r.recv();
      if (!m.has_value()) return;
      SLUICE_VERIFY(m->id() == received);  // in order: the pre-fill, then the select's
      take<P>(led, *m);
      ++received;
    }
  });
  int fired = -1;
  auto task = coro_select_send_or_recv<P>(&ex, std::move(a.first), b.second, led, fill, fired);
  const bool finished = task.run(ex);
  task.destroy();  // finished or not: the frame (and A's only sender) goes
  tr.join();
  SLUICE_VERIFY(!finished || fired == 0);
  SLUICE_VERIFY(received >= fill);
  SLUICE_VERIFY_LEDGER_CLOSED(led);  // m: received once, or destroyed in the frame once
}

// async_recv_for with the slot timer; `got` = id, or -1 for timed_out.
template <class P>
coro_task<P> coro_recv_for(mailbox<P>* /*ex*/, basic_receiver<msg, P> rx, slot_timer<P>* timer, ledger& led,
                           int& got, typename P::template atomic<bool>* finished) {
  auto r = co_await rx.async_recv_for(std::chrono::hours(1), *timer);
  if (r.has_value()) {
    take<P>(led, *r);
    got = r->id();
  } else {
    SLUICE_VERIFY(r.error() == errc::timed_out);
    got = -1;
  }
  // ORDERING: release — pairs with the waiting thread's acquire: `got` is published.
  finished->store(true, std::memory_order_release);
}

// A coroutine waits in async_recv_for (inline resumption); a thread sends m0 (blocking);
// another thread runs the timer's task. Proves: the coroutine ends with m0 or with timed_out;
// a timed-out receive took nothing — main then receives m0 itself (on rendezvous that is what
// lets the sender finish) — so m0 is received exactly once.
template <class P, class F>
void coro_deadline_recv_for_vs_send_vs_timer_never_loses(const config&) {
  ledger led(1);
  slot_timer<P> timer;
  auto ch = make_channel<msg, P, F>();
  int got = -2;
  typename P::template atomic<bool> finished{false};
  auto task = coro_recv_for<P>(nullptr, ch.second, &timer, led, got, &finished);  // suspends: empty
  auto ts = harness<P>::spawn([&led, s = std::move(ch.first)]() mutable {
    SLUICE_VERIFY(s.send(msg(led, 0)).has_value());
  });
  auto tt = harness<P>::spawn([&timer] { timer.fire(); });
  tt.join();
  // ORDERING: acquire — pairs with the coroutine's release store (resumed by the send or the timer).
  (void)sluice::detail::await_load<P>(finished, std::memory_order_acquire, [](bool f) { return f; });
  if (got == -1) {
    auto m = ch.second.recv();  // the timed-out receive left m0 to us
    SLUICE_VERIFY(m.has_value() && m->id() == 0);
    take<P>(led, *m);
  } else {
    SLUICE_VERIFY(got == 0);
  }
  ts.join();
  SLUICE_VERIFY(led.received(0) == 1);
  task.destroy();
  timer.fire();  // a task posted after the timer thread looked runs now (and finds nothing)
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

// The timer thread exists before the coroutine waits: it runs the deadline task as soon as it
// is posted, while the coroutine may still be arming the deadline. Nobody sends, so the receive
// ends timed_out. Proves: the task reads the waiter the operation armed only through the
// link's [T1]/[T2] (async_timer.hpp), not through a thread start — in the scenario above the
// coroutine arms before the timer thread is spawned. Written by the ordering study: it catches
// async.timer_arm / async.timer_fire weakened to relaxed.
template <class P, class F>
void coro_deadline_armed_while_the_timer_runs_times_out(const config&) {
  ledger led(1);
  slot_timer<P> timer;
  auto ch = make_channel<msg, P, F>();
  int got = -2;
  typename P::template atomic<bool> finished{false};
  auto tt = harness<P>::spawn([&timer] {
    while (!timer.fire()) P::yield_now();  // the task is posted when the receive first waits
  });
  auto task = coro_recv_for<P>(nullptr, ch.second, &timer, led, got, &finished);  // waits: empty
  tt.join();
  // ORDERING: acquire — pairs with the coroutine's release store (resumed by the timer).
  (void)sluice::detail::await_load<P>(finished, std::memory_order_acquire, [](bool f) { return f; });
  SLUICE_VERIFY(got == -1);
  SLUICE_VERIFY(led.received(0) == 0);  // nothing was sent, nothing received
  task.destroy();
}

template <class P, class F, class Table>
void add_async_select_flavor(Table& out) {
  // Heavy: each waits for a coroutine by spinning on a flag, which exhaustive search cannot finish.
  auto add = [&](const char* what, void (*fn)(const config&)) {
    out.push_back({std::string("coro_") + what + "@" + F::name, fn, "async_select", F::name, weight::heavy});
  };
  add("select_two_recv_cases_fire_exactly_one", &coro_select_two_recv_cases_fire_exactly_one<P, F>);
  add("select_destroyed_while_suspended_passes_wakeup_on",
      &coro_select_destroyed_while_suspended_passes_wakeup_on<P, F>);
  if constexpr (can_block_sender<F>)
    add("select_send_case_delivers_xor_destroys_once", &coro_select_send_case_delivers_xor_destroys_once<P, F>);
  add("deadline_recv_for_vs_send_vs_timer_never_loses", &coro_deadline_recv_for_vs_send_vs_timer_never_loses<P, F>);
  add("deadline_armed_while_the_timer_runs_times_out", &coro_deadline_armed_while_the_timer_runs_times_out<P, F>);
}

#endif  // SLUICE_VERIF_NO_COROUTINE_SCENARIOS

template <class P, class Table>
void add_async_select_scenarios([[maybe_unused]] Table& out) {
#ifndef SLUICE_VERIF_NO_COROUTINE_SCENARIOS
  add_async_select_flavor<P, bounded1>(out);
  add_async_select_flavor<P, bounded2>(out);
  add_async_select_flavor<P, rendezvous>(out);
  add_async_select_flavor<P, unbounded>(out);
#endif
}

}  // namespace sluice::verif
