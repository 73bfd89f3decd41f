// relacy_tests/scenarios/kinds_async.hpp — the async forms of the other kinds under
// concurrency: a coroutine awaiting a oneshot receiver, watermark's async send and receive,
// and broadcast's async receive and send, against threads that send, drop, stop, finish or
// drain.
//
// Coroutines are plain function calls on whichever model thread resumes them. Two ways to
// resume are used:
//  - inline (no scheduler): the sender's notify() resumes the coroutine on the sender's thread,
//    through sluice's trampoline — the default path of sluice/async.hpp;
//  - a one-slot executor owned by the scenario's main thread (`slot_executor`): a wake-up
//    posts the handle there and the main thread resumes it. This is what makes "destroy the
//    coroutine while it waits" legal (async.hpp: destroy only where nobody can be resuming
//    it): the owner shuts the executor (close(): later posts run when the scenario ends) and resumes what it
//    holds, or destroys the coroutine. It is also how a stop request resumes a coroutine here:
//    under the model a stop callback runs without preemption, so it must not run the
//    coroutine inline (the coroutine may wait a step of the sender's, which could not run).
//
// What the scenarios prove (each says which):
//  - the message of a oneshot is received exactly once — by the coroutine, or by the receiver
//    handle after the coroutine was cancelled or destroyed — or handed back by send() once the
//    receiver is gone, or destroyed with the state: never two of these, never none;
//  - no wake-up is lost (a lost one shows as a deadlock or livelock under the model) and a
//    destroyed coroutine's waiter is never touched after it is gone (use after free of the
//    frame shows under ASan in the real-thread tiers; the model checks every platform
//    allocation and the waiter protocol's atomics);
//  - watermark: an async producer suspended at the high watermark is resumed by the draining
//    consumer or told closed by the consumer's drop, every element enqueued is received once,
//    finish() ends the stream after the buffered elements;
//  - broadcast: async receivers and senders see every message once, in order, with the block
//    policy's waits always woken.
//
// Wiring: add_kinds_async_scenarios<P>(table), names "oneshot_async_...", "watermark_async_..."
// and "broadcast_async_...", each tagged with its kind's group (support/table.hpp), so every
// tier's entry for that kind runs them.
#pragma once

#include <coroutine>
#include <exception>
#include <optional>
#include <stop_token>
#include <string>
#include <utility>

#include <sluice/broadcast.hpp>
#include <sluice/oneshot.hpp>
#include <sluice/watermark.hpp>
#include <sluice/detail/await.hpp>

#include "support/common.hpp"
#include "support/table.hpp"
#include "delivery.hpp"
#include "disconnect.hpp"
#include "kinds_oneshot.hpp"

// clang 14 cannot emit coroutines compiled with -fsanitize=address and debug info (see
// stress/CMakeLists.txt): the clang ASan stress build leaves these scenarios out; the g++
// ASan build and every other tier run them.
#if defined(__clang__) && __clang_major__ < 15 && defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SLUICE_VERIF_NO_COROUTINE_SCENARIOS 1
#endif
#endif

namespace sluice::verif {

#ifndef SLUICE_VERIF_NO_COROUTINE_SCENARIOS

// A coroutine the scenario owns and may destroy while it is suspended.
struct scenario_coro {
  struct promise_type {
    scenario_coro get_return_object() noexcept {
      return scenario_coro{std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }
  };
  explicit scenario_coro(std::coroutine_handle<promise_type> h) noexcept : h_(h) {}
  scenario_coro(scenario_coro&& o) noexcept : h_(std::exchange(o.h_, {})) {}
  scenario_coro(const scenario_coro&) = delete;
  scenario_coro& operator=(const scenario_coro&) = delete;
  ~scenario_coro() { destroy(); }
  bool done() const noexcept { return h_.done(); }
  void destroy() noexcept {
    if (h_) std::exchange(h_, {}).destroy();
  }

 private:
  std::coroutine_handle<promise_type> h_;
};

// A one-slot executor (one coroutine per scenario, at most one pending wake-up). Its atomic is
// a P::atomic so the model sees the hand-off from the waking thread to the owner.
template <class P>
class slot_executor {
 public:
  slot_executor() = default;
  slot_executor(const slot_executor&) = delete;
  slot_executor& operator=(const slot_executor&) = delete;
  // Like a real executor, runs what was posted after close() too, once the scenario is over
  // (every party joined): core posts its own resume shim (detail/coro_waiter.hpp), which then
  // resumes nothing and frees itself; a destroyed operation's own frame would fail here.
  ~slot_executor() {
    // ORDERING (test): acquire — pairs with schedule()'s release store of a late post.
    if (void* p = late_.load(std::memory_order_acquire)) {
      SLUICE_VERIFY(!harness<P>::freed_allocation(p));
      std::coroutine_handle<>::from_address(p).resume();
    }
  }

  void schedule(std::coroutine_handle<> h) {
    void* expected = nullptr;
    // ORDERING (test): acq_rel on success — the wake-up's writes reach the owner's take();
    // failure (closed): the post is kept for the destructor.
    const bool posted = slot_.compare_exchange_strong(expected, h.address(), std::memory_order_acq_rel,
                                                      std::memory_order_acquire);
    SLUICE_VERIFY(posted || expected == closed_mark());  // never two pending wake-ups
    // ORDERING (test): release — pairs with the destructor's acquire.
    if (!posted) late_.store(h.address(), std::memory_order_release);
  }
  // The pending wake-up, if any (the owner then resumes it).
  std::coroutine_handle<> take() {
    // ORDERING (test): acquire — a look first, so a spinning owner makes no state change.
    if (slot_.load(std::memory_order_acquire) == nullptr) return {};
    // ORDERING (test): acq_rel — pairs with schedule()'s CAS.
    return std::coroutine_handle<>::from_address(slot_.exchange(nullptr, std::memory_order_acq_rel));
  }
  // Waits for the pending wake-up and takes it (the owner's spin, as an await: side-effect
  // free until a wake-up is posted; the owner closes the slot only after its last drive).
  std::coroutine_handle<> take_waiting() {
    // ORDERING (test): acquire — a look first, as take()'s.
    (void)sluice::detail::await_load<P>(slot_, std::memory_order_acquire, [](void* p) { return p != nullptr; });
    // ORDERING (test): acq_rel — pairs with schedule()'s CAS.
    return std::coroutine_handle<>::from_address(slot_.exchange(nullptr, std::memory_order_acq_rel));
  }
  // Shuts the executor: returns a wake-up posted before; later ones wait for the destructor.
  std::coroutine_handle<> close() {
    // ORDERING (test): acq_rel — pairs with schedule()'s CAS either way.
    void* p = slot_.exchange(closed_mark(), std::memory_order_acq_rel);
    return p ? std::coroutine_handle<>::from_address(p) : std::coroutine_handle<>{};
  }

 private:
  static void* closed_mark() noexcept {
    static char mark;
    return &mark;
  }
  typename P::template atomic<void*> slot_{nullptr};
  typename P::template atomic<void*> late_{nullptr};
};

// Awaits the oneshot once; records the outcome. Checks send's happens-before edge on the
// thread that runs the rest of the coroutine (the sender's, when resumed inline).
template <class P>
scenario_coro oneshot_awaiter(basic_oneshot_receiver<msg, P>* rx, slot_executor<P>* ex, std::stop_token stop,
                              typename P::template cell<int>* side, std::optional<recv_result<msg>>* out) {
  if (ex)
    out->emplace(co_await rx->async_recv(*ex, std::move(stop)));
  else
    out->emplace(co_await rx->async_recv(std::move(stop)));
  if ((*out)->has_value())
    // SAFETY (test): written by the sender before send(); the receive ordered it before us.
    side->with([](const int* v) { SLUICE_VERIFY(*v == 42); });
}

// The sender thread of the oneshot scenarios: sends message 0 (after writing `side`) or
// drops the sender unsent. Returns whether a send was accepted (false: handed back, closed).
template <class P, oneshot_tx S>
bool oneshot_sender_action(ledger& led, basic_oneshot_sender<msg, P>& s, typename P::template cell<int>& side) {
  if constexpr (S == oneshot_tx::send) {
    // SAFETY (test): written before send; read by the receiving side only after its receive.
    side.with_mut([](int* v) { *v = 42; });
    auto r = std::move(s).send(msg(led, 0));
    return settle_send<P>(led, r, 0, errc::closed);
  } else {
    drop(s);
    return false;
  }
}

enum class oneshot_async_end { inline_resume, handle_dropped, stop, destroy_then_recv, destroy_then_drop };

// One sender thread (send or drop) against a coroutine awaiting the receiver on the main
// thread, which ends its wait one way:
//  inline_resume      nothing but the sender: the sender's send/drop resumes the coroutine on
//                     its own thread. Proves the message is received once by the coroutine
//                     (with happens-before) or, after a drop, the coroutine gets closed.
//  handle_dropped     the same, but the main thread drops the receiver handle while the
//                     coroutine waits (issue 11, item 7): the operation's own reference to the
//                     receiver side [O9] keeps the state alive; the last of the two references
//                     (the handle's, or the operation's on the sender's thread) drops the side.
//                     Proves the same outcome, and the state freed once.
//  stop               the main thread stops the coroutine's token while the sender acts.
//                     Proves: the coroutine ends with the message, closed, or cancelled; after
//                     cancelled the receiver's recv() gets the message (or closed): exactly once.
//  destroy_then_recv  the main thread shuts the executor and destroys the coroutine unless a
//                     wake-up was already posted (then it runs it). Proves: the message is
//                     received once, by the coroutine or by the receiver's later recv().
//  destroy_then_drop  the same, then the receiver is dropped. Proves: the message is received
//                     by the coroutine, or destroyed with the state, or handed back by send —
//                     exactly one; the state is freed once.
template <class P, oneshot_tx S, oneshot_async_end E>
void oneshot_async_await_ends_message_exactly_once(const config&) {
  ledger led(1);
  auto ch = basic_oneshot<msg, P>();
  typename P::template cell<int> side(0);
  bool accepted = false;  // written by the sender thread, read after join
  auto ts = harness<P>::spawn([&, s = std::move(ch.first)]() mutable {
    accepted = oneshot_sender_action<P, S>(led, s, side);
  });
  auto& rx = ch.second;
  std::optional<recv_result<msg>> out;
  slot_executor<P> ex;
  std::stop_source stop;
  {
    constexpr bool inline_resume = E == oneshot_async_end::inline_resume || E == oneshot_async_end::handle_dropped;
    scenario_coro c = oneshot_awaiter<P>(&rx, inline_resume ? nullptr : &ex, stop.get_token(), &side, &out);
    if constexpr (inline_resume) {
      if constexpr (E == oneshot_async_end::handle_dropped) drop(rx);  // the operation holds its side
      ts.join();
      SLUICE_VERIFY(c.done());  // resumed by the sender (or it never had to wait)
    } else if constexpr (E == oneshot_async_end::stop) {
      stop.request_stop();  // its callback claims the waiter unless the sender did first
      ts.join();
      if (auto h = ex.take()) h.resume();
      SLUICE_VERIFY(c.done());
    } else {
      if (auto h = ex.close())
        h.resume();  // the wake-up came first: run it (the coroutine completes)
      else if (!c.done())
        c.destroy();  // nobody can resume it now: destroy it while it waits
      ts.join();
    }
  }
  bool received = false;
  bool closed = false;
  auto note = [&](recv_result<msg>& m) {
    if (m.has_value()) {
      take<P>(led, *m);
      received = true;
    } else {
      SLUICE_VERIFY(m.error() == errc::closed);
      closed = true;
    }
  };
  if (out.has_value()) {
    if (!out->has_value() && out->error() == errc::cancelled) {
      SLUICE_VERIFY(E == oneshot_async_end::stop);
      auto m = rx.recv();  // nothing was consumed: the answer is still to come
      note(m);
    } else {
      note(*out);
    }
  } else {
    SLUICE_VERIFY(E == oneshot_async_end::destroy_then_recv || E == oneshot_async_end::destroy_then_drop);
    if constexpr (E == oneshot_async_end::destroy_then_recv) {
      auto m = rx.recv();  // the destroyed coroutine took nothing
      note(m);
    }
  }
  out.reset();  // the received message, if the coroutine got it, is destroyed here
  drop(rx);
  if constexpr (S == oneshot_tx::send) {
    if (E != oneshot_async_end::destroy_then_drop) SLUICE_VERIFY(accepted && received && !closed);
    if (received) SLUICE_VERIFY(accepted);
    SLUICE_VERIFY_LEDGER_CLOSED(led);
  } else {
    SLUICE_VERIFY(!received && led.destroyed(0) == 0);
    if (E != oneshot_async_end::destroy_then_drop) SLUICE_VERIFY(closed);
  }
}

// ---- watermark ------------------------------------------------------------------------------

// Sends messages [first, first + n) with async_send through `ex`; records each result.
template <class P>
scenario_coro watermark_async_producer(basic_watermark_source<msg, P>* src, slot_executor<P>* ex, ledger* led,
                                       int n, std::optional<result<void, errc>>* results) {
  for (int i = 0; i < n; ++i) results[i].emplace(co_await src->async_send(msg(*led, i, 0, i), *ex));
}

// Runs the coroutine's wake-ups on this (the owner's) thread until it is done.
template <class P>
void drive(scenario_coro& c, slot_executor<P>& ex) {
  while (!c.done()) ex.take_waiting().resume();  // only the owner resumes it, here
}

// watermark(1, 1): every async send pauses until the consumer drains the element. A coroutine
// producer sends two messages; a consumer thread receives until end-of-stream; a third thread
// (another source) calls finish(). Proves: an element whose send returned ok is received
// exactly once; a send refused after finish() says closed and its element is not received
// (destroyed once, with the frame); a suspended producer is resumed by the drain (a lost
// resume is a livelock of the owner's loop); end-of-stream comes after every enqueued element.
template <class P>
void watermark_async_producer_vs_draining_consumer_vs_finish_each_once(const config&) {
  constexpr int n = 2;
  ledger led(n);
  auto ch = basic_watermark<msg, P>(1, 1);
  auto finisher = ch.first.make_additional_source();
  int last_seq = -1;  // consumer thread only, read after join
  auto tc = harness<P>::spawn([&, c = std::move(ch.second)]() mutable {
    for (;;) {
      auto m = c.recv();
      if (!m.has_value()) {
        SLUICE_VERIFY(m.error().code == errc::closed && !m.error().error);
        break;
      }
      take<P>(led, *m);
      SLUICE_VERIFY(m->seq() > last_seq);
      last_seq = m->seq();
    }
  });
  auto tf = harness<P>::spawn([&, f = std::move(finisher)]() mutable { f.finish(); });
  std::optional<result<void, errc>> results[n];
  slot_executor<P> ex;
  {
    scenario_coro c = watermark_async_producer<P>(&ch.first, &ex, &led, n, results);
    drive<P>(c, ex);
  }
  tc.join();
  tf.join();
  drop(ch.first);
  for (int i = 0; i < n; ++i) {
    SLUICE_VERIFY(results[i].has_value());
    if (results[i]->has_value()) {
      SLUICE_VERIFY(led.received(i) == 1);
    } else {
      SLUICE_VERIFY(results[i]->error() == errc::closed);  // refused after finish()
      SLUICE_VERIFY(led.received(i) == 0);
    }
  }
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

// watermark(1, 1): a coroutine producer's send pauses; the consumer is dropped by another
// thread. Proves: the send ends with closed (woken by the drop, or refused after it), the
// element is destroyed exactly once and never received, the termination callback runs once.
template <class P>
void watermark_async_producer_suspended_vs_consumer_drop_ends_closed(const config&) {
  ledger led(1);
  auto ch = basic_watermark<msg, P>(1, 1);
  int terminations = 0;  // run by the dropping thread, read after join
  ch.first.set_on_termination([&] { ++terminations; });
  auto tc = harness<P>::spawn([c = std::move(ch.second)]() mutable { drop(c); });
  std::optional<result<void, errc>> results[1];
  slot_executor<P> ex;
  {
    scenario_coro c = watermark_async_producer<P>(&ch.first, &ex, &led, 1, results);
    drive<P>(c, ex);
  }
  tc.join();
  SLUICE_VERIFY(results[0].has_value() && !results[0]->has_value());
  SLUICE_VERIFY(results[0]->error() == errc::closed);
  SLUICE_VERIFY(terminations == 1);
  drop(ch.first);
  SLUICE_VERIFY(led.received(0) == 0);
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

// The consumer is a coroutine (async_recv through the owner's executor); a producer thread
// try_sends two elements and drops its source (= finish()). Proves: the coroutine receives
// both, in order, then end-of-stream; no wake-up of the consumer is lost.
template <class P>
scenario_coro watermark_async_consumer(basic_watermark_consumer<msg, P>* rx, slot_executor<P>* ex, ledger* led,
                                       int* got, bool* ended) {
  for (;;) {
    auto m = co_await rx->async_recv(*ex);
    if (!m.has_value()) {
      SLUICE_VERIFY(m.error().code == errc::closed && !m.error().error);
      *ended = true;
      co_return;
    }
    take<P>(*led, *m);
    SLUICE_VERIFY(m->seq() == *got);
    ++*got;
  }
}

template <class P>
void watermark_async_consumer_vs_producer_then_finish_gets_all_then_end(const config&) {
  constexpr int n = 2;
  ledger led(n);
  auto ch = basic_watermark<msg, P>(1, 2);
  auto tp = harness<P>::spawn([&, s = std::move(ch.first)]() mutable {
    for (int i = 0; i < n; ++i) SLUICE_VERIFY(s.try_send(msg(led, i, 0, i)).has_value());
    drop(s);  // the last source: finish()
  });
  int got = 0;
  bool ended = false;
  slot_executor<P> ex;
  {
    scenario_coro c = watermark_async_consumer<P>(&ch.second, &ex, &led, &got, &ended);
    drive<P>(c, ex);
  }
  tp.join();
  SLUICE_VERIFY(ended && got == n);
  drop(ch.second);
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

// ---- broadcast --------------------------------------------------------------------------------

// Receives until closed with async_recv through `ex`; every value must be the next expected.
template <class P>
scenario_coro broadcast_async_reader(basic_broadcast_receiver<int, P>* rx, slot_executor<P>* ex, int* got,
                                     bool* ended) {
  for (;;) {
    auto m = co_await rx->async_recv(*ex);
    if (!m.has_value()) {
      SLUICE_VERIFY(m.error().code == errc::closed);
      *ended = true;
      co_return;
    }
    SLUICE_VERIFY(*m == *got);
    ++*got;
  }
}

// Block policy, cap 1: a sender thread sends 0..n-1 and drops; a coroutine receiver (the main
// thread's executor) and a thread receiver (its clone) receive until closed. Proves: each sees
// every message once, in order, then closed; the sender's waits for the slower receiver and
// the coroutine's waits are always woken (a lost wake-up is a deadlock or livelock).
template <class P>
void broadcast_async_receiver_and_thread_receiver_each_see_all_in_order(const config& cfg) {
  const int n = cfg.per_producer + 1;  // at least two: the second waits for the cap-1 ring
  auto ch = basic_broadcast<int, P>(1, overflow::block);
  auto rx2 = ch.second;
  int got2 = 0;
  auto t2 = harness<P>::spawn([&, r = std::move(rx2)]() mutable {
    for (;;) {
      auto m = r.recv();
      if (!m.has_value()) {
        SLUICE_VERIFY(m.error().code == errc::closed);
        return;
      }
      SLUICE_VERIFY(*m == got2);
      ++got2;
    }
  });
  auto ts = harness<P>::spawn([n, s = std::move(ch.first)]() mutable {
    for (int i = 0; i < n; ++i) SLUICE_VERIFY(s.send(int(i)).has_value());
  });
  int got = 0;
  bool ended = false;
  slot_executor<P> ex;
  {
    scenario_coro c = broadcast_async_reader<P>(&ch.second, &ex, &got, &ended);
    drive<P>(c, ex);
  }
  ts.join();
  t2.join();
  SLUICE_VERIFY(ended && got == n && got2 == n);
}

// Sends 0..n-1 with async_send through `ex`.
template <class P>
scenario_coro broadcast_async_writer(basic_broadcast_sender<int, P>* tx, slot_executor<P>* ex, int n, bool* all_ok) {
  for (int i = 0; i < n; ++i) {
    auto r = co_await tx->async_send(int(i), *ex);
    if (!r.has_value()) *all_ok = false;
  }
}

// Block policy, cap 1: a coroutine sender (the main thread's executor) sends 0..n-1, waiting
// while the ring is full, then the sender is dropped; two thread receivers receive until
// closed. Proves: every async send completes (woken by the slower receiver's read), each
// receiver sees every message once, in order, then closed.
template <class P>
void broadcast_async_sender_vs_two_receivers_each_see_all_in_order(const config& cfg) {
  const int n = cfg.per_producer + 1;  // at least two: the second waits for the cap-1 ring
  auto ch = basic_broadcast<int, P>(1, overflow::block);
  auto rx2 = ch.second;
  int got[2] = {0, 0};
  auto reader = [&got](basic_broadcast_receiver<int, P>& r, int k) {
    for (;;) {
      auto m = r.recv();
      if (!m.has_value()) {
        SLUICE_VERIFY(m.error().code == errc::closed);
        return;
      }
      SLUICE_VERIFY(*m == got[k]);
      ++got[k];
    }
  };
  auto t1 = harness<P>::spawn([&, r = std::move(ch.second)]() mutable { reader(r, 0); });
  auto t2 = harness<P>::spawn([&, r = std::move(rx2)]() mutable { reader(r, 1); });
  bool all_ok = true;
  slot_executor<P> ex;
  {
    scenario_coro c = broadcast_async_writer<P>(&ch.first, &ex, n, &all_ok);
    drive<P>(c, ex);
  }
  drop(ch.first);  // the last sender: closed after the receivers drain
  t1.join();
  t2.join();
  SLUICE_VERIFY(all_ok && got[0] == n && got[1] == n);
}

#endif  // SLUICE_VERIF_NO_COROUTINE_SCENARIOS

template <class P, class Table>
void add_kinds_async_scenarios([[maybe_unused]] Table& out) {
#ifndef SLUICE_VERIF_NO_COROUTINE_SCENARIOS
  // Each with its kind's tags: oneshot light (exhaustive), watermark and broadcast heavy (a
  // spin lock whose retries the exhaustive search cannot finish: sampled).
  auto add_oneshot = [&](const char* name, void (*fn)(const config&)) {
    out.push_back({name, fn, "oneshot", "", weight::light});
  };
  auto add_watermark = [&](const char* name, void (*fn)(const config&)) {
    out.push_back({name, fn, "watermark", "", weight::heavy});
  };
  auto add_broadcast = [&](const char* name, void (*fn)(const config&)) {
    out.push_back({name, fn, "broadcast", "", weight::heavy});
  };
  using tx = oneshot_tx;
  using end = oneshot_async_end;
  add_oneshot("oneshot_async_send_vs_inline_await_delivers_once_with_happens_before",
      &oneshot_async_await_ends_message_exactly_once<P, tx::send, end::inline_resume>);
  add_oneshot("oneshot_async_drop_vs_inline_await_ends_closed",
      &oneshot_async_await_ends_message_exactly_once<P, tx::drop, end::inline_resume>);
  add_oneshot("oneshot_async_send_vs_await_outliving_its_receiver_delivers_once",
      &oneshot_async_await_ends_message_exactly_once<P, tx::send, end::handle_dropped>);
  add_oneshot("oneshot_async_drop_vs_await_outliving_its_receiver_ends_closed",
      &oneshot_async_await_ends_message_exactly_once<P, tx::drop, end::handle_dropped>);
  add_oneshot("oneshot_async_send_vs_stop_cancelled_await_never_loses",
      &oneshot_async_await_ends_message_exactly_once<P, tx::send, end::stop>);
  add_oneshot("oneshot_async_drop_vs_stop_cancelled_await_ends_closed_or_cancelled",
      &oneshot_async_await_ends_message_exactly_once<P, tx::drop, end::stop>);
  add_oneshot("oneshot_async_send_vs_await_destroyed_then_recv_exactly_once",
      &oneshot_async_await_ends_message_exactly_once<P, tx::send, end::destroy_then_recv>);
  add_oneshot("oneshot_async_send_vs_await_destroyed_then_receiver_drop_exactly_once",
      &oneshot_async_await_ends_message_exactly_once<P, tx::send, end::destroy_then_drop>);
  add_oneshot("oneshot_async_drop_vs_await_destroyed_frees_once",
      &oneshot_async_await_ends_message_exactly_once<P, tx::drop, end::destroy_then_recv>);
  add_watermark("watermark_async_producer_vs_draining_consumer_vs_finish_each_once",
      &watermark_async_producer_vs_draining_consumer_vs_finish_each_once<P>);
  add_watermark("watermark_async_producer_suspended_vs_consumer_drop_ends_closed",
      &watermark_async_producer_suspended_vs_consumer_drop_ends_closed<P>);
  add_watermark("watermark_async_consumer_vs_producer_then_finish_gets_all_then_end",
      &watermark_async_consumer_vs_producer_then_finish_gets_all_then_end<P>);
  add_broadcast("broadcast_async_receiver_and_thread_receiver_each_see_all_in_order",
      &broadcast_async_receiver_and_thread_receiver_each_see_all_in_order<P>);
  add_broadcast("broadcast_async_sender_vs_two_receivers_each_see_all_in_order",
      &broadcast_async_sender_vs_two_receivers_each_see_all_in_order<P>);
#endif
}

}  // namespace sluice::verif
