// sluice/watermark.hpp — multi-producer, single-consumer channel with watermark backpressure.
//
//   auto [src, rx] = sluice::watermark<T>(low, high);               // count of elements
//   auto [src, rx] = sluice::watermark<T>(low, high, weight);       // weight(const T&) each
//   auto [src, rx] = sluice::watermark_unbounded<T>();              // never pushes back
//
// Reference: Swift's MultiProducerSingleConsumerAsyncChannel (swift-async-algorithms), its
// model re-derived for threads and coroutines. Backpressure is SOFT: a send always enqueues
// (unless the channel is terminated) and reports whether to produce more.
//   level  = sum of the buffered elements' weights (1 each without a weight function)
//   paused = set when a send makes level >= high, cleared when a receive makes level < low
//            (between them the previous decision stands); 1 <= low <= high or length_error
// Producers (sources; a copy or make_additional_source() is another):
//   try_send(v)            enqueue; produce_more, or a callback_token while paused
//   enqueue_callback(t, f) f(nullopt) once the level falls below low (at once if it has),
//                          f(errc::closed) if the consumer goes first, f(errc::cancelled)
//                          after cancel_callback(t)
//   send(v, f)             try_send + enqueue_callback (f(nullopt) at once when producing more)
//   send(v), send(v, stop), send_for, send_until, async_send*: enqueue, then wait while paused
//   send_range(r)          enqueue every element, then report like try_send
//   finish() / finish(e)   the consumer receives what is buffered, then end-of-stream
//                          (errc::closed, no error) or the exception_ptr `e`
//   close()                finish() from either side that also wakes paused sends and
//                          callbacks (errc::closed); is_disconnected() on either side
//   set_on_termination(f)  f() runs once when the consumer is dropped (at once if it is gone);
//                          later sends fail with errc::closed and hand the value back
// The last source dropped = finish(). Exactly one consumer (move-only). The async forms follow
// sluice/async.hpp and wait in the blocking forms' slots (the pending list, the consumer slot)
// through kind_wait.hpp; destroying a waiting coroutine loses nothing (a send's element is
// already enqueued, a receive takes nothing).
//
// Happens-before: if X sends an element Y's receive returns, what X did before the send is
// visible to Y after it; a callback or send resumed by a receive sees what the consumer did.
//
// Synchronization: one short spin lock (detail::spin_lock, guarded.hpp [S1]/[S2]) guards the
// buffer, the level, the flags and the callback list: [K1] lock = acquire, [K2] unlock =
// release; every cell access is under it. Callbacks run OUTSIDE the lock, on the thread whose
// receive (or drop, cancel, enqueue) released them. A blocked party (the consumer, a waiting
// send) waits on a detail::waiter that a notifier claims UNDER the lock and notifies after
// unlocking; one that gave up (timeout, stop, destruction) first claims itself, or waits for
// the claimer's notify(), and unqueues itself under the lock, so a notifier never touches a
// departed waiter (waiter.hpp). The buffer is a std::deque (std::allocator, not platform
// memory) of stored_t (message.hpp: boxed over 16 KiB). An async operation owns its side: a
// send a copy of its source, a receive a counted reference to the consumer side
// (consumer_refs, under the lock); the consumer side terminates when the last of those goes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <stop_token>
#include <utility>

#include "sluice/detail/blocking.hpp"
#include "sluice/detail/forms.hpp"
#include "sluice/detail/handle.hpp"
#include "sluice/detail/kind_wait.hpp"
#include "sluice/detail/message.hpp"
#include "sluice/detail/status.hpp"
#include "sluice/detail/waiter.hpp"
#include "sluice/detail/watermark_state.hpp"
#include "sluice/platform.hpp"
#include "sluice/result.hpp"
#include "sluice/std_platform.hpp"

namespace sluice {
// A receive that found no element: errc::empty (try_recv), timed_out, cancelled, or closed —
// closed with `error` null is the end of the stream, with `error` set a finish(error).
struct watermark_error {
  errc code;
  std::exception_ptr error{};
};

template <class T> using watermark_result = result<T, watermark_error>;

namespace detail {
// The consumer handle's, and each async receive's, counted reference to the consumer side.
template <class T, class P>
using watermark_consumer_ref = owned_ref<watermark_state<T, P>*, counted_by<&watermark_state<T, P>::release_consumer,
                                                                            &watermark_state<T, P>::retain_consumer>>;
// A source's reference: the state and the source's id (for its termination callback); a
// copy is another source.
template <class T, class P>
struct source_ptr {
  watermark_state<T, P>* s = nullptr;
  std::uint64_t id = 0;
  explicit operator bool() const noexcept { return s != nullptr; }
};
template <class T, class P>
struct source_side {
  static void release(const source_ptr<T, P>& v) noexcept { v.s->drop_source(v.id); }
  static source_ptr<T, P> clone(const source_ptr<T, P>& v) { return {v.s, v.s->add_source()}; }
};
template <class T, class P>
using watermark_source_ref = shared_ref<source_ptr<T, P>, source_side<T, P>>;

// The consumer's async receive: try; else wait in the consumer slot for a producer's (or
// finish's) wake-up, which means "look again". Destroyed while waiting, it takes nothing.
template <class T, class P>
async_op<watermark_result<T>, P> watermark_async_recv_body(watermark_consumer_ref<T, P> rx, std::stop_token stop,
                                                           deadline_spec<P> deadline) {
  watermark_state<T, P>* const s = rx.get();
  deadline_guard<P> guard(deadline);
  for (;;) {
    uninit<stored_t<T, P>> out;
    std::exception_ptr error;
    const status st = s->try_recv(out, error);
    if (st == status::ok) co_return take_received<T, P>(out);
    if (st == status::closed) co_return error_from{[&] { return watermark_error{errc::closed, std::move(error)}; }};
    const std::uintptr_t sel = co_await wait_on<P>([s](wait_entry<P>& e) { return s->register_consumer(*e.w); },
                                                   [s](wait_entry<P>& e) { s->unregister_consumer(*e.w); }, &stop, &guard);
    if (const std::optional<status> gave_up = wait_gave_up(sel))
      co_return error_from{[e = to_errc(*gave_up)] { return watermark_error{e}; }};
  }
}

// A producer's async send: enqueue, then, if the channel paused, wait in the pending list until
// the level falls below low. A stop or the coroutine's destruction ends only the wait (the
// element stays).
template <class T, class P, class Source>
async_op<result<void, errc>, P> watermark_async_send_body(Source src, stored_t<T, P> v, std::stop_token stop,
                                                          deadline_spec<P> deadline) {
  using R = result<void, errc>;
  watermark_state<T, P>* const s = src.native_state();
  deadline_guard<P> guard(deadline);
  send_outcome out{};
  if (s->enqueue([&](const auto& g) { s->push_locked(g, std::move(v)); }, out) != status::ok) co_return R(in_place_error, errc::closed);
  if (out.produce_more) co_return R();
  status early = status::empty;  // why it did not need to wait (ok, closed)
  const std::uintptr_t sel =
      co_await wait_on<P>([&](wait_entry<P>& e) { return s->register_producer(out.token, *e.w, early); },
                          [s](wait_entry<P>& e) { s->unregister_producer(*e.w); }, &stop, &guard);
  const status st =
      sel == sel_aborted ? early : wait_gave_up(sel).value_or(watermark_state<T, P>::resumed_status(sel));
  if (st == status::ok) co_return R();
  co_return R(in_place_error, to_errc(st));
}
}  // namespace detail

// A producer. Copyable: a copy (or make_additional_source()) is another producer; the last
// one dropped finishes the channel.
template <class T, platform P = std_platform>
class basic_watermark_source : public detail::handle<detail::watermark_source_ref<T, P>>,
                               public detail::send_forms<basic_watermark_source<T, P>, T, P> {
  static_assert(detail::message_type<T>, "sluice: a message must be a movable, non-const object type");
  using state = detail::watermark_state<T, P>;
  using stored = detail::stored_t<T, P>;
  using base = detail::handle<detail::watermark_source_ref<T, P>>;
  using forms = detail::send_forms<basic_watermark_source<T, P>, T, P>;

 public:
  using value_type = T;
  using time_point = typename P::clock::time_point;
  using try_result = result<send_outcome, send_error<T>>;

  basic_watermark_source() noexcept = default;

  basic_watermark_source make_additional_source() const { return basic_watermark_source(*this); }

  // Enqueues, never blocking; produce_more, or a token while paused. errc::closed (the value
  // handed back) once finished or the consumer is gone.
  template <detail::sendable<T> U = T>
  try_result try_send(U&& v) const {
    this->check("try_send");
    stored st = detail::to_stored<T, P>(std::forward<U>(v));
    send_outcome out{};
    if (enqueue(st, out) == detail::status::ok) return try_result(std::in_place, out);
    return detail::handed_back<T, P>(errc::closed, st);
  }
  // Enqueues, then calls f: at once with nullopt when producing more, else once the level
  // falls below low (nullopt), or with errc::closed if the consumer goes first.
  template <detail::sendable<T> U = T>
  send_result<T> send(U&& v, produce_more_callback f) const {
    state* s = this->check("send").s;
    stored st = detail::to_stored<T, P>(std::forward<U>(v));
    send_outcome out{};
    if (enqueue(st, out) != detail::status::ok) return detail::handed_back<T, P>(errc::closed, st);
    if (out.produce_more) {
      if (f) f(std::nullopt);
    } else {
      s->enqueue_callback(out.token, std::move(f));
    }
    return send_result<T>();
  }
  // The waiting forms (detail/forms.hpp: send(v), send(v, stop), send_for, send_until, async)
  // enqueue, then wait while paused; the value stays enqueued whatever ends the wait, so they
  // return result<void, errc>: ok, or why the wait ended (closed also when not enqueued: the
  // channel finished or the consumer gone, and the value destroyed).
  using forms::send;

  // Enqueues every element of `r` (all or, if the channel is terminated, none), then reports
  // like try_send. If moving an element throws, the elements before it stay enqueued.
  template <class R>
  result<send_outcome, errc> send_range(R&& r) const {
    state* s = this->check("send_range").s;
    send_outcome out{};
    const detail::status st = s->enqueue(
        [&](const auto& g) {
          for (auto&& e : r) s->push_locked(g, detail::to_stored<T, P>(std::forward<decltype(e)>(e)));
        },
        out);
    if (st != detail::status::ok) return result<send_outcome, errc>(in_place_error, errc::closed);
    return result<send_outcome, errc>(std::in_place, out);
  }

  void enqueue_callback(callback_token t, produce_more_callback f) const {
    this->check("enqueue_callback").s->enqueue_callback(t, std::move(f));
  }
  // A pending callback runs now with errc::cancelled (no-op if it already ran).
  void cancel_callback(callback_token t) const { this->check("cancel_callback").s->cancel_callback(t); }

  // The consumer receives everything buffered, then end-of-stream (or `error`).
  void finish() const { this->check("finish").s->finish(nullptr); }
  void finish(std::exception_ptr error) const { this->check("finish").s->finish(std::move(error)); }
  // finish() that also wakes every paused send and callback with errc::closed; the consumer
  // still receives what is buffered. Returns whether this call finished the channel.
  bool close() const { return this->check("close").s->close(); }
  // Whether a send would fail: finished, or the consumer is gone. A snapshot.
  bool is_disconnected() const { return this->check("is_disconnected").s->disconnected(true); }

  // f() runs once when the consumer is dropped (at once if it already is). Replaces this
  // source's previous callback; dropped with the source.
  void set_on_termination(std::function<void()> f) const {
    const auto& r = this->check("set_on_termination");
    r.s->set_on_termination(r.id, std::move(f));
  }
  // For the async layer: the shared state.
  state* native_state() const noexcept { return this->ref_.get().s; }

 private:
  friend forms;
  friend struct detail::handle_access;
  explicit basic_watermark_source(state* s) noexcept : base(detail::watermark_source_ref<T, P>({s, 1})) {}

  template <class U>
  detail::async_op<result<void, errc>, P> async_send_with(U&& v, std::stop_token stop,
                                                          detail::deadline_spec<P> deadline) const {
    this->check("async_send");
    return detail::watermark_async_send_body<T, P>(
        basic_watermark_source(*this), detail::to_stored<T, P>(std::forward<U>(v)), std::move(stop), deadline);
  }
  // Enqueues a stored element; on closed it stays in `st`.
  detail::status enqueue(stored& st, send_outcome& out) const {
    state* s = this->ref_.get().s;
    return s->enqueue([&](const auto& g) { s->push_locked(g, std::move(st)); }, out);
  }

  template <class U>
  result<void, errc> send_with(U&& v, bool, const time_point* deadline, const std::stop_token* stop) const {
    state* s = this->check("send").s;
    send_outcome out{};
    {
      stored st = detail::to_stored<T, P>(std::forward<U>(v));
      if (enqueue(st, out) != detail::status::ok) return result<void, errc>(in_place_error, errc::closed);
    }
    if (out.produce_more) return result<void, errc>();
    const detail::status st = detail::block_one<P>([&] { return typename state::resume_port{*s, out.token}; }, deadline, stop);
    if (st == detail::status::ok) return result<void, errc>();
    return result<void, errc>(in_place_error, detail::to_errc(st));
  }
};

// The one consumer: move-only. Dropping it (and every async receive made from it) terminates
// the channel for every producer.
template <class T, platform P = std_platform>
class basic_watermark_consumer : public detail::handle<detail::watermark_consumer_ref<T, P>>,
                                 public detail::recv_forms<basic_watermark_consumer<T, P>, P> {
  using state = detail::watermark_state<T, P>;
  using stored = detail::stored_t<T, P>;
  using base = detail::handle<detail::watermark_consumer_ref<T, P>>;

 public:
  using value_type = T;
  using time_point = typename P::clock::time_point;

  basic_watermark_consumer() noexcept = default;

  // The forms (detail/forms.hpp): the next element; errc::closed at the end of the stream
  // (with `error` set after finish(error)); a destroyed waiting async receive takes nothing.

  std::size_t level() const { return this->check("level")->level(); }
  std::size_t len() const { return this->check("len")->len(); }
  // Closes the channel from the consumer's side (as the source's close()).
  bool close() const { return this->check("close")->close(); }
  // Whether the stream is finished (what is buffered is all that will come). A snapshot.
  bool is_disconnected() const { return this->check("is_disconnected")->disconnected(false); }

 private:
  friend class detail::recv_forms<basic_watermark_consumer, P>;
  friend struct detail::handle_access;
  explicit basic_watermark_consumer(state* s) noexcept : base(detail::watermark_consumer_ref<T, P>(s)) {}

  detail::async_op<watermark_result<T>, P> async_recv_with(std::stop_token stop,
                                                           detail::deadline_spec<P> deadline) const {
    this->check("async_recv");
    return detail::watermark_async_recv_body<T, P>(this->ref_.another(), std::move(stop), deadline);
  }
  watermark_result<T> recv_with(bool block, const time_point* deadline, const std::stop_token* stop) const {
    state* s = this->check(block ? "recv" : "try_recv");
    detail::uninit<stored> out;
    std::exception_ptr error;
    const detail::status st = block ? detail::block_one<P>([&] { return typename state::recv_port{*s, out, error}; }, deadline, stop)
                                    : s->try_recv(out, error);
    if (st != detail::status::ok)
      return watermark_result<T>(in_place_error, watermark_error{detail::to_errc(st), std::move(error)});
    return detail::take_received<T, P>(out);
  }
};

template <class T, platform P>
std::pair<basic_watermark_source<T, P>, basic_watermark_consumer<T, P>> make_watermark_pair(
    detail::watermark_state<T, P>* s) {
  return {detail::handle_access::make<basic_watermark_source<T, P>>(s),
          detail::handle_access::make<basic_watermark_consumer<T, P>>(s)};
}

// Backpressure: pause at level >= high, resume below low; the level counts elements, or
// weight(element) each with a weight function (e.g. its size in bytes).
template <class T, platform P = std_platform>
std::pair<basic_watermark_source<T, P>, basic_watermark_consumer<T, P>> basic_watermark(
    std::size_t low, std::size_t high, std::function<std::size_t(const T&)> weight = {}) {
  return make_watermark_pair<T, P>(detail::watermark_state<T, P>::create(low, high, std::move(weight), false));
}
// No backpressure: every send reports produce_more.
template <class T, platform P = std_platform>
std::pair<basic_watermark_source<T, P>, basic_watermark_consumer<T, P>> basic_watermark_unbounded() {
  return make_watermark_pair<T, P>(detail::watermark_state<T, P>::create(0, 0, {}, true));
}

template <class T> using watermark_source = basic_watermark_source<T, std_platform>;
template <class T> using watermark_consumer = basic_watermark_consumer<T, std_platform>;

template <class T>
std::pair<watermark_source<T>, watermark_consumer<T>> watermark(std::size_t low, std::size_t high,
                                                                std::function<std::size_t(const T&)> weight = {}) {
  return basic_watermark<T, std_platform>(low, high, std::move(weight));
}
template <class T>
std::pair<watermark_source<T>, watermark_consumer<T>> watermark_unbounded() { return basic_watermark_unbounded<T, std_platform>(); }
}  // namespace sluice
