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
// observer (there is no receiver ready to take the message at that instant). A ready()
// (wait_mode::observe) observes either side: a send observer offers no message, so receivers
// skip it (they pair only with a sender's packet, or wait), and a receiver with a packet that
// queues wakes one send observer, as a sender wakes a receive observer. Observers never wake
// observers: neither could complete the other's operation.
// A waiter that times out or is cancelled claimed itself (nobody else will touch its packet)
// and removes its entry under the lock; its message never left its own storage.
//   [Z3] closed_ (release/acquire): a lock-free mirror of `disconnected` for queries.
// The flavor itself never spins before parking; the std parker spins briefly and yields a few
// times before it sleeps (std_parker.hpp), so a hand-off to a party still doing so costs no
// futex wake.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>

#include "sluice/detail/wait_port.hpp"
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
 private:
  struct state {
    waiter_queue<P> senders;
    waiter_queue<P> receivers;
    bool disconnected = false;
  };

  // A lone party's step under the lock: pair with the partner `claim` takes (ok: `complete`
  // it), or closed, or give up (give_up(): stop token, deadline), or queue itself (`queue`,
  // which returns an observer of the other side to wake). Completing and waking happen outside
  // the lock.
  template <class Claim, class GiveUp, class Queue, class Complete>
  std::optional<status> pair_or_queue(Claim claim, GiveUp& give_up, Queue queue, Complete complete) {
    std::optional<wait_entry<P>> claimed;
    std::optional<status> st;
    {
      lock_guard g(lock_);
      st = state_.with_mut(g, [&](state* s) -> std::optional<status> {
        if ((claimed = claim(s))) return status::ok;
        if (s->disconnected) return status::closed;
        if (std::optional<status> gave_up = give_up()) return gave_up;
        claimed = queue(s);
        return std::nullopt;
      });
    }
    if (st == status::ok)
      complete(*claimed);
    else if (claimed)
      claimed->w->notify();
    return st;
  }

  // A registration that waits among others (enroll: a select, a coroutine, a ready()): `push`
  // queues it on its side; ready if closed or a partner with a packet waits on the other side;
  // else, if it offers a packet itself, it wakes one observer there, which then acts itself.
  template <class Push>
  bool enroll_side(wait_entry<P>& e, bool sender, bool offers, Push push) noexcept {
    std::optional<wait_entry<P>> observer;
    bool ready;
    {
      lock_guard g(lock_);
      ready = state_.with_mut(g, [&](state* s) {
        push(s);
        waiter_queue<P>& other = sender ? s->receivers : s->senders;
        if (s->disconnected || has_other(other, e.w, has_packet)) return true;
        if (offers) observer = other.try_claim_if(is_observer, e.w);
        return false;
      });
    }
    if (observer) observer->w->notify();
    return ready;
  }

  // Passes on an observer's wake-up it cannot use: wakes another observer on side `sender` if a
  // partner with a packet still waits on the other side.
  void pass_wake(bool sender) noexcept {
    std::optional<wait_entry<P>> observer;
    {
      lock_guard g(lock_);
      state_.with_mut(g, [&](state* s) {
        if ((sender ? s->receivers : s->senders).any_of(has_packet))
          observer = (sender ? s->senders : s->receivers).try_claim_if(is_observer);
      });
    }
    if (observer) observer->w->notify();
  }

  // A try: pair with the oldest partner with a packet on the other side (ok: `complete` it,
  // outside the lock), else closed or `would_block`.
  template <class Complete>
  status try_pair(bool sender, status would_block, Complete complete) noexcept {
    std::optional<wait_entry<P>> partner;
    status st;
    {
      lock_guard g(lock_);
      st = state_.with_mut(g, [&](state* s) {
        if ((partner = (sender ? s->receivers : s->senders).try_claim_if(has_packet))) return status::ok;
        return s->disconnected ? status::closed : would_block;
      });
    }
    if (partner) complete(*partner);
    return st;
  }

  // A lone thread's wait ended by its own claim: cancelled, or timed out (its deadline). Other
  // waiters retry.
  static std::optional<status> lone_end(wait_mode mode, std::uintptr_t sel) noexcept {
    if (mode != wait_mode::one_thread) return std::nullopt;
    return sel == sel_cancelled ? status::cancelled : status::timed_out;
  }

 public:
  using stored = S;

  static constexpr std::size_t trailing_align = 1;
  static std::size_t trailing_bytes() noexcept { return 0; }

  zero_flavor() = default;
  zero_flavor(const zero_flavor&) = delete;
  zero_flavor& operator=(const zero_flavor&) = delete;

  // Out of line (both tries): their lock and claim are big, and inlined into the channel's
  // type switch they crowd out the other flavors' tries. Measured with bench/ir_ab.sh, mixed:
  // unbounded send+recv 263 -> 246 instructions, bounded(1) 252 -> 274 (one translation unit).
  [[gnu::noinline]] status try_send(S& msg) noexcept {
    return try_pair(/*sender=*/true, status::full, [&](const wait_entry<P>& r) { hand_to_receiver(r, msg); });
  }
  [[gnu::noinline]] status try_recv(uninit<S>& out) noexcept {
    return try_pair(/*sender=*/false, status::empty, [&](const wait_entry<P>& snd) { take_from_sender(snd, out); });
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

  // A registration's packet: a sender's points at its message (the message stays where it is
  // until a receiver moves it out); a receiver's at its destination.
  struct packet {
    packet() = default;
    explicit packet(uninit<S>& destination) noexcept : at(static_cast<void*>(&destination)) {}
    // S* (a waiting sender's message) or uninit<S>* (a waiting receiver's destination).
    typename P::template cell<void*> at{nullptr};
  };

  // The wait ports (wait_port.hpp). A lone thread tries and registers in one critical section
  // (try_or_enroll); a select registers (enroll) and reports a waiting partner as "ready", so
  // that it retries instead of completing one case while another may have been claimed. A
  // coroutine receives, and a ready() (wait_mode::observe) sends or receives, as an observer;
  // every claim of a registration with a packet completes the operation (settle). Neither side
  // spins: a hand-off needs the partner scheduled anyway.
  struct send_port : quiet_port {
    zero_flavor& f;
    S& msg;
    wait_mode mode;
    std::optional<packet> pk;  // none for an observer (a ready())
    send_port(zero_flavor& fl, S& m, wait_mode md) noexcept : f(fl), msg(m), mode(md) {
      if (md != wait_mode::observe) pk.emplace();
    }

    std::optional<status> try_now() noexcept { return unless_would_block(f.try_send(msg), status::full); }
    template <class GiveUp>
    std::optional<status> try_or_enroll(wait_entry<P>& e, GiveUp give_up) {
      return f.pair_or_queue(
          [](state* s) { return s->receivers.try_claim_if(has_packet); }, give_up,
          [&](state* s) {
            queue(s, e);
            return s->receivers.try_claim_if(is_observer);  // an observer takes it itself
          },
          [&](const wait_entry<P>& r) { hand_to_receiver(r, msg); });
    }
    bool enroll(wait_entry<P>& e) noexcept {
      return f.enroll_side(e, /*sender=*/true, pk.has_value(), [&](state* s) { queue(s, e); });
    }
    bool ready() const noexcept { return false; }  // decided under the lock by enroll
    void withdraw(wait_entry<P>& e) noexcept {
      f.remove(e, /*from_senders=*/true);
      end_offer();
    }
    std::optional<status> settle(std::uintptr_t sel) noexcept {
      // A receiver took it ([Z1]), or, for an observer, only woke it.
      if (sel >= sel_first_operation) return pk ? std::optional<status>(status::ok) : std::nullopt;
      if (sel == sel_disconnected) {
        end_offer();
        return status::closed;
      }
      return lone_end(mode, sel);
    }
    // A claim took the message; an observer passes on a wake-up it was given.
    void forward() noexcept {
      if (!pk) f.pass_wake(/*sender=*/true);
    }

   private:
    void queue(state* s, wait_entry<P>& e) noexcept {
      // SAFETY: our own packet, not yet visible to anyone (queued only below, under the lock).
      if (pk) pk->at.with_mut([&](void** a) { *a = static_cast<void*>(&msg); });
      e.packet = pk ? &*pk : nullptr;
      s->senders.push(e);
    }
    // SAFETY: unqueued, or claimed by a disconnect (which moves nothing): the packet is ours,
    // and the message never left `msg`.
    void end_offer() noexcept {
      if (pk) pk->at.with_mut([](void**) {});
    }
  };

  struct recv_port : quiet_port {
    zero_flavor& f;
    uninit<S>& out;
    wait_mode mode;
    std::optional<packet> pk;  // none for an observer (a coroutine, a ready())
    recv_port(zero_flavor& fl, uninit<S>& o, wait_mode md) noexcept : f(fl), out(o), mode(md) {
      if (md == wait_mode::one_thread || md == wait_mode::select) pk.emplace(o);
    }

    std::optional<status> try_now() noexcept { return unless_would_block(f.try_recv(out), status::empty); }
    template <class GiveUp>
    std::optional<status> try_or_enroll(wait_entry<P>& e, GiveUp give_up) {
      return f.pair_or_queue(
          [](state* s) { return s->senders.try_claim_if(has_packet); }, give_up,
          [&](state* s) {
            e.packet = &*pk;
            s->receivers.push(e);
            return s->senders.try_claim_if(is_observer);  // a ready() on the send side
          },
          [&](const wait_entry<P>& snd) { take_from_sender(snd, out); });
    }
    // An observer registers without a packet: it is woken to take a message itself, never
    // handed one.
    bool enroll(wait_entry<P>& e) noexcept {
      return f.enroll_side(e, /*sender=*/false, pk.has_value(), [&](state* s) {
        e.packet = pk ? &*pk : nullptr;
        s->receivers.push(e);
      });
    }
    bool ready() const noexcept { return false; }  // decided under the lock by enroll
    void withdraw(wait_entry<P>& e) noexcept { f.remove(e, /*from_senders=*/false); }
    std::optional<status> settle(std::uintptr_t sel) noexcept {
      if (sel >= sel_first_operation) {
        if (!pk) return std::nullopt;  // an observer: woken to take it itself
        // SAFETY: the sender moved the message into our destination before notify() ([Z1] ->
        // [Z2]).
        pk->at.with_mut([](void**) {});
        return status::ok;
      }
      if (sel == sel_disconnected) return status::closed;
      return lone_end(mode, sel);
    }
    // Passes on a wake-up that a destroyed observer was given.
    void forward() noexcept { f.pass_wake(/*sender=*/false); }
  };

  std::size_t len() const noexcept { return 0; }
  std::optional<std::size_t> capacity() const noexcept { return 0; }
  bool is_empty() const noexcept { return true; }
  bool is_full() const noexcept { return true; }

 private:
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

  mutable short_lock<P> lock_;
  guarded<state, P> state_;  // only under lock_ (guarded.hpp: the guard is the proof)
  typename P::template atomic<bool> closed_{false};  // mirrors state_.disconnected ([Z3])
};

}  // namespace sluice::detail
