// sluice/oneshot.hpp — a channel for exactly one message: one sender, one receiver.
//
//   auto [tx, rx] = sluice::oneshot<T>();
//   std::move(tx).send(value);        // consumes the sender; wait-free
//   auto r = rx.recv();               // the value, or errc::closed if tx died unsent
//   auto r = co_await rx;             // the same from a coroutine (= co_await rx.async_recv())
//
// Happens-before: if X's send() gives the message Y's receive returns, everything X did before
// send() is visible to Y after it; likewise for a drop unsent and a receive reporting closed.
//
// Algorithm: the `oneshot` crate (Linus Färnstrand, faern/oneshot): one allocation, one state
// word driven by RMWs whose arithmetic chooses the transition (EMPTY + 1 == MESSAGE, RECEIVING
// + 1 == UNPARKING), and an UNPARKING state that keeps the receiver from leaving while the
// sender still reads its waiter. Re-derived for sluice's waiter (waiter.hpp: on the receiver's
// stack, claimed by one CAS, so the sender knows whether it woke it or it had given up).
//
// State word: receiving 0 (waiter_ holds the blocked receiver), unparking_send 1 / _drop 2
// (the sender is waking it), empty 4, message 5 (in msg_), disconnected 6 (the other side is
// gone, or the message was taken). send = fetch_add(1), drop = fetch_add(2); 7 and 8 are made
// only by the last party, which frees.
//   empty --send--> message --receive--> disconnected --rx drop--> freed by rx
//   empty --tx drop--> disconnected --rx drop / receive--> freed by rx
//   empty --rx drop--> disconnected --send (hands the message back) / tx drop--> freed by tx
//   empty --rx blocks--> receiving --send / tx drop--> unparking_* --> message / disconnected
//                                  --rx gives up (timeout, stop)--> empty
// Exactly one party frees: a sender that reads `disconnected`, or the receiver side's drop
// ([O9]'s last reference) when the state is message or disconnected. An async receive
// registers the same way with a coroutine waiter (kind_wait.hpp) and holds a counted reference
// to the receiver side ([O9]), so it may outlive the handle; cancelled or destroyed while
// waiting it leaves through [O6] without taking the message, which stays for the handle.
//
// Synchronization
//   [O1] send fetch_add(1) (acq_rel): releases the message to [O5]; acquires the waiter
//        pointer of [O4], and (on `disconnected`) the receiver's last accesses before the free.
//   [O2] sender drop fetch_add(2) (acq_rel): the same, without a message.
//   [O3] unparking -> message/disconnected store (release): pairs with [O5]/[O6]; the sender's
//        claim and message write happen-before the receiver leaves.
//   [O4] register CAS empty -> receiving (release on success: publishes waiter_ to [O1]/[O2];
//        relaxed on failure: the caller then reads the same state with [O5]).
//   [O5] receiver loads (acquire): pair with [O1], [O2], [O3].
//   [O6] give-up CAS receiving -> empty (acquire both ways): on failure reads [O3]'s state.
//   [O7] receiver drop exchange(disconnected) (acq_rel): acquires the message to destroy it;
//        releases the receiver's accesses to a sender that frees after reading it.
//   [O8] after taking the message, store disconnected (relaxed): only the receiver remains.
//   [O9] receiver-side count: increment relaxed (from a live reference), decrement acq_rel
//        (the last holder sees every other's use before it runs the receiver's drop [O7]).
//   notify() -> unpark() happens-before the park that consumes it; the claim CAS is [W1].
#pragma once

#include <cstdint>
#include <stop_token>
#include <type_traits>
#include <utility>

#include "sluice/detail/await.hpp"
#include "sluice/detail/blocking.hpp"
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
namespace detail {
namespace oneshot_order {
// ORDERING: acq_rel — [O1] send and [O2] sender drop (see the header).
inline constexpr named_order send{"oneshot.send", std::memory_order_acq_rel};
inline constexpr named_order sender_drop{"oneshot.sender_drop", std::memory_order_acq_rel};
// ORDERING: release — [O3] leaves the unparking state.
inline constexpr named_order unpark_done{"oneshot.unpark_done", std::memory_order_release};
// ORDERING: release on success, acquire on failure — [O4].
inline constexpr named_order register_ok{"oneshot.register", std::memory_order_release};
// ORDERING: relaxed on failure — the caller's next access is try_recv()'s [O5] acquire load of
// the same store (papers/orderings.md: oneshot.register_fail).
inline constexpr named_order register_fail{"oneshot.register_fail", std::memory_order_relaxed};
// ORDERING: acquire — [O5].
inline constexpr named_order observe{"oneshot.observe", std::memory_order_acquire};
// ORDERING: acquire — [O6] both ways.
inline constexpr named_order give_up{"oneshot.give_up", std::memory_order_acquire};
// ORDERING: acq_rel — [O7].
inline constexpr named_order receiver_drop{"oneshot.receiver_drop", std::memory_order_acq_rel};
// ORDERING: relaxed — [O8].
inline constexpr named_order consumed{"oneshot.consumed", std::memory_order_relaxed};
// ORDERING: relaxed increment, acq_rel decrement — [O9].
inline constexpr named_order rx_ref_add{"oneshot.rx_ref_add", std::memory_order_relaxed};
inline constexpr named_order rx_ref_drop{"oneshot.rx_ref_drop", std::memory_order_acq_rel};
}  // namespace oneshot_order

// The shared state: one allocation of default alignment (aligned new is slower: array.hpp).
template <class S, class P>
class oneshot_state {
 public:
  using stored = S;
  enum : std::uint32_t { receiving = 0, unparking_send = 1, unparking_drop = 2, empty = 4, message = 5, disconnected = 6 };

  static oneshot_state* create() { return create_shared<oneshot_state, P>(sizeof(oneshot_state)); }
  static void destroy(oneshot_state* s) noexcept { destroy_shared<oneshot_state, P>(s, sizeof(oneshot_state)); }

  oneshot_state() noexcept = default;
  oneshot_state(const oneshot_state&) = delete;
  oneshot_state& operator=(const oneshot_state&) = delete;
  ~oneshot_state() = default;  // the message, if any, is destroyed by the receiver's drop

  // Sends `msg`. Wait-free: one RMW, and if the receiver is blocked one claim CAS, one store
  // and one unpark. On status::closed the message is still in `msg` and the state is freed.
  status send(S& msg) noexcept {
    // SAFETY: before [O1] only the sender touches msg_ (the receiver reads it after seeing
    // `message`; its destructor destroys it only after [O7] sees `message`).
    msg_.with_mut([&](uninit<S>* v) { v->emplace(std::move(msg)); });
    // [O1] ORDERING: oneshot.send — publishes the write above to [O5]/[O7].
    const std::uint32_t prev = state_.fetch_add(1, oneshot_order::send);
    switch (prev) {
      case empty: return status::ok;
      case receiving: wake(sel_first_operation, message); return status::ok;
      default: break;  // disconnected: the receiver is gone, we are the last party
    }
    // SAFETY: the receiver never touched msg_ and is gone ([O1] acquired its [O7]).
    msg_.with_mut([&](uninit<S>* v) { msg = v->take(); });
    destroy(this);
    return status::closed;
  }

  void drop_sender() noexcept {
    // [O2] ORDERING: oneshot.sender_drop — see the header.
    const std::uint32_t prev = state_.fetch_add(2, oneshot_order::sender_drop);
    if (prev == receiving) {
      wake(sel_disconnected, disconnected);
    } else if (prev == disconnected) {
      destroy(this);
    }
  }
  // Whether the other side is gone: for the sender, the receiver (a send would hand the message
  // back); for the receiver, the sender unsent, or the message already taken.
  bool other_side_gone() const noexcept {
    // [O5] ORDERING: oneshot.observe.
    return state_.load(oneshot_order::observe) == disconnected;
  }
  // Takes the message if there is one: ok, empty, or closed (sender gone / already taken).
  status try_recv(uninit<S>& out) noexcept {
    // [O5] ORDERING: oneshot.observe — pairs with [O1]/[O2]/[O3].
    return settle(state_.load(oneshot_order::observe), out);
  }
  // The blocking receive's fused wait port (wait_port.hpp): try, then publish the waiter [O4];
  // no spinning first (as in the oneshot crate: the answer usually takes far longer than a
  // spin). A timeout or stop withdraws [O6]; if the sender got there first, its outcome wins.
  struct recv_port {
    oneshot_state& s;
    uninit<S>& out;
    std::uint32_t left = empty;  // the state a withdrawal left

    template <class GiveUp>
    std::optional<status> try_or_enroll(wait_entry<P>& e, GiveUp give_up) noexcept {
      const status first = s.try_recv(out);
      if (first != status::empty) return first;
      if (std::optional<status> gave_up = give_up()) return gave_up;
      if (!s.register_waiter(*e.w)) return s.try_recv(out);
      P::test_delay();  // race window: the sender acts between registration and the wait
      return std::nullopt;
    }
    void withdraw(wait_entry<P>&) noexcept { left = s.withdraw_waiter(); }
    std::optional<status> settle(std::uintptr_t sel) noexcept {
      // The sender claimed us; it stored its final state [O3] before notify().
      if (sel >= sel_first_operation || sel == sel_disconnected) return s.try_recv(out);
      const status st = s.settle(left, out);
      if (st != status::empty) return st;
      return sel == sel_cancelled ? status::cancelled : status::timed_out;
    }
  };

  // Publishes `w` as the blocked receiver (recv, or an async receive). False if the state is no
  // longer empty: nothing was registered.
  bool register_waiter(waiter<P>& w) noexcept {
    // SAFETY: while the state is `empty` the sender never reads waiter_; it reads it only
    // after seeing `receiving` through [O1]/[O2], which acquire this CAS's release.
    waiter_.with_mut([&](waiter<P>** p) { *p = &w; });
    std::uint32_t expected = empty;
    // [O4] ORDERING: oneshot.register / oneshot.register_fail.
    return state_.compare_exchange_strong(expected, receiving, oneshot_order::register_ok,
                                          oneshot_order::register_fail);
  }
  // Withdraws a registration its owner claimed (timeout, stop, a destroyed async receive),
  // taking nothing; returns the state left: empty, or after the sender's unparking step
  // message or disconnected, for the caller (or the handle's next receive, or its drop).
  std::uint32_t withdraw_waiter() noexcept {
    std::uint32_t expected = receiving;
    // [O6] ORDERING: oneshot.give_up — on failure reads [O3]'s or [O1]'s state.
    if (state_.compare_exchange_strong(expected, empty, oneshot_order::give_up, oneshot_order::give_up))
      return empty;
    if (expected != unparking_send && expected != unparking_drop) return expected;
    // The sender is between [O1]/[O2] and [O3]: a bounded number of its steps (a
    // side-effect-free wait).
    // [O5] ORDERING: oneshot.observe — pairs with [O3].
    return await_load<P>(state_, oneshot_order::observe,
                         [](std::uint32_t s) { return s != unparking_send && s != unparking_drop; });
  }

  void retain_receiver() noexcept {
    // [O9] ORDERING: oneshot.rx_ref_add — the caller holds a reference, so the count is >= 1.
    rx_refs_.fetch_add(1, oneshot_order::rx_ref_add);
  }
  void release_receiver() noexcept {
    // [O9] ORDERING: oneshot.rx_ref_drop — acquire: the last holder sees the others' accesses.
    if (rx_refs_.fetch_sub(1, oneshot_order::rx_ref_drop) == 1) drop_receiver();
  }

 private:
  // The receiver side's last reference goes; frees the state if the sender is gone.
  void drop_receiver() noexcept {
    // [O7] ORDERING: oneshot.receiver_drop — see the header.
    const std::uint32_t prev = state_.exchange(disconnected, oneshot_order::receiver_drop);
    if (prev == empty) return;  // the sender is alive; it frees
    if (prev == message) {
      // SAFETY: [O7] acquired the sender's [O1]; the sender is gone.
      msg_.with_mut([](uninit<S>* v) { v->destroy(); });
    }
    destroy(this);  // message (now destroyed) or disconnected: the sender is gone
  }
  // The sender's unparking step: claim the waiter, publish the final state, then notify().
  void wake(std::uintptr_t sel, std::uint32_t final_state) noexcept {
    waiter<P>* w = nullptr;
    // SAFETY: [O1]/[O2] acquired [O4], which published the pointer; the receiver does not
    // write waiter_ again and does not leave while the state is unparking.
    waiter_.with([&](waiter<P>* const* p) { w = *p; });
    const bool claimed = w->try_select(sel);
    P::test_delay();  // race window: the receiver times out between our RMW and [O3]
    // [O3] ORDERING: oneshot.unpark_done — pairs with [O5]/[O6]; after it we touch the state
    // no more, and the waiter only through notify() if we claimed it.
    state_.store(final_state, oneshot_order::unpark_done);
    if (claimed) w->notify();
  }

  status settle(std::uint32_t s, uninit<S>& out) noexcept {
    if (s == message) {
      // SAFETY: the message was published by [O1]/[O3], acquired by the read of `s`; the
      // sender no longer touches the state.
      msg_.with_mut([&](uninit<S>* v) { out.move_from(*v); });
      // [O8] ORDERING: oneshot.consumed — only the receiver remains.
      state_.store(disconnected, oneshot_order::consumed);
      return status::ok;
    }
    return s == disconnected ? status::closed : status::empty;
  }

  typename P::template atomic<std::uint32_t> state_{empty};
  typename P::template atomic<std::uint32_t> rx_refs_{1};  // [O9]: the receiver handle's
  typename P::template cell<waiter<P>*> waiter_{nullptr};
  typename P::template cell<uninit<S>> msg_{};
};

// The sender handle's reference, and the receiver handle's and each async receive's ([O9]).
template <class S, class P>
using oneshot_tx_ref = owned_ref<oneshot_state<S, P>*, counted_by<&oneshot_state<S, P>::drop_sender>>;
template <class S, class P>
using oneshot_rx_ref =
    owned_ref<oneshot_state<S, P>*, counted_by<&oneshot_state<S, P>::release_receiver, &oneshot_state<S, P>::retain_receiver>>;

// The async receive: try; else wait for the sender's claim (a stop or deadline that loses that
// race still delivers) and settle. Destroyed while waiting it takes nothing (see the header).
template <class T, class P>
async_op<recv_result<T>, P> oneshot_async_recv_body(oneshot_rx_ref<stored_t<T, P>, P> rx, std::stop_token stop,
                                                    deadline_spec<P> deadline) {
  using S = stored_t<T, P>;
  oneshot_state<S, P>* const s = rx.get();
  deadline_guard<P> guard(deadline);
  uninit<S> out;
  status st = s->try_recv(out);
  while (st == status::empty) {
    // Registers and withdraws through [O4] and [O6], as the blocking recv.
    auto wait = wait_on<P>([s](wait_entry<P>& e) { return !s->register_waiter(*e.w); },
                           [s](wait_entry<P>&) { (void)s->withdraw_waiter(); }, &stop, &guard);
    const std::uintptr_t sel = co_await wait;
    if (wait.ended_early()) {  // stopped or past the deadline before it registered: no new look
      st = *wait_gave_up(sel);
      break;
    }
    st = s->try_recv(out);  // the sender stored its final state [O3] before notifying
    if (st == status::empty) st = wait_gave_up(sel).value_or(status::empty);
  }
  // Built in the promise (no temporary on a resuming thread's stack), moved once from `out`.
  if (st != status::ok) co_return error_from{[st] { return to_errc(st); }};
  co_return take_received<T, P>(out);
}
}  // namespace detail

// The sending half: move-only; send() consumes it (`std::move(tx).send(v)`), so the type
// allows one message. Dropping it unsent closes the channel: the receiver gets errc::closed.
template <class T, platform P = std_platform>
class basic_oneshot_sender : public detail::handle<detail::oneshot_tx_ref<detail::stored_t<T, P>, P>> {
  static_assert(detail::message_type<T>, "sluice: a message must be a movable, non-const object type");
  using stored = detail::stored_t<T, P>;
  using state = detail::oneshot_state<stored, P>;
  using base = detail::handle<detail::oneshot_tx_ref<stored, P>>;

 public:
  using value_type = T;

  basic_oneshot_sender() noexcept = default;

  // Sends and consumes the sender; wait-free (no lock; no allocation but boxing, first).
  // errc::closed, the message handed back, if the receiver is gone; a throw leaves the sender.
  send_result<T> send(T&& msg) && { return send_impl(std::move(msg)); }
  send_result<T> send(const T& msg) && requires std::is_copy_constructible_v<T> {
    return send_impl(msg);
  }
  // Whether the receiver is gone (a send would fail). A snapshot.
  bool is_disconnected() const { return this->check("is_disconnected")->other_side_gone(); }
  bool is_closed() const { return this->check("is_closed")->other_side_gone(); }

 private:
  friend struct detail::handle_access;
  explicit basic_oneshot_sender(state* s) noexcept : base(detail::oneshot_tx_ref<stored, P>(s)) {}

  template <class U>
  send_result<T> send_impl(U&& msg) {
    this->check("send");
    stored st = detail::to_stored<T, P>(std::forward<U>(msg));
    if (this->ref_.detach()->send(st) == detail::status::ok) return send_result<T>();
    return detail::handed_back<T, P>(errc::closed, st);
  }
};

// The receiving half: move-only. A successful receive takes the message; later receives
// report errc::closed. Dropping it makes a later send fail and hand the message back.
template <class T, platform P = std_platform>
class basic_oneshot_receiver : public detail::handle<detail::oneshot_rx_ref<detail::stored_t<T, P>, P>>,
                               public detail::recv_forms<basic_oneshot_receiver<T, P>, P> {
  static_assert(detail::message_type<T>, "sluice: a message must be a movable, non-const object type");
  using stored = detail::stored_t<T, P>;
  using state = detail::oneshot_state<stored, P>;
  using base = detail::handle<detail::oneshot_rx_ref<stored, P>>;

 public:
  using value_type = T;
  using time_point = typename P::clock::time_point;

  basic_oneshot_receiver() noexcept = default;

  // The forms (detail/forms.hpp); try_recv: errc::empty if nothing was sent yet, errc::closed
  // if the sender is gone unsent or the message was taken. `co_await rx` is async_recv(); a
  // destroyed waiting coroutine takes nothing (the message stays here; once this receiver and
  // its operations are all gone, send() hands it back). One receive waits at a time.
  detail::async_op<recv_result<T>, P> operator co_await() & { return this->async_recv(); }

  // Whether a receive can no longer succeed (sender gone unsent, or message taken). A snapshot.
  bool is_disconnected() const { return this->check("is_disconnected")->other_side_gone(); }

  // For the async layer: the shared state (register_waiter / withdraw_waiter / try_recv).
  state* native_state() const noexcept { return this->ref_.get(); }

 private:
  friend struct detail::handle_access;
  friend class detail::recv_forms<basic_oneshot_receiver, P>;
  explicit basic_oneshot_receiver(state* s) noexcept
      : base(detail::oneshot_rx_ref<stored, P>(s)) {}

  detail::async_op<recv_result<T>, P> async_recv_with(std::stop_token stop, detail::deadline_spec<P> deadline) const {
    this->check("async_recv");
    return detail::oneshot_async_recv_body<T, P>(this->ref_.another(), std::move(stop), deadline);
  }
  recv_result<T> recv_with(bool block, const time_point* deadline, const std::stop_token* stop) const {
    state* s = this->check(block ? "recv" : "try_recv");
    detail::uninit<stored> out;
    const detail::status st =
        block ? detail::block_one<P>([&] { return typename state::recv_port{*s, out}; }, deadline, stop) : s->try_recv(out);
    if (st != detail::status::ok) return recv_result<T>(in_place_error, detail::to_errc(st));
    return detail::take_received<T, P>(out);
  }
};

// Creates a oneshot channel on platform P: one allocation of default alignment.
template <class T, platform P = std_platform>
std::pair<basic_oneshot_sender<T, P>, basic_oneshot_receiver<T, P>> basic_oneshot() {
  auto* s = detail::oneshot_state<detail::stored_t<T, P>, P>::create();
  return {detail::handle_access::make<basic_oneshot_sender<T, P>>(s),
          detail::handle_access::make<basic_oneshot_receiver<T, P>>(s)};
}

template <class T> using oneshot_sender = basic_oneshot_sender<T, std_platform>;
template <class T> using oneshot_receiver = basic_oneshot_receiver<T, std_platform>;

template <class T>
std::pair<oneshot_sender<T>, oneshot_receiver<T>> oneshot() { return basic_oneshot<T, std_platform>(); }
}  // namespace sluice
