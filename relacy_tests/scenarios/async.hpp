// relacy_tests/scenarios/async.hpp — coroutines (sluice/async.hpp) on model threads and real
// threads: async_recv against a blocking send, async_send against a blocking recv (the
// rendezvous packet hand-off included), a stop_token cancelling async_recv while a send races
// it, and a coroutine destroyed while it is suspended in async_recv or async_send.
//
// The coroutines are `coro_task`s: they start eagerly on the thread that calls them (which
// runs them until their first suspension), stay suspended at their end until their owner
// destroys them, and can be destroyed while suspended. A task resumes either inline (no
// scheduler: the party that wakes it resumes it on its own thread, through core's trampoline)
// or through a `mailbox`, a one-slot executor run by the scenario's main thread: a woken
// coroutine's handle is posted there, and the owner resumes it — or destroys the coroutine
// instead, which is "destroying a suspended coroutine on its executor" (async.hpp's rule).
//
// What the scenarios prove (issue 6, "Cancellation" and "Async"):
//  - a message is received exactly once, by the coroutine or by the blocking party or the
//    drain that follows; a coroutine's send is delivered exactly once or its message
//    destroyed exactly once (ledger: each message destroyed once, never received twice);
//  - happens-before through the async path: a P::cell written before send() and read by the
//    coroutine after its async_recv returned (and the converse for async_send) is not a data
//    race under the model, including when the coroutine resumes on the waking thread;
//  - a woken coroutine is resumed: after the threads are joined the task has finished;
//  - destroying a suspended coroutine passes on a wake-up it was given (else the blocking
//    receiver sleeps forever: a deadlock under the model) and leaves no registration behind
//    (else a use after free of the frame's waiter).
//
// Under the model every model thread is a fiber of one OS thread, so core's thread_local
// trampoline (detail/async_op.hpp) is shared by all of them: a resumption requested while
// another fiber is inside a resumption is run by that fiber when its resumption returns. The
// scenarios never block a thread inside a coroutine, so this only moves where a coroutine
// resumes, never whether it does.
//
// Tier wiring: add_async_scenarios<P>(table) appends "coro_<what>@<flavor>", tagged group async
// (support/table.hpp), light except the destroyed receive racing two partners (heavy).
#pragma once

#include <coroutine>
#include <exception>
#include <optional>
#include <stop_token>
#include <string>
#include <utility>
#include <vector>

#include <sluice/async.hpp>
#include <sluice/detail/await.hpp>

#include "support/common.hpp"
#include "support/table.hpp"
#include "delivery.hpp"

namespace sluice::verif {

// The one-slot executor a task may be bound to (see the header). Like a real executor it runs
// everything posted to it, also a post that arrives after the owner destroyed the coroutine:
// the destructor runs what is left in the slot (after the scenario joined its threads). Core
// posts its own resume shim, never the operation's frame (detail/coro_waiter.hpp), so such a
// late post resumes nothing and frees the shim; a posted handle whose frame is already freed
// (the operation's own, FINDING-2 before the fix) fails the scenario instead of being run.
template <class P>
class mailbox {
 public:
  mailbox() = default;
  mailbox(const mailbox&) = delete;
  mailbox& operator=(const mailbox&) = delete;
  ~mailbox() { run_late(); }

  // Called by the party that woke the coroutine (sluice::scheduler).
  void schedule(std::coroutine_handle<> h) noexcept {
    // ORDERING: release — pairs with take()'s acquire: what the waking party did before
    // posting (its claim, a packet it filled) happens-before the coroutine runs again.
    slot_.store(h.address(), std::memory_order_release);
  }
  // The posted handle, if any (and empties the slot). Called by the owner only.
  std::coroutine_handle<> take() noexcept {
    // ORDERING: acquire — pairs with schedule()'s release store. A load, not an exchange:
    // after a yield the model checker gives a load the newest store, but lets an RMW be placed
    // before a racing store in modification order again and again, so an owner spinning on
    // an exchange multiplies the exhaustive search (relacy_tests/README.md, checker notes).
    void* a = slot_.load(std::memory_order_acquire);
    if (!a) return {};
    // ORDERING: relaxed — the next schedule() of this coroutine comes after the owner resumed
    // it and it suspended again, so after this store (sequenced before the resume).
    slot_.store(nullptr, std::memory_order_relaxed);
    return std::coroutine_handle<>::from_address(a);
  }
  // Waits for a post and takes it: the owner's spin on an empty slot, written as an await
  // (side-effect free; under the model checker the owner blocks until a post).
  std::coroutine_handle<> take_waiting() noexcept {
    // ORDERING: acquire — pairs with schedule()'s release store.
    void* a = sluice::detail::await_load<P>(slot_, std::memory_order_acquire, [](void* p) { return p != nullptr; });
    // ORDERING: relaxed — as take()'s.
    slot_.store(nullptr, std::memory_order_relaxed);
    return std::coroutine_handle<>::from_address(a);
  }

  // Runs a post left in the slot (see the header). Called by the owner once nobody posts any
  // more (every party joined).
  void run_late() {
    const std::coroutine_handle<> h = take();
    if (!h) return;
    SLUICE_VERIFY(!harness<P>::freed_allocation(h.address()));  // never a destroyed frame
    h.resume();
  }

 private:
  typename P::template atomic<void*> slot_{nullptr};
};

// A coroutine the scenario owns. Its first parameter is the mailbox it resumes through
// (nullptr: inline, on the waking thread); the promise exposes it as `scheduler()`, which
// core's awaitables pick up (detail/async_op.hpp, resumer_of_promise).
template <class P>
class coro_task {
 public:
  struct promise_type {
    mailbox<P>* ex = nullptr;
    template <class... Args>
    explicit promise_type(mailbox<P>* m, Args&&...) noexcept : ex(m) {}
    mailbox<P>* scheduler() const noexcept { return ex; }
    coro_task get_return_object() noexcept {
      return coro_task(std::coroutine_handle<promise_type>::from_promise(*this));
    }
    std::suspend_never initial_suspend() noexcept { return {}; }  // eager
    std::suspend_always final_suspend() noexcept { return {}; }   // kept until destroyed
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }
  };

  coro_task(coro_task&& o) noexcept : h_(std::exchange(o.h_, {})) {}
  coro_task(const coro_task&) = delete;
  coro_task& operator=(const coro_task&) = delete;
  coro_task& operator=(coro_task&&) = delete;
  ~coro_task() { destroy(); }

  bool done() const noexcept { return h_ && h_.done(); }
  // Destroys the coroutine, finished or suspended (cancellation by destruction).
  void destroy() noexcept {
    if (h_) std::exchange(h_, {}).destroy();
  }
  // Runs the executor: resumes the coroutine while its mailbox holds its handle and it has
  // not finished; returns whether it finished.
  bool run(mailbox<P>& ex) {
    while (h_ && !h_.done()) {
      // The posted handle is the suspended operation's (core's async_op body), which resumes
      // this task when it completes.
      const std::coroutine_handle<> h = ex.take();
      if (!h) break;
      h.resume();
    }
    return done();
  }
  // Runs the executor until the coroutine has finished (it must be sure to finish).
  void run_to_end(mailbox<P>& ex) {
    // Someone else must wake the coroutine first: the owner awaits the post (the coroutine
    // resumes only through the mailbox, so done() changes only in this loop).
    while (h_ && !h_.done()) ex.take_waiting().resume();
  }

 private:
  explicit coro_task(std::coroutine_handle<promise_type> h) noexcept : h_(h) {}
  std::coroutine_handle<promise_type> h_;
};

// ---------------------------------------------------------------------------------------------
// The coroutines.

// Receives one message (retrying once without the token if `stop` cancelled the first try).
template <class P>
coro_task<P> coro_recv_one(mailbox<P>* /*ex*/, basic_receiver<msg, P> rx, ledger& led,
                           typename P::template cell<int>* side, std::stop_token stop, int& got) {
  auto r = co_await rx.async_recv(stop);
  if (!r.has_value()) {
    SLUICE_VERIFY(r.error() == errc::cancelled);  // only the token can fail it here
    got = -2;                                       // remember we were cancelled
    r = co_await rx.async_recv();
  }
  SLUICE_VERIFY(r.has_value());
  // SAFETY (test): written by the sender before send(); read after the receive returned this
  // message — the channel's happens-before edge, carried through the resumption, orders them.
  if (side) side->with([](const int* v) { SLUICE_VERIFY(*v == 42); });
  take<P>(led, *r);
  got = got == -2 ? 100 + r->id() : r->id();
}

// Receives one message or `closed`; `got` = the id, or -1 for closed.
template <class P>
coro_task<P> coro_recv_or_closed(mailbox<P>* /*ex*/, basic_receiver<msg, P> rx, ledger& led, int& got) {
  auto r = co_await rx.async_recv();
  if (r.has_value()) {
    take<P>(led, *r);
    got = r->id();
  } else {
    SLUICE_VERIFY(r.error() == errc::closed);
    got = -1;
  }
}

// Sends message `id`; `sent` = whether it was accepted. Owns the sender it is given.
template <class P>
coro_task<P> coro_send_one(mailbox<P>* /*ex*/, basic_sender<msg, P> tx, ledger& led, int id,
                           typename P::template cell<int>* side, bool& sent) {
  // SAFETY (test): written before async_send; read by the receiver after its recv returned
  // this message.
  if (side) side->with_mut([](int* v) { *v = 42; });
  auto r = co_await tx.async_send(msg(led, id));
  SLUICE_VERIFY(r.has_value());  // the receiver stays until it has every message
  sent = true;
}

// ---------------------------------------------------------------------------------------------
// The scenarios.

// A coroutine waits in async_recv (resuming inline) while a thread sends one message with a
// blocking send. Proves: the coroutine is resumed and receives the message exactly once;
// what the sender wrote before send() is visible to the coroutine (no data race on `side`);
// on rendezvous the blocking send completes only because the coroutine took the message.
template <class P, class F>
void coro_async_recv_vs_blocking_send_delivers_once(const config&) {
  ledger led(1);
  typename P::template cell<int> side(0);
  auto ch = make_channel<msg, P, F>();
  auto ts = harness<P>::spawn([&led, &side, s = std::move(ch.first)]() mutable {
    // SAFETY (test): see coro_recv_one.
    side.with_mut([](int* v) { *v = 42; });
    SLUICE_VERIFY(s.send(msg(led, 0)).has_value());
  });
  int got = -1;
  auto task = coro_recv_one<P>(nullptr, std::move(ch.second), led, &side, {}, got);
  ts.join();
  SLUICE_VERIFY(task.done());  // resumed: no lost wake-up
  SLUICE_VERIFY(got == 0 && led.received(0) == 1);
  task.destroy();
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

// A coroutine sends one message with async_send (resuming inline) into a full channel
// (bounded: pre-filled; rendezvous: nobody waits; unbounded never waits) while a thread takes
// every message with a blocking recv. Proves: the coroutine's send completes once, and the
// receiver gets the pre-fill and then the coroutine's message, in order, each once; on
// rendezvous the message moves through the coroutine's packet; what the coroutine wrote
// before async_send is visible to the receiver.
template <class P, class F>
void coro_async_send_vs_blocking_recv_delivers_once(const config&) {
  constexpr int fill = F::is_unbounded ? 0 : static_cast<int>(F::capacity);
  ledger led(fill + 1);
  typename P::template cell<int> side(0);
  auto ch = make_channel<msg, P, F>();
  for (int k = 0; k < fill; ++k) SLUICE_VERIFY(ch.first.try_send(msg(led, k)).has_value());
  auto tr = harness<P>::spawn([&led, &side, r = std::move(ch.second)]() mutable {
    for (int k = 0; k <= fill; ++k) {
      auto m = r.recv();
      SLUICE_VERIFY(m.has_value() && m->id() == k);  // FIFO: the pre-fill, then ours
      take<P>(led, *m);
    }
    // SAFETY (test): see coro_send_one.
    side.with([](const int* v) { SLUICE_VERIFY(*v == 42); });
  });
  bool sent = false;
  auto task = coro_send_one<P>(nullptr, std::move(ch.first), led, fill, &side, sent);
  tr.join();
  SLUICE_VERIFY(task.done() && sent);
  task.destroy();
  for (int k = 0; k <= fill; ++k) SLUICE_VERIFY(led.received(k) == 1);
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

// A coroutine waits in async_recv(stop_token) while a thread sends one message and the main
// thread requests stop. If cancelled, the coroutine receives again without a token. Proves:
// the cancellable async_recv fails only with `cancelled`; a cancelled async_recv consumes
// nothing and leaves no registration that swallows the message (the second receive gets it);
// the coroutine ends with the message exactly once, whoever resumed it.
// Resumption: `Inline` = on the waking thread (the sender's, or the stopping thread's, inside
// request_stop's callback); otherwise through the main thread's mailbox. Under the model only
// the mailbox form runs: the model runs a stop callback without preemption (model/platform.hpp,
// no_preempt_invoker), so a coroutine resumed inline from it would run its retry unpreemptibly
// and spin forever on a wait-list lock the preempted sender holds (relacy_tests/README.md).
template <class P, class F, bool Inline>
void coro_async_recv_stop_cancel_racing_send_never_loses(const config&) {
  ledger led(1);
  std::stop_source stop;
  mailbox<P> ex;
  auto ch = make_channel<msg, P, F>();
  auto ts = harness<P>::spawn([&led, s = std::move(ch.first)]() mutable {
    SLUICE_VERIFY(s.send(msg(led, 0)).has_value());
  });
  int got = -1;
  auto task = coro_recv_one<P>(Inline ? nullptr : &ex, std::move(ch.second), led, nullptr, stop.get_token(), got);
  stop.request_stop();
  if constexpr (!Inline) task.run_to_end(ex);
  ts.join();
  SLUICE_VERIFY(task.done());
  SLUICE_VERIFY((got == 0 || got == 100) && led.received(0) == 1);
  task.destroy();
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

// A coroutine bound to the main thread's mailbox waits in async_recv; a thread sends m0 and a
// second thread waits in a blocking recv. The main thread runs the coroutine if its handle was
// posted, and destroys it if it is still suspended (whether or not the sender has claimed it
// meanwhile). If the coroutine got m0, main sends m1 to release the blocking receiver.
// Proves: m0 is received exactly once — by the coroutine or by the blocking receiver; a
// wake-up given to the destroyed coroutine is passed on (otherwise the blocking receiver
// sleeps with m0 in the channel: a deadlock under the model, since main keeps a sender alive
// so no disconnect can rescue it); the destroyed coroutine leaves no registration behind.
template <class P, class F>
void coro_destroy_suspended_async_recv_passes_wakeup_on(const config&) {
  ledger led(2);
  mailbox<P> ex;
  auto ch = make_channel<msg, P, F>();
  auto tx = std::move(ch.first);
  int got_coro = -1;
  auto task = coro_recv_or_closed<P>(&ex, ch.second, led, got_coro);  // suspends: A is empty
  auto ts = harness<P>::spawn([&led, s = tx]() mutable { SLUICE_VERIFY(s.send(msg(led, 0)).has_value()); });
  int got_blocking = -1;
  auto tb = harness<P>::spawn([&led, &got_blocking, r = std::move(ch.second)]() mutable {
    auto m = r.recv();
    SLUICE_VERIFY(m.has_value());
    take<P>(led, *m);
    got_blocking = m->id();
  });
  const bool finished = task.run(ex);
  if (!finished) task.destroy();  // cancellation by destruction, on the executor
  if (finished && got_coro == 0) {
    SLUICE_VERIFY(tx.send(msg(led, 1)).has_value());
  } else {
    msg unused(led, 1);  // m1 is not needed
  }
  ts.join();
  tb.join();
  SLUICE_VERIFY(led.received(0) == 1);
  SLUICE_VERIFY(got_coro == 0 ? got_blocking == 1 : got_blocking == 0);
  SLUICE_VERIFY(got_coro == 0 || got_coro == -1);  // never `closed`: a sender stays alive
  task.destroy();
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

// A coroutine bound to the main thread's mailbox sends m with async_send into a full channel
// (bounded: pre-filled; rendezvous: nobody waits) while a thread receives until `closed`. The
// main thread runs the coroutine if its handle was posted, and destroys it if it is still
// suspended; the coroutine's frame holds the only sender, so its destruction closes the
// channel. Proves: m is delivered exactly once (a send whose message a receiver already took
// counts as delivered, even if the coroutine is destroyed before it resumes) or destroyed
// exactly once with the frame — never both, never neither; the pre-fill arrives first, in
// order; a finished coroutine's send succeeded; nothing is left registered.
template <class P, class F>
void coro_destroy_suspended_async_send_delivers_xor_destroys_once(const config&) {
  constexpr int fill = static_cast<int>(F::capacity);
  ledger led(fill + 1);
  mailbox<P> ex;
  auto ch = make_channel<msg, P, F>();
  for (int k = 0; k < fill; ++k) SLUICE_VERIFY(ch.first.try_send(msg(led, k)).has_value());
  std::vector<int> order;
  auto tr = harness<P>::spawn([&led, &order, r = std::move(ch.second)]() mutable {
    for (;;) {
      auto m = r.recv();
      if (!m.has_value()) {
        SLUICE_VERIFY(m.error() == errc::closed);
        return;
      }
      take<P>(led, *m);
      order.push_back(m->id());
    }
  });
  bool sent = false;
  auto task = coro_send_one<P>(&ex, std::move(ch.first), led, fill, nullptr, sent);
  const bool finished = task.run(ex);
  task.destroy();  // finished or not: the frame (and the only sender) goes
  tr.join();
  SLUICE_VERIFY(!finished || sent);
  SLUICE_VERIFY(order.size() >= static_cast<std::size_t>(fill));
  for (int k = 0; k < static_cast<int>(order.size()); ++k) SLUICE_VERIFY(order[static_cast<std::size_t>(k)] == k);
  if (sent) SLUICE_VERIFY(led.received(fill) == 1);
  SLUICE_VERIFY_LEDGER_CLOSED(led);  // m: received once, or destroyed in the frame once
}

// A coroutine bound to an executor and destroyed on it, as async.hpp allows, while a sender
// wakes it (FINDING-2 in relacy_tests/README.md, fixed). The waking party's notify() exchanges
// the phase word to `notified` ([Q1]) and only then posts; a destructor that sees `notified`
// returns at once. So the executor can destroy the coroutine and receive a post afterwards.
// Proves: what is posted then is core's resume shim, a live handle whose run resumes nothing
// (the mailbox runs it when the scenario ends and fails on a freed frame: the old code posted
// the destroyed operation's own frame); the shim is freed exactly once (no leak, no double
// free); the message is received exactly once, by the coroutine or by the drain.
template <class P, class F>
void coro_destroyed_on_executor_late_post_resumes_nothing(const config&) {
  ledger led(1);
  mailbox<P> ex;
  auto ch = make_channel<msg, P, F>();
  int got = -1;
  auto task = coro_recv_or_closed<P>(&ex, ch.second, led, got);  // suspends: empty
  auto ts = harness<P>::spawn([&led, s = ch.first]() mutable { SLUICE_VERIFY(s.send(msg(led, 0)).has_value()); });
  if (!task.run(ex)) task.destroy();
  ts.join();
  ex.run_late();  // a post that came after the destruction: must be harmless
  if (got != 0) {  // destroyed: the message stayed in the channel (or with the sender)
    auto m = ch.second.try_recv();
    SLUICE_VERIFY(m.has_value());
    take<P>(led, *m);
  }
  SLUICE_VERIFY(led.received(0) == 1);
  task.destroy();
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

template <class P, class F, class Table>
void add_async_flavor(Table& out) {
  auto add = [&](const char* what, void (*fn)(const config&), weight w = weight::light) {
    out.push_back({std::string("coro_") + what + "@" + F::name, fn, "async", F::name, w});
  };
  add("async_recv_vs_blocking_send_delivers_once", &coro_async_recv_vs_blocking_send_delivers_once<P, F>);
  add("async_send_vs_blocking_recv_delivers_once", &coro_async_send_vs_blocking_recv_delivers_once<P, F>);
  add("async_recv_stop_cancel_racing_send_never_loses",
      &coro_async_recv_stop_cancel_racing_send_never_loses<P, F, false>);
  if constexpr (!harness<P>::is_model)  // see the scenario
    add("async_recv_stop_cancel_racing_send_never_loses_inline",
        &coro_async_recv_stop_cancel_racing_send_never_loses<P, F, true>);
  add("destroy_suspended_async_recv_passes_wakeup_on",  // three threads on one wait list
      &coro_destroy_suspended_async_recv_passes_wakeup_on<P, F>, weight::heavy);
  if constexpr (buffers<F>)  // a rendezvous send would wait for a receiver that was destroyed
    add("destroyed_on_executor_late_post_resumes_nothing",
        &coro_destroyed_on_executor_late_post_resumes_nothing<P, F>);
  // An unbounded channel is never full: async_send never suspends there.
  if constexpr (can_block_sender<F>)
    add("destroy_suspended_async_send_delivers_xor_destroys_once",
        &coro_destroy_suspended_async_send_delivers_xor_destroys_once<P, F>);
}

template <class P, class Table>
void add_async_scenarios(Table& out) {
  add_async_flavor<P, bounded1>(out);
  add_async_flavor<P, bounded2>(out);
  add_async_flavor<P, rendezvous>(out);
  add_async_flavor<P, unbounded>(out);
}

}  // namespace sluice::verif
