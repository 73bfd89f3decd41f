// sluice/flavors/zero.hpp — the rendezvous flavor (capacity 0): a send completes only when a
// receiver takes the message.
//
// Algorithm: crossbeam-channel's zero flavor and Go's unbuffered channel (credited by name):
// a lock protects two FIFO queues of blocked senders and receivers; an arriving operation
// pairs with the oldest waiter of the other side, else queues itself and parks. A blocked
// party's packet points at its own storage — a sender's message, a receiver's destination —
// and the partner moves the message once, straight from the one into the other: no copy on
// either stack (a 1 MiB message costs 1 MiB, not 3), and no allocation per operation.
//
// State (under lock_): senders_, receivers_ (waiter queues), disconnected_.
// Hand-off, the only cross-thread data path:
//   [Z1] the arriving party claims the waiter (waiter.hpp [W1]) under the lock, then, outside
//        it, moves the message out of the waiting sender's storage or into the waiting
//        receiver's destination (both reached through the packet), then notify()s it.
//   [Z2] the waiter consumes the notification (parker token: unpark happens-before park's
//        return), so the packet access of [Z1] happens-before the waiter's own.
// Observers: an async receiver registers WITHOUT a packet (an observer): a message is never
// handed to a coroutine that might be destroyed before it resumes. A sender that finds only
// observers queues itself with its message and wakes one observer, which then takes the
// message from the sender's packet itself (a try_recv). try_send never completes with an
// observer (there is no receiver ready to take the message at that instant).
// A waiter that times out or is cancelled claimed itself (nobody else will touch its packet)
// and removes its entry under the lock; its message never left its own storage.
//   [Z3] closed_ (release/acquire): a lock-free mirror of `disconnected` for queries.
// The flavor itself never spins before parking; the std parker yields a few times before it
// sleeps (std_parker.hpp), so a hand-off to a party still in those yields costs no futex wake.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stop_token>
#include <tuple>
#include <utility>

#include "sluice/detail/blocking.hpp"
#include "sluice/detail/message.hpp"
#include "sluice/detail/status.hpp"
#include "sluice/detail/waiter.hpp"
#include "sluice/platform.hpp"

namespace sluice::detail {

namespace zero_order {
// ORDERING: release/acquire — [Z3] the closed flag, written under the lock when closing and
// read without it (is_disconnected, and disconnect's early exit); a stale false only costs a
// trip through the lock, where the decision is made.
inline constexpr named_order closed_store{"zero.closed_store", std::memory_order_release};
// ORDERING: acquire — pairs with closed_store ([Z3]).
inline constexpr named_order closed_load{"zero.closed_load", std::memory_order_acquire};
}  // namespace zero_order

template <class S, class P>
class zero_flavor {
 public:
  using stored = S;

  static constexpr std::size_t trailing_align = 1;
  static std::size_t trailing_bytes() noexcept { return 0; }

  zero_flavor() = default;
  zero_flavor(const zero_flavor&) = delete;
  zero_flavor& operator=(const zero_flavor&) = delete;

  status try_send(S& msg) noexcept { return send_impl(msg, false, nullptr, nullptr); }
  status send(S& msg, const typename P::clock::time_point* deadline, const std::stop_token* stop) {
    return send_impl(msg, true, deadline, stop);
  }
  status try_recv(uninit<S>& out) noexcept { return recv_impl(out, false, nullptr, nullptr); }
  status recv(uninit<S>& out, const typename P::clock::time_point* deadline,
              const std::stop_token* stop) {
    return recv_impl(out, true, deadline, stop);
  }

  bool disconnect() noexcept {
    // [Z3] ORDERING: zero.closed_load — a hint only; the decision is taken under the lock.
    if (closed_.load(zero_order::closed_load)) return false;
    wait_entry<P>* senders;
    wait_entry<P>* receivers;
    {
      lock_guard g(lock_);
      const bool first = state_.with_mut(g, [&](state* s) {
        if (s->disconnected) return false;
        s->disconnected = true;
        // [Z3] ORDERING: zero.closed_store — publishes the flag for the lock-free hint.
        closed_.store(true, zero_order::closed_store);
        senders = s->senders.claim_all_disconnected();
        receivers = s->receivers.claim_all_disconnected();
        return true;
      });
      if (!first) return false;
    }
    notify_chain<P>(senders);
    notify_chain<P>(receivers);
    return true;
  }

  // Nothing is ever buffered: a waiting sender still holds its message (the close handed it
  // back).
  void discard_unreceived() noexcept {}

  bool is_disconnected() const noexcept {
    // [Z3] ORDERING: zero.closed_load.
    return closed_.load(zero_order::closed_load);
  }

  // Select support. A select registers one entry per case; the entry's packet is the case's.
  // A send case's packet points at its message while registered (the message stays where it
  // is until a receiver moves it out); a receive case's packet points at its destination.
  // Returns whether the case is ready now (a partner waits, or the channel is closed): the
  // caller then aborts its wait.
  struct packet {
    packet() = default;
    explicit packet(uninit<S>& destination) noexcept : at(static_cast<void*>(&destination)) {}
    // S* (a waiting sender's message) or uninit<S>* (a waiting receiver's destination).
    typename P::template cell<void*> at{nullptr};
  };
  bool register_send(wait_entry<P>& e, packet& pk, S& msg) noexcept {
    std::optional<wait_entry<P>> observer;
    bool ready;
    {
      lock_guard g(lock_);
      // The packet is ours until queued.
      ready = state_.with_mut(g, [&](state* s) {
        pk.at.with_mut([&](void** a) { *a = static_cast<void*>(&msg); });
        e.packet = &pk;
        s->senders.push(e);
        if (s->disconnected || has_other(s->receivers, e.w, has_packet)) return true;
        observer = s->receivers.try_claim_if(is_observer, e.w);  // only observers left: wake one
        return false;
      });
    }
    if (observer) observer->w->notify();
    return ready;
  }
  // Registers a receiver with a packet built on its destination (a blocking select), or an
  // observer (pk == nullptr: an async receiver, woken to take a message itself).
  bool register_recv(wait_entry<P>& e, packet* pk) noexcept {
    lock_guard g(lock_);
    return state_.with_mut(g, [&](state* s) {
      e.packet = pk;
      s->receivers.push(e);
      return s->disconnected || has_other(s->senders, e.w, [](const wait_entry<P>&) { return true; });
    });
  }
  // Removes a send registration that was not claimed; the message never left `msg`.
  void unregister_send(wait_entry<P>& e, packet& pk, S& msg) noexcept {
    (void)msg;
    remove(e, /*from_senders=*/true);
    // SAFETY: unclaimed (or claimed by a disconnect, which moves nothing): the packet is ours.
    pk.at.with_mut([](void**) {});
  }
  void unregister_recv(wait_entry<P>& e) noexcept { remove(e, /*from_senders=*/false); }
  // Passes on a wake-up that a destroyed async receiver (an observer) was given.
  void wake_observer() noexcept {
    std::optional<wait_entry<P>> observer;
    {
      lock_guard g(lock_);
      state_.with_mut(g, [&](state* s) {
        if (!s->senders.empty()) observer = s->receivers.try_claim_if(is_observer);
      });
    }
    if (observer) observer->w->notify();
  }
  // After a claim by a partner: the message is in `out`, the packet's destination ([Z1] -> [Z2]).
  static void complete_recv(packet& pk, uninit<S>& out) noexcept {
    (void)out;
    // SAFETY: the sender moved the message into our destination before notify().
    pk.at.with_mut([](void**) {});
  }

  std::size_t len() const noexcept { return 0; }
  std::optional<std::size_t> capacity() const noexcept { return 0; }
  bool is_empty() const noexcept { return true; }
  bool is_full() const noexcept { return true; }

 private:
  struct state {
    waiter_queue<P> senders;
    waiter_queue<P> receivers;
    bool disconnected = false;
  };

  status send_impl(S& msg, bool block, const typename P::clock::time_point* deadline,
                   const std::stop_token* stop) {
    waiter<P> w;
    packet pk;
    wait_entry<P> e;
    std::optional<wait_entry<P>> claimed;
    status st;
    {
      lock_guard g(lock_);
      std::tie(claimed, st) = state_.with_mut(g, [&](state* s) -> std::pair<std::optional<wait_entry<P>>, status> {
        if (auto r = s->receivers.try_claim_if(has_packet)) return {r, status::ok};
        if (s->disconnected) return {std::nullopt, status::closed};
        if (!block) return {std::nullopt, status::full};
        if (stop_requested(stop)) return {std::nullopt, status::cancelled};
        if (deadline && P::clock::now() >= *deadline) return {std::nullopt, status::timed_out};
        // SAFETY: our own packet, not yet visible to anyone.
        pk.at.with_mut([&](void** a) { *a = static_cast<void*>(&msg); });
        e.w = &w;
        e.packet = &pk;
        s->senders.push(e);
        return {s->receivers.try_claim_if(is_observer), status::empty};  // queued (+ an observer to wake)
      });
    }
    if (st == status::ok) {
      hand_to_receiver(*claimed, msg);
      return status::ok;
    }
    if (st != status::empty) return st;
    if (claimed) claimed->w->notify();  // an observer: it will take our message itself
    const std::uintptr_t sel = wait_for_claim<P>(w, deadline, stop);
    if (sel >= sel_first_operation) return status::ok;  // a receiver took the message ([Z1])
    if (sel != sel_disconnected) remove(e, /*senders=*/true);
    // SAFETY: we claimed ourselves or were disconnected: nobody else touches the packet, and
    // the message never left `msg`.
    pk.at.with_mut([](void**) {});
    if (sel == sel_disconnected) return status::closed;
    return sel == sel_cancelled ? status::cancelled : status::timed_out;
  }

  status recv_impl(uninit<S>& out, bool block, const typename P::clock::time_point* deadline,
                   const std::stop_token* stop) {
    waiter<P> w;
    packet pk(out);
    wait_entry<P> e;
    std::optional<wait_entry<P>> claimed;
    status st;
    {
      lock_guard g(lock_);
      std::tie(claimed, st) = state_.with_mut(g, [&](state* s) -> std::pair<std::optional<wait_entry<P>>, status> {
        if (auto r = s->senders.try_claim()) return {r, status::ok};
        if (s->disconnected) return {std::nullopt, status::closed};
        if (!block) return {std::nullopt, status::empty};
        if (stop_requested(stop)) return {std::nullopt, status::cancelled};
        if (deadline && P::clock::now() >= *deadline) return {std::nullopt, status::timed_out};
        e.w = &w;
        e.packet = &pk;
        s->receivers.push(e);
        return {std::nullopt, status::full};  // "queued"
      });
    }
    if (claimed) {
      take_from_sender(*claimed, out);
      return status::ok;
    }
    if (st != status::full) return st;
    const std::uintptr_t sel = wait_for_claim<P>(w, deadline, stop);
    if (sel >= sel_first_operation) {
      complete_recv(pk, out);  // the sender moved the message into `out` ([Z1] -> [Z2])
      return status::ok;
    }
    if (sel != sel_disconnected) remove(e, /*senders=*/false);
    if (sel == sel_disconnected) return status::closed;
    return sel == sel_cancelled ? status::cancelled : status::timed_out;
  }

  static void hand_to_receiver(const wait_entry<P>& e, S& msg) noexcept {
    auto* pk = static_cast<packet*>(e.packet);
    // SAFETY: [Z1] — we claimed the receiver; it waits for our notify() before reading its
    // destination.
    pk->at.with_mut([&](void** a) { static_cast<uninit<S>*>(*a)->emplace(std::move(msg)); });
    e.w->notify();
  }

  static void take_from_sender(const wait_entry<P>& e, uninit<S>& out) noexcept {
    auto* pk = static_cast<packet*>(e.packet);
    // SAFETY: [Z1] — we claimed the sender; it waits for our notify() before touching (or
    // destroying) its message.
    pk->at.with_mut([&](void** a) { out.emplace(std::move(*static_cast<S*>(*a))); });
    e.w->notify();
  }

  // Whether `q` holds an entry satisfying `pred` that is not `self`'s and still waits. An entry
  // whose waiter is already claimed (a select that saw us and is withdrawing) does not count:
  // two selects that each saw the other would otherwise both abort and retry in lockstep
  // (crossbeam's zero flavor checks `selected() == Waiting` for the same reason).
  template <class Pred>
  static bool has_other(const waiter_queue<P>& q, const waiter<P>* self, Pred pred) noexcept {
    return q.any_of([self, &pred](const wait_entry<P>& e) {
      return e.w != self && pred(e) && e.w->selected() == sel_waiting;
    });
  }
  static bool has_packet(const wait_entry<P>& e) noexcept { return e.packet != nullptr; }
  static bool is_observer(const wait_entry<P>& e) noexcept { return e.packet == nullptr; }

  void remove(wait_entry<P>& e, bool from_senders) noexcept {
    lock_guard g(lock_);
    state_.with_mut(g, [&](state* s) { (from_senders ? s->senders : s->receivers).remove(e); });
  }

  mutable spin_lock<P> lock_;
  guarded<state, P> state_;  // only under lock_ (guarded.hpp: the guard is the proof)
  typename P::template atomic<bool> closed_{false};  // mirrors state_.disconnected ([Z3])
};

}  // namespace sluice::detail
