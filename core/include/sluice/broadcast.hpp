// sluice/broadcast.hpp — every receiver sees every message sent after it subscribed.
//
//   auto [tx, rx] = sluice::broadcast<T>(cap);                          // block the sender
//   auto [tx, rx] = sluice::broadcast<T>(cap, sluice::overflow::overwrite_oldest);
//   auto rx2 = rx;              // a clone continues from rx's position
//   auto rx3 = tx.subscribe();  // sees messages sent from now on
//
// Happens-before: if X's send() gives a message (or a copy of it) that Y's receive returns,
// everything X did before send() is visible to Y after the receive.
//
// Overflow policy, chosen at creation:
//   overflow::block             a full buffer (cap messages some receiver has not read)
//                               blocks send (try_send: errc::full); the slowest receiver
//                               sets the pace.
//   overflow::overwrite_oldest  send never blocks: it drops the oldest message; a receiver that
//                               had not read it gets errc::lagged with the number it missed
//                               (tokio's Lagged(n)) and continues at the oldest still held.
//
// Each message is stored ONCE, with a count of the receivers that still have to read it. Every
// reader but the last gets a copy (made under the lock); the last moves it out, freeing the
// slot. So T must be copyable, a single receiver never copies, and memory is cap messages
// whatever the receiver count. Copies, not shared references (tokio's read guard), because a
// C++ reader would otherwise hold a reference into a slot an overwriting sender reuses. Wrap T
// in a std::shared_ptr<const U> to share a large payload.
//
// Closing: the last sender gone, or close() on any handle, closes the channel; receivers drain
// what they have not read, then get closed. A send with no receiver alive fails with
// errc::closed and hands the message back (a sender may still subscribe() later, as in tokio).
//
// Algorithm and synchronization: tokio::sync::broadcast's design (a ring of slots, each with a
// position and a remaining-readers count; per-receiver positions; lag detected by position),
// simplified to ONE short spin lock (detail::spin_lock, guarded.hpp [S1]/[S2]) over the ring,
// the counts and the wait queues; every cell access is under it, so the lock is the only
// synchronization edge: [K1] lock (acquire, [S1]) sees everything done under the lock before;
// [K2] unlock (release, [S2]) publishes what was done under it. A waiter (a thread, or a
// coroutine through kind_wait.hpp) is queued under the lock after the readiness check; whoever
// changes readiness claims every queued waiter of the other side under the same lock and
// notifies after unlocking (waiter.hpp), so no wake-up is lost; a claim means "look again".
// Copies of T are made under the lock (a copy constructor that takes another broadcast's lock
// could deadlock). Positions are 64-bit message numbers (head = oldest held, tail = next to
// write; slot = position % cap); a receiver holds its own next position.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stop_token>
#include <type_traits>
#include <utility>

#include "sluice/detail/blocking.hpp"
#include "sluice/detail/broadcast_state.hpp"
#include "sluice/detail/forms.hpp"
#include "sluice/detail/handle.hpp"
#include "sluice/detail/kind_wait.hpp"
#include "sluice/detail/message.hpp"
#include "sluice/detail/status.hpp"
#include "sluice/detail/waiter.hpp"
#include "sluice/platform.hpp"
#include "sluice/result.hpp"
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

template <class T> using broadcast_result = result<T, broadcast_error>;

namespace detail {
// A failed receive's status as the handle reports it (status::full is internal for lagged).
template <class T>
broadcast_result<T> broadcast_failure(status st, std::uint64_t missed) {
  if (st == status::full) return broadcast_result<T>(in_place_error, broadcast_error{errc::lagged, missed});
  return broadcast_result<T>(in_place_error, broadcast_error{to_errc(st), 0});
}

// A receiver's reference, its cursor (counted under the lock): the handle holds one, and so
// does each async receive made from it (retain); a copy of the handle is a new cursor at the
// same position (clone: allocates, may throw).
template <class T, class P>
struct cursor_ptr {
  broadcast_state<T, P>* s = nullptr;
  broadcast_cursor<P>* c = nullptr;
  explicit operator bool() const noexcept { return s != nullptr; }
};
template <class T, class P>
struct cursor_side {
  using V = cursor_ptr<T, P>;
  static void release(const V& v) noexcept { v.s->release_cursor(v.c); }
  static V retain(const V& v) noexcept { return v.s->retain_cursor(v.c), v; }
  static V clone(const V& v) { return {v.s, v.s->clone_receiver(v.c->pos)}; }
};
template <class T, class P>
using broadcast_rx_ref = shared_ref<cursor_ptr<T, P>, cursor_side<T, P>>;
template <class T, class P>
using broadcast_tx_ref =
    shared_ref<broadcast_state<T, P>*, counted_by<&broadcast_state<T, P>::drop_sender, &broadcast_state<T, P>::add_sender>>;

// A receiver's async receive, from its cursor (shared with the handle, kept alive by `rx`).
template <class T, class P>
async_op<broadcast_result<T>, P> broadcast_async_recv_body(owned_ref<cursor_ptr<T, P>, cursor_side<T, P>> rx,
                                                           std::stop_token stop,
                                                           deadline_spec<P> deadline) {
  broadcast_state<T, P>* const s = rx.get().s;
  std::uint64_t& pos = rx.get().c->pos;
  deadline_guard<P> guard(deadline);
  for (;;) {
    uninit<stored_t<T, P>> out;
    std::uint64_t missed = 0;
    const status st = s->try_recv(pos, out, missed);
    if (st == status::ok) co_return take_received<T, P>(out);
    if (st != status::empty) co_return broadcast_failure<T>(st, missed);
    const std::uintptr_t sel = co_await wait_on<P>([&](wait_entry<P>& e) { return s->register_receiver(pos, e); },
                                                   [s](wait_entry<P>& e) { s->unregister(e, false); }, &stop, &guard);
    if (const std::optional<status> gave_up = wait_gave_up(sel)) co_return broadcast_failure<T>(*gave_up, 0);
  }
}

// An async send: the message lives in this frame until the ring takes it (destroyed once with
// a destroyed waiting send; handed back by a cancelled or timed-out one).
template <class T, class P, class Sender>
async_op<send_result<T>, P> broadcast_async_send_body(Sender tx, stored_t<T, P> msg, std::stop_token stop,
                                                      deadline_spec<P> deadline) {
  broadcast_state<T, P>* const s = tx.native_state();
  deadline_guard<P> guard(deadline);
  for (;;) {
    const status st = s->try_send(msg);
    if (st == status::ok) co_return send_result<T>();
    if (st == status::closed) co_return handed_back<T, P>(errc::closed, msg);
    const std::uintptr_t sel = co_await wait_on<P>([s](wait_entry<P>& e) { return s->register_sender(e); },
                                                   [s](wait_entry<P>& e) { s->unregister(e, true); }, &stop, &guard);
    if (const std::optional<status> gave_up = wait_gave_up(sel)) co_return handed_back<T, P>(to_errc(*gave_up), msg);
  }
}
}  // namespace detail

template <class T, platform P>
class basic_broadcast_receiver;

// The sending half: copyable (a copy is another sender).
template <class T, platform P = std_platform>
class basic_broadcast_sender : public detail::handle<detail::broadcast_tx_ref<T, P>>,
                               public detail::send_forms<basic_broadcast_sender<T, P>, T, P> {
  static_assert(detail::message_type<T> && std::is_copy_constructible_v<T>,
                "sluice::broadcast: a message must be a copyable object type (each receiver gets one)");
  using state = detail::broadcast_state<T, P>;
  using stored = detail::stored_t<T, P>;
  using base = detail::handle<detail::broadcast_tx_ref<T, P>>;

 public:
  using value_type = T;
  using time_point = typename P::clock::time_point;

  basic_broadcast_sender() noexcept = default;

  // The forms (detail/forms.hpp) send to every current receiver, waiting while full
  // (overflow::block); errc::closed (the message handed back) if no receiver is alive.

  // A new receiver that sees every message sent from now on.
  basic_broadcast_receiver<T, P> subscribe() const {
    state* s = this->check("subscribe");
    return detail::handle_access::make<basic_broadcast_receiver<T, P>>(s, s->subscribe());
  }
  // For the async layer: the shared state.
  state* native_state() const noexcept { return this->ref_.get(); }

  std::size_t receiver_count() const { return this->check("receiver_count")->receiver_count(); }
  std::size_t sender_count() const { return this->check("sender_count")->sender_count(); }
  std::size_t capacity() const { return this->check("capacity")->capacity(); }
  // Whether a send would fail: no receiver is alive, or the channel was closed. A snapshot.
  bool is_disconnected() const { return this->check("is_disconnected")->disconnected(true); }
  // Closes the channel from either side (see the header); whether this call closed it.
  bool close() const { return this->check("close")->close(); }

 private:
  friend class detail::send_forms<basic_broadcast_sender, T, P>;
  friend struct detail::handle_access;
  explicit basic_broadcast_sender(state* s) noexcept : base(detail::broadcast_tx_ref<T, P>(s)) {}

  template <class U>
  detail::async_op<send_result<T>, P> async_send_with(U&& msg, std::stop_token stop,
                                                      detail::deadline_spec<P> deadline) const {
    this->check("async_send");
    return detail::broadcast_async_send_body<T, P>(
        basic_broadcast_sender(*this), detail::to_stored<T, P>(std::forward<U>(msg)), std::move(stop), deadline);
  }
  template <class U, bool Block>
  send_result<T> send_with(U&& msg, std::bool_constant<Block>, const time_point* deadline,
                           const std::stop_token* stop) const {
    state* s = this->check(Block ? "send" : "try_send");
    stored st = detail::to_stored<T, P>(std::forward<U>(msg));
    detail::status r;
    if constexpr (Block)
      r = detail::block_one<P>([&] { return s->send_port(st); }, deadline, stop);
    else
      r = s->try_send(st);
    if (r == detail::status::ok) return send_result<T>();
    return detail::handed_back<T, P>(detail::to_errc(r), st);
  }
};

// The receiving half: copyable; a copy continues from the same position (its cursor is
// allocated: may throw). Not safe to use one receiver object from two threads at once (its
// position is its own); clone it instead.
template <class T, platform P = std_platform>
class basic_broadcast_receiver : public detail::handle<detail::broadcast_rx_ref<T, P>>,
                                 public detail::recv_forms<basic_broadcast_receiver<T, P>, P> {
  using state = detail::broadcast_state<T, P>;
  using stored = detail::stored_t<T, P>;
  using base = detail::handle<detail::broadcast_rx_ref<T, P>>;

 public:
  using value_type = T;
  using time_point = typename P::clock::time_point;

  basic_broadcast_receiver() noexcept = default;

  // The forms (detail/forms.hpp): the next message; lagged(n) if n were overwritten first (the
  // next call continues at the oldest held); closed once every sender is gone and all is read.
  // An async receive shares this receiver's position (do not use the receiver meanwhile) and
  // keeps it subscribed; a destroyed waiting one takes nothing.

  // A new receiver at the newest position (sees only later messages), like tokio's resubscribe.
  basic_broadcast_receiver resubscribe() const {
    state* s = this->check("resubscribe").s;
    return basic_broadcast_receiver(s, s->subscribe());
  }
  // Messages this receiver has not read yet.
  std::size_t len() const {
    const auto& r = this->check("len");
    return r.s->len(r.c->pos);
  }
  bool is_empty() const { return len() == 0; }
  std::size_t receiver_count() const { return this->check("receiver_count").s->receiver_count(); }
  // Whether no message can arrive any more (unread ones still are received). A snapshot.
  bool is_disconnected() const { return this->check("is_disconnected").s->disconnected(false); }
  // Closes the channel (as the sender's close()). Returns whether this call closed it.
  bool close() const { return this->check("close").s->close(); }

 private:
  friend class detail::recv_forms<basic_broadcast_receiver, P>;
  friend struct detail::handle_access;
  basic_broadcast_receiver(state* s, typename state::cursor* c) noexcept : base(detail::broadcast_rx_ref<T, P>({s, c})) {}

  detail::async_op<broadcast_result<T>, P> async_recv_with(std::stop_token stop,
                                                           detail::deadline_spec<P> deadline) const {
    this->check("async_recv");
    return detail::broadcast_async_recv_body<T, P>(this->ref_.another(), std::move(stop), deadline);
  }
  template <bool Block>
  broadcast_result<T> recv_with(std::bool_constant<Block>, const time_point* deadline, const std::stop_token* stop) const {
    const auto& r = this->check(Block ? "recv" : "try_recv");
    detail::uninit<stored> out;
    std::uint64_t missed = 0;
    detail::status st;
    if constexpr (Block)
      st = detail::block_one<P>([&] { return r.s->recv_port(r.c->pos, out, missed); }, deadline, stop);
    else
      st = r.s->try_recv(r.c->pos, out, missed);
    if (st != detail::status::ok) return detail::broadcast_failure<T>(st, missed);
    return detail::take_received<T, P>(out);
  }
};

// A broadcast channel of `cap` >= 1 messages on platform P (std::length_error otherwise).
template <class T, platform P = std_platform>
std::pair<basic_broadcast_sender<T, P>, basic_broadcast_receiver<T, P>> basic_broadcast(
    std::size_t cap, overflow policy = overflow::block) {
  using cursor = detail::broadcast_cursor<P>;
  cursor* c = detail::create_shared<cursor, P>(sizeof(cursor), 0);  // the first receiver's position
  detail::broadcast_state<T, P>* s;
  try {
    s = detail::broadcast_state<T, P>::create(cap, policy);
  } catch (...) {
    detail::destroy_shared<cursor, P>(c, sizeof(cursor));
    throw;
  }
  return {detail::handle_access::make<basic_broadcast_sender<T, P>>(s),
          detail::handle_access::make<basic_broadcast_receiver<T, P>>(s, c)};
}

template <class T> using broadcast_sender = basic_broadcast_sender<T, std_platform>;
template <class T> using broadcast_receiver = basic_broadcast_receiver<T, std_platform>;

template <class T>
std::pair<broadcast_sender<T>, broadcast_receiver<T>> broadcast(std::size_t cap,
                                                                overflow policy = overflow::block) {
  return basic_broadcast<T, std_platform>(cap, policy);
}
}  // namespace sluice
