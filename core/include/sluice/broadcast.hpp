// sluice/broadcast.hpp — every receiver sees every message sent after it subscribed.
//
//   auto [tx, rx] = sluice::broadcast<T>(cap);                          // block the sender
//   auto [tx, rx] = sluice::broadcast<T>(cap, sluice::overflow::overwrite_oldest);
//   auto rx2 = rx;              // a clone continues from rx's position
//   auto rx3 = tx.subscribe();  // sees messages sent from now on
//
// Happens-before: for any threads X and Y, if X calls send() with a message and Y's receive
// returns that message (or a copy of it), everything X did before send() is visible to Y
// after the receive returns.
//
// Overflow policy, chosen at creation:
//   overflow::block             a full buffer (cap messages some receiver has not read yet)
//                               blocks send; the slowest receiver sets the pace; try_send
//                               reports errc::full.
//   overflow::overwrite_oldest  send never blocks: it drops the oldest message. A receiver
//                               that had not read it gets errc::lagged with the number it
//                               missed (tokio's RecvError::Lagged(n)), and its next
//                               receive continues at the oldest message still held.
//
// Shared or copied: each message is stored ONCE, in the ring, with a count of the receivers
// that still have to read it. Every reader but the last gets a copy (made under the channel's
// lock); the last reader moves it out, and then the slot is free. So T must be copyable, a
// single receiver never copies, and memory is cap messages whatever the receiver count.
// Copies rather than shared references (tokio hands out a read guard) because a C++ reader
// would otherwise hold a reference into a slot that an overwriting sender is about to reuse;
// a value per receiver has no lifetime to get wrong. Wrap T in a std::shared_ptr<const U> to
// share a large payload instead of copying it.
//
// Closing: the last sender gone, or close() on any handle, closes the channel; receivers drain
// what they have not read, then get closed. A send with no receiver alive fails with errc::closed and hands the message
// back (a sender may still subscribe() a new receiver afterwards, as in tokio).
//
// Algorithm and synchronization. tokio::sync::broadcast's design (a ring of slots, each with
// a position and a remaining-readers count; per-receiver positions; lag detected by position)
// credited by name; simplified here to ONE short spin lock (detail::spin_lock, guarded.hpp
// [S1]/[S2]) that guards the ring, the counts and the wait queues. Every cell access is under
// it, so the lock's acquire/release is the only synchronization edge:
//   [K1] lock (acquire, [S1]) — sees everything done under the lock by previous holders;
//   [K2] unlock (release, [S2]) — publishes the slot writes / count changes made under it.
// Blocking: a waiter is queued under the lock after the readiness check, and a sender or
// receiver that changes readiness claims every queued waiter of the other side under the
// same lock and notifies them after unlocking (waiter.hpp's lifetime rule); no wake-up can be
// lost because check-and-queue and change-and-claim are both under the lock. A claim only
// means "look again". Copies of T are made under the lock (a copy constructor that blocks on
// another broadcast's lock could deadlock; don't do that).
// Positions: 64-bit message numbers (head_ = oldest held, tail_ = next to write); slot index
// = position % cap. A receiver holds its own next position.
// Async (sluice/async.hpp): async_recv and async_send queue a coroutine waiter
// (detail/kind_wait.hpp) in the same queues, checked and queued under the same lock; a claim
// means "look again", as for a blocked thread.
#pragma once

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <new>
#include <stdexcept>
#include <stop_token>
#include <type_traits>
#include <utility>

#include "sluice/detail/async_forms.hpp"
#include "sluice/detail/async_op.hpp"
#include "sluice/detail/blocking.hpp"
#include "sluice/detail/broadcast_state.hpp"
#include "sluice/detail/deadline.hpp"
#include "sluice/detail/kind_wait.hpp"
#include "sluice/detail/message.hpp"
#include "sluice/detail/status.hpp"
#include "sluice/detail/waiter.hpp"
#include "sluice/platform.hpp"
#include "sluice/result.hpp"
#include "sluice/scheduler.hpp"
#include "sluice/std_platform.hpp"

namespace sluice {

// Why a broadcast receive failed: the common sluice::errc (empty, closed, timed_out,
// cancelled, lagged). errc::lagged: `missed` messages were overwritten before this receiver
// read them; the next receive continues at the oldest message still held.
struct broadcast_error {
  errc code;
  std::uint64_t missed = 0;  // > 0 only with errc::lagged
  std::uint64_t lagged_by() const noexcept { return missed; }  // tokio's Lagged(n): n
  friend bool operator==(const broadcast_error& e, errc c) noexcept { return e.code == c; }
};

// The former broadcast-only code; broadcast_errc::lagged is errc::lagged.
using broadcast_errc [[deprecated("use sluice::errc (broadcast's lag is errc::lagged)")]] = errc;

template <class T>
using broadcast_result = result<T, broadcast_error>;

namespace detail {

// A failed receive's status as the handle reports it (status::full is the internal code for
// lagged).
template <class T>
broadcast_result<T> broadcast_failure(status st, std::uint64_t missed) {
  if (st == status::full) return broadcast_result<T>(in_place_error, broadcast_error{errc::lagged, missed});
  return broadcast_result<T>(in_place_error, broadcast_error{to_errc(st), 0});
}

// A counted reference to a receiver's cursor: the receiver handle holds one, and so does each
// async receive made from it (taken when the operation is created).
template <class T, class P>
class broadcast_cursor_ref {
 public:
  using cursor = broadcast_cursor<P>;
  broadcast_cursor_ref() noexcept = default;
  broadcast_cursor_ref(broadcast_state<T, P>* s, cursor* c) noexcept : s_(s), c_(c) {}  // adopts
  broadcast_cursor_ref(broadcast_cursor_ref&& o) noexcept
      : s_(std::exchange(o.s_, nullptr)), c_(std::exchange(o.c_, nullptr)) {}
  broadcast_cursor_ref& operator=(broadcast_cursor_ref&& o) noexcept {
    broadcast_cursor_ref gone(std::move(*this));
    s_ = std::exchange(o.s_, nullptr);
    c_ = std::exchange(o.c_, nullptr);
    return *this;
  }
  ~broadcast_cursor_ref() {
    if (s_) s_->release_cursor(c_);
  }
  broadcast_cursor_ref another() const noexcept {
    s_->retain_cursor(c_);
    return broadcast_cursor_ref(s_, c_);
  }
  broadcast_state<T, P>* state() const noexcept { return s_; }
  std::uint64_t& pos() const noexcept { return c_->pos; }

 private:
  broadcast_state<T, P>* s_ = nullptr;
  cursor* c_ = nullptr;
};

// Async ports (kind_wait.hpp). Every wake-up here is "look again" (a sender or a
// receiver claims the whole other side), so a destroyed waiter has nothing to pass on.
template <class T, class P>
struct broadcast_async_port : deciding_port {
  broadcast_state<T, P>* s;
  std::uint64_t pos;  // a receiver's position (unused by a sender)
  bool sender;
  broadcast_async_port(broadcast_state<T, P>* st, std::uint64_t p, bool snd) noexcept : s(st), pos(p), sender(snd) {}
  bool enroll(wait_entry<P>& e) noexcept { return sender ? s->register_sender(e) : s->register_receiver(pos, e); }
  void withdraw(wait_entry<P>& e) noexcept { s->unregister(e, sender); }
};

// A receiver's async receive, from its cursor (shared with the receiver handle, which it keeps
// alive: `rx`).
template <class T, class P>
async_op<broadcast_result<T>, P> broadcast_async_recv_body(broadcast_cursor_ref<T, P> rx, std::stop_token stop,
                                                           deadline_spec<P> deadline) {
  using S = stored_t<T, P>;
  broadcast_state<T, P>* const s = rx.state();
  deadline_guard<P> guard(deadline);
  for (;;) {
    uninit<S> out;
    std::uint64_t missed = 0;
    const status st = s->try_recv(rx.pos(), out, missed);
    if (st == status::ok) {
      // Built in the promise, moved once from `out` (no temporary on a resuming thread's stack).
      destroy_at_exit<S> done{out};
      co_return value_from{[&]() -> T { return std::move(stored_value<T, P>(*out.get())); }};
    }
    if (st != status::empty) co_return broadcast_failure<T>(st, missed);
    const std::uintptr_t sel = co_await kind_wait<P, broadcast_async_port<T, P>>(
        broadcast_async_port<T, P>(s, rx.pos(), false), &stop, &guard);
    if (const std::optional<status> gave_up = wait_gave_up(sel)) co_return broadcast_failure<T>(*gave_up, 0);
  }
}

// An async send: the message lives in this frame until the ring takes it, so a destroyed
// waiting send destroys it exactly once, and a cancelled or timed-out one hands it back. The
// operation owns a copy of its sender (`tx`): the channel stays open on that side until it goes.
template <class T, class P, class Sender>
async_op<send_result<T>, P> broadcast_async_send_body(Sender tx, stored_t<T, P> msg, std::stop_token stop,
                                                      deadline_spec<P> deadline) {
  broadcast_state<T, P>* const s = tx.native_state();
  deadline_guard<P> guard(deadline);
  // The error is built in the promise (no temporary on the resuming thread's stack).
  auto fail = [&](errc e) {
    return error_from{[&msg, e] { return send_error<T>{e, from_stored<T, P>(std::move(msg))}; }};
  };
  for (;;) {
    const status st = s->try_send(msg);
    if (st == status::ok) co_return send_result<T>();
    if (st == status::closed) co_return fail(errc::closed);
    const std::uintptr_t sel =
        co_await kind_wait<P, broadcast_async_port<T, P>>(broadcast_async_port<T, P>(s, 0, true), &stop, &guard);
    if (const std::optional<status> gave_up = wait_gave_up(sel)) co_return fail(to_errc(*gave_up));
  }
}

}  // namespace detail

template <class T, platform P>
class basic_broadcast_sender;
template <class T, platform P>
class basic_broadcast_receiver;

template <class T, platform P = std_platform>
std::pair<basic_broadcast_sender<T, P>, basic_broadcast_receiver<T, P>> basic_broadcast(
    std::size_t cap, overflow policy = overflow::block);

// The sending half: copyable (a copy is another sender).
template <class T, platform P = std_platform>
class basic_broadcast_sender : public detail::async_send_forms<basic_broadcast_sender<T, P>, T, P> {
  static_assert(detail::message_type<T> && std::is_copy_constructible_v<T>,
                "sluice::broadcast: a message must be a copyable object type (each receiver gets one)");
  using state = detail::broadcast_state<T, P>;
  using stored = detail::stored_t<T, P>;

 public:
  using value_type = T;
  using time_point = typename P::clock::time_point;

  basic_broadcast_sender() noexcept = default;
  basic_broadcast_sender(const basic_broadcast_sender& o) noexcept : s_(o.s_) {
    if (s_) s_->add_sender();
  }
  basic_broadcast_sender(basic_broadcast_sender&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  basic_broadcast_sender& operator=(basic_broadcast_sender o) noexcept {
    std::swap(s_, o.s_);
    return *this;
  }
  ~basic_broadcast_sender() {
    if (s_) s_->drop_sender();
  }

  bool valid() const noexcept { return s_ != nullptr; }
  explicit operator bool() const noexcept { return valid(); }

  // Every send takes its message by reference (U&&, a T by default: braces work) and stores
  // it (boxed when big, message.hpp) before the lock: no further copy on the stack.

  // Sends to every current receiver. Blocks while full (overflow::block); never blocks with
  // overflow::overwrite_oldest. errc::closed (message handed back) if no receiver is alive.
  template <class U = T>
    requires std::constructible_from<T, U>
  send_result<T> send(U&& msg) const {
    return send_impl("send", std::forward<U>(msg), nullptr, nullptr);
  }
  template <class U = T>
    requires std::constructible_from<T, U>
  send_result<T> send(U&& msg, std::stop_token stop) const {
    return send_impl("send", std::forward<U>(msg), nullptr, &stop);
  }
  template <class U = T>
    requires std::constructible_from<T, U>
  send_result<T> try_send(U&& msg) const {
    return send_impl("try_send", std::forward<U>(msg), nullptr, nullptr, false);
  }
  template <class U = T, class Rep, class Period>
    requires std::constructible_from<T, U>
  send_result<T> send_for(U&& msg, std::chrono::duration<Rep, Period> timeout) const {
    const time_point d = detail::deadline_after<P>(timeout);
    return send_impl("send_for", std::forward<U>(msg), &d, nullptr);
  }
  template <class U = T, class Clock, class Duration>
    requires std::constructible_from<T, U>
  send_result<T> send_until(U&& msg, std::chrono::time_point<Clock, Duration> deadline) const {
    const time_point d = detail::to_platform_time<P>(deadline);
    return send_impl("send_until", std::forward<U>(msg), &d, nullptr);
  }

  // co_await-able send (sluice/async.hpp): waits while full (overflow::block), like send().
  // Every form of detail/async_forms.hpp: async_send(msg, stop), async_send(msg, sched, stop),
  // async_send_for(msg, d, timer, stop), async_send_until(msg, t, timer, stop). errc::closed,
  // cancelled or timed_out hand the message back; destroying the coroutine while it waits
  // destroys the unsent message exactly once. The operation owns a copy of this sender: it may
  // be awaited after the caller's senders are gone.

  // A new receiver that sees every message sent from now on.
  basic_broadcast_receiver<T, P> subscribe() const {
    state* s = check("subscribe");
    return basic_broadcast_receiver<T, P>(s, s->subscribe());
  }

  // For the async layer: the shared state.
  state* native_state() const noexcept { return s_; }

  std::size_t receiver_count() const { return check("receiver_count")->receiver_count(); }
  std::size_t sender_count() const { return check("sender_count")->sender_count(); }
  std::size_t capacity() const { return check("capacity")->capacity(); }
  // Whether a send would fail: no receiver is alive, or the channel was closed. A snapshot.
  bool is_disconnected() const { return check("is_disconnected")->disconnected(true); }
  // Closes the channel from either side: later sends fail (errc::closed, message handed back),
  // blocked sends and receives wake; receivers still read what they have not read, then get
  // errc::closed. Returns whether this call closed it.
  bool close() const { return check("close")->close(); }

 private:
  friend class detail::async_send_forms<basic_broadcast_sender, T, P>;
  template <class U>
  detail::async_op<send_result<T>, P> async_send_with(U&& msg, std::stop_token stop,
                                                      detail::deadline_spec<P> deadline) const {
    check("async_send");
    return detail::broadcast_async_send_body<T, P>(
        basic_broadcast_sender(*this), detail::to_stored<T, P>(std::forward<U>(msg)), std::move(stop), deadline);
  }
  template <class U, platform Q>
  friend std::pair<basic_broadcast_sender<U, Q>, basic_broadcast_receiver<U, Q>> basic_broadcast(std::size_t, overflow);
  explicit basic_broadcast_sender(state* s) noexcept : s_(s) {}

  state* check(const char* op) const {
    if (!s_) throw empty_handle_error(op);
    return s_;
  }
  template <class U>
  send_result<T> send_impl(const char* op, U&& msg, const time_point* deadline, const std::stop_token* stop,
                           bool block = true) const {
    state* s = check(op);
    stored st = detail::to_stored<T, P>(std::forward<U>(msg));
    const detail::status r =
        block ? detail::block_one<P>(typename state::send_port{*s, st}, deadline, stop) : s->try_send(st);
    if (r == detail::status::ok) return send_result<T>();
    // Handed back in place: `st` is this operation's one copy of the message.
    return send_result<T>(in_place_error, detail::construct_with,
                          [&] { return send_error<T>{detail::to_errc(r), detail::from_stored<T, P>(std::move(st))}; });
  }

  state* s_ = nullptr;
};

// The receiving half: copyable; a copy continues from the same position. Not safe to use one
// receiver object from two threads at once (its position is its own); clone it instead.
template <class T, platform P = std_platform>
class basic_broadcast_receiver : public detail::async_recv_forms<basic_broadcast_receiver<T, P>, P> {
  using state = detail::broadcast_state<T, P>;
  using stored = detail::stored_t<T, P>;
  using cursor_ref = detail::broadcast_cursor_ref<T, P>;

 public:
  using value_type = T;
  using time_point = typename P::clock::time_point;

  basic_broadcast_receiver() noexcept = default;
  // A clone continues from this receiver's position (its cursor is allocated: may throw).
  basic_broadcast_receiver(const basic_broadcast_receiver& o)
      : ref_(o.valid() ? cursor_ref(o.ref_.state(), o.ref_.state()->clone_receiver(o.ref_.pos())) : cursor_ref()) {}
  basic_broadcast_receiver(basic_broadcast_receiver&&) noexcept = default;
  basic_broadcast_receiver& operator=(basic_broadcast_receiver o) noexcept {
    std::swap(ref_, o.ref_);
    return *this;
  }
  // Gives back its reference to the cursor: the last one (this, or an async receive made from
  // it) drops the receiver, and the messages nobody else will read are destroyed then.
  ~basic_broadcast_receiver() = default;

  bool valid() const noexcept { return ref_.state() != nullptr; }
  explicit operator bool() const noexcept { return valid(); }

  // The next message; lagged(n) if n were overwritten first (then the next call continues at
  // the oldest held); closed once every sender is gone and everything was read.
  broadcast_result<T> recv() { return recv_impl("recv", true, nullptr, nullptr); }
  broadcast_result<T> recv(std::stop_token stop) { return recv_impl("recv", true, nullptr, &stop); }
  broadcast_result<T> try_recv() { return recv_impl("try_recv", false, nullptr, nullptr); }
  template <class Rep, class Period>
  broadcast_result<T> recv_for(std::chrono::duration<Rep, Period> timeout) {
    const time_point d = detail::deadline_after<P>(timeout);
    return recv_impl("recv_for", true, &d, nullptr);
  }
  template <class Clock, class Duration>
  broadcast_result<T> recv_until(std::chrono::time_point<Clock, Duration> deadline) {
    const time_point d = detail::to_platform_time<P>(deadline);
    return recv_impl("recv_until", true, &d, nullptr);
  }

  // co_await-able receive (sluice/async.hpp): as recv(), for coroutines, in every form of
  // detail/async_forms.hpp (async_recv(stop), async_recv(sched, stop), async_recv_for(d,
  // timer, stop), async_recv_until(t, timer, stop)); errc::cancelled if `stop` fires first,
  // errc::timed_out at the deadline. Destroying the coroutine while it waits takes nothing (the
  // position stays). The operation shares this receiver's position and keeps it subscribed: it
  // may be awaited after this receiver is gone; meanwhile the receiver must not be used elsewhere.
  //   while (auto m = co_await rx.async_recv()) use(*m);   // stops at lagged too: check why

  // A new receiver at the newest position (sees only later messages), like tokio's resubscribe.
  basic_broadcast_receiver resubscribe() const {
    state* s = check("resubscribe");
    return basic_broadcast_receiver(s, s->subscribe());
  }
  // Messages this receiver has not read yet.
  std::size_t len() const { return check("len")->len(ref_.pos()); }
  bool is_empty() const { return len() == 0; }
  std::size_t receiver_count() const { return check("receiver_count")->receiver_count(); }
  // Whether no message can arrive any more: every sender is gone, or the channel was closed
  // (messages not read yet are still received). A snapshot.
  bool is_disconnected() const { return check("is_disconnected")->disconnected(false); }
  // Closes the channel (as the sender's close()). Returns whether this call closed it.
  bool close() const { return check("close")->close(); }

 private:
  friend class detail::async_recv_forms<basic_broadcast_receiver, P>;
  detail::async_op<broadcast_result<T>, P> async_recv_with(std::stop_token stop,
                                                           detail::deadline_spec<P> deadline) const {
    check("async_recv");
    return detail::broadcast_async_recv_body<T, P>(ref_.another(), std::move(stop), deadline);
  }
  friend class basic_broadcast_sender<T, P>;
  template <class U, platform Q>
  friend std::pair<basic_broadcast_sender<U, Q>, basic_broadcast_receiver<U, Q>> basic_broadcast(std::size_t, overflow);
  basic_broadcast_receiver(state* s, typename state::cursor* c) noexcept : ref_(s, c) {}

  state* check(const char* op) const {
    if (!valid()) throw empty_handle_error(op);
    return ref_.state();
  }

  broadcast_result<T> recv_impl(const char* op, bool block, const time_point* deadline,
                                const std::stop_token* stop) {
    state* s = check(op);
    detail::uninit<stored> out;
    std::uint64_t missed = 0;
    const detail::status st =
        block ? detail::block_one<P>(typename state::recv_port{*s, ref_.pos(), out, missed}, deadline, stop)
              : s->try_recv(ref_.pos(), out, missed);
    if (st != detail::status::ok) return detail::broadcast_failure<T>(st, missed);
    // Moved once, from `out` (this operation's one copy) into the caller's result.
    detail::destroy_at_exit<stored> done{out};
    return broadcast_result<T>(std::in_place, std::move(detail::stored_value<T, P>(*out.get())));
  }

  cursor_ref ref_;
};

// A broadcast channel of `cap` >= 1 messages on platform P (std::length_error otherwise).
template <class T, platform P>
std::pair<basic_broadcast_sender<T, P>, basic_broadcast_receiver<T, P>> basic_broadcast(
    std::size_t cap, overflow policy) {
  using cursor = detail::broadcast_cursor<P>;
  cursor* c = detail::create_shared<cursor, P>(sizeof(cursor), 0);  // the first receiver's position
  detail::broadcast_state<T, P>* s;
  try {
    s = detail::broadcast_state<T, P>::create(cap, policy);
  } catch (...) {
    detail::destroy_shared<cursor, P>(c, sizeof(cursor));
    throw;
  }
  return {basic_broadcast_sender<T, P>(s), basic_broadcast_receiver<T, P>(s, c)};
}

template <class T>
using broadcast_sender = basic_broadcast_sender<T, std_platform>;
template <class T>
using broadcast_receiver = basic_broadcast_receiver<T, std_platform>;

template <class T>
std::pair<broadcast_sender<T>, broadcast_receiver<T>> broadcast(std::size_t cap,
                                                                overflow policy = overflow::block) {
  return basic_broadcast<T, std_platform>(cap, policy);
}

}  // namespace sluice
