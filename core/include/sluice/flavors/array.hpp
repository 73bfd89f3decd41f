// sluice/flavors/array.hpp — the bounded flavor: a preallocated ring of stamped slots.
//
// Algorithm: Dmitry Vyukov's bounded MPMC queue (1024cores.net) in crossbeam-channel's array
// flavor's form (a lap counter and a disconnect mark in the head/tail words, a stamp per
// slot); credit to both, re-derived here.
//
// State words (size_t), capacity `cap`: mark_bit = next_pow2(cap + 1), one_lap = 2 * mark_bit;
// head, tail = lap (multiples of one_lap) | mark (tail only: closed) | index; slot[i].stamp =
// the position the slot expects next: == tail -> free for a sender, == head + 1 -> a message.
// One lap of a slot: stamp=t (free) --sender claims tail t, writes, [A2] stamp=t+1 (full)
// --receiver claims head t, reads, [A4] stamp=t+one_lap (free for the next lap).
//
// Synchronization
//   [A1] tail CAS (seq_cst)      claims a slot; in S with the receivers' wait-list load [L2].
//   [A2] stamp store (release)   publishes the written message; pairs with [A3].
//   [A3] stamp load (acquire)    a receiver sees the message written before [A2]; a sender
//                                sees the slot freed by [A4].
//   [A4] stamp store (release)   returns the slot after the message was moved out.
//   [A5] head CAS (seq_cst)      claims a message; in S with the senders' flag load.
//   [A6] fence + load (seq_cst)  the full/empty decision reads head/tail after a seq_cst fence,
//                                so a try cannot report empty (full) against a completed send
//                                (receive) that precedes it in S.
//   [A7] tail fetch_or (seq_cst) closes: every later claim sees the mark.
//   [A8] tail re-load (acquire)  after a relaxed read saw the mark: reporting "closed"
//                                happens-after the close (found by the model tier, FINDING-1).
// Hand-off to a waiting party (Go's and flume's): a blocked lone thread waits with a packet
// (its wait port) — a sender's points at its message, a receiver's at its destination. The
// party that runs does the waiting one's operation through the slots, so the order stays the
// ring's, and wakes it with its operation done: the woken thread never finds its message taken
// by another receiver (a wake-up for nothing), and the ring need not wait for it to be
// scheduled (on an oversubscribed machine, the whole cost of a bounded(1) channel).
//   [A9]  A receiver that frees a slot claims the oldest waiting sender and, if it has a packet,
//         sends its message itself (start_send/publish) before waking it.
//   [A10] A sender that publishes a message claims the oldest waiting receiver and, if it has a
//         packet, receives for it (start_recv/take into its destination) before waking it; that
//         receive frees a slot, so it completes a waiting send as [A9] does. [A9]'s own publish
//         wakes a receiver without a hand-off, so one operation completes at most two others.
//   If the claim finds the ring full (empty) again, or closed, the party wakes without delivery
//   and retries. The packet is written by its owner before it registers (published by the wait
//   list's lock), read and marked delivered by the claimer, then notify(); the owner reads it
//   again only after consuming that notification (waiter.hpp).
// Memory: one allocation (the shared state, then the slots); head, tail and the read-mostly
// fields 64 bytes apart by padding, not over-aligned allocation (aligned new is several times
// slower than plain new with glibc 2.36).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>

#include "sluice/detail/backoff.hpp"
#include "sluice/detail/flavor_tries.hpp"
#include "sluice/detail/wait_port.hpp"
#include "sluice/detail/message.hpp"
#include "sluice/detail/status.hpp"
#include "sluice/detail/waiter.hpp"
#include "sluice/platform.hpp"

namespace sluice::detail {
namespace array_order {
// ORDERING: relaxed — a first guess of head/tail; the CASes [A1]/[A5] validate it.
inline constexpr named_order peek{"array.peek", std::memory_order_relaxed};
// ORDERING: seq_cst — [A1]/[A5] claims (see the header); relaxed on failure (a retry).
inline constexpr named_order claim{"array.claim", std::memory_order_seq_cst};
inline constexpr named_order claim_fail{"array.claim_fail", std::memory_order_relaxed};
// ORDERING: acquire — [A3] pairs with [A2] and [A4].
inline constexpr named_order stamp_load{"array.stamp_load", std::memory_order_acquire};
// ORDERING: release — [A2] publishes the message, [A4] returns the slot.
inline constexpr named_order stamp_publish{"array.stamp_publish", std::memory_order_release};
inline constexpr named_order stamp_release{"array.stamp_release", std::memory_order_release};
// ORDERING: seq_cst — [A6] fence before the full/empty decision.
inline constexpr named_order decide_fence{"array.decide_fence", std::memory_order_seq_cst};
// ORDERING: acquire — [A8] re-reads tail after a relaxed read saw the close mark, from [A7]'s
// release sequence: reporting closed happens-after the close. A re-read, not a fence: the same
// cost on this rare path, and ThreadSanitizer understands it.
inline constexpr named_order closed_acquire{"array.closed_acquire", std::memory_order_acquire};
// ORDERING: seq_cst — [A7] and the readiness/len reads that must be in S with the claims.
inline constexpr named_order close{"array.close", std::memory_order_seq_cst};
inline constexpr named_order observe{"array.observe", std::memory_order_seq_cst};
}  // namespace array_order

template <class S, class P>
class array_flavor : public flavor_tries<array_flavor<S, P>, S> {
 public:
  using stored = S;
  struct token {
    void* slot = nullptr;  // nullptr after a successful start_*: the channel is closed
    std::size_t stamp = 0;
  };

  // The largest capacity whose positions fit the index space with room for the lap counter.
  static constexpr std::size_t max_capacity = std::numeric_limits<std::size_t>::max() >> 8;

  static constexpr std::size_t trailing_align = 16 > alignof(S) ? 16 : alignof(S);
  static std::size_t trailing_bytes(std::size_t cap) {
    if (cap == 0 || cap > max_capacity || cap > (std::numeric_limits<std::size_t>::max() - 4096) / sizeof(slot))
      throw std::length_error("sluice::bounded: capacity exceeds the channel's index space");
    return cap * sizeof(slot);
  }

  array_flavor(std::size_t cap, void* trailing) noexcept
      : cap_(cap), mark_bit_(next_pow2(cap + 1)), one_lap_(mark_bit_ * 2),
        slots_(static_cast<slot*>(trailing)) {
    for (std::size_t i = 0; i < cap; ++i) ::new (static_cast<void*>(&slots_[i])) slot(i);
  }
  array_flavor(const array_flavor&) = delete;
  array_flavor& operator=(const array_flavor&) = delete;

  ~array_flavor() {
    // Single-threaded: every handle is gone. Destroy the messages between head and tail.
    // ORDERING: array.peek — the last handle's release/acquire on the counter synchronized us.
    const std::size_t head = head_.load(array_order::peek);
    const std::size_t tail = tail_.load(array_order::peek) & ~mark_bit_;
    std::size_t hix = head & (mark_bit_ - 1);
    for (std::size_t n = count(head, tail); n > 0; --n) {
      // SAFETY: slots between head and tail hold written messages; no other thread remains.
      slots_[hix].value.with_mut([](uninit<S>* v) { v->destroy(); });
      hix = hix + 1 < cap_ ? hix + 1 : 0;
    }
    for (std::size_t i = 0; i < cap_; ++i) slots_[i].~slot();
  }

  // One attempt inline, the retries out of line (send_retry): what an operation that need not
  // wait executes is small enough to inline into its caller. The two together run the same
  // sequence of atomic operations as one loop.
  bool start_send(token& t) noexcept {
    // ORDERING: array.peek — a guess; [A1] validates.
    std::size_t tail = tail_.load(array_order::peek);
    const step st = send_step(t, tail);
    if (st == step::claimed) return true;
    if (st == step::refused) return false;
    return send_retry(t, tail, st);
  }
  // Commits a send: moves `msg` into the reserved slot (only on success).
  status write(token& t, S& msg) noexcept {
    if (!t.slot) return status::closed;
    publish(t, msg);
    complete_a_waiting_recv();
    return status::ok;
  }

  // As start_send: one attempt inline, the retries out of line.
  bool start_recv(token& t) noexcept {
    // ORDERING: array.peek — a guess; [A5] validates.
    std::size_t head = head_.load(array_order::peek);
    const step st = recv_step(t, head);
    if (st == step::claimed) return true;
    if (st == step::refused) return false;
    return recv_retry(t, head, st);
  }
  // Commits a receive: `sink` moves the message out of (or destroys it in) the claimed slot.
  template <class Sink>
  status consume(token& t, Sink&& sink) noexcept {
    if (!t.slot) return status::closed;
    take(t, sink);
    complete_a_waiting_send();
    return status::ok;
  }
  // A blocked lone thread's packet while it waits ([A9], [A10]): where its message is (T = S,
  // a sender's) or goes (T = uninit<S>, a receiver's destination), and whether the claimer did
  // its operation.
  template <class T>
  struct packet {
    typename P::template cell<T*> at{nullptr};
    typename P::template cell<bool> delivered;
  };

  // The wait ports (wait_port.hpp); only a lone thread waits with a packet ([A9], [A10]): a
  // select's claim must not complete one case while another may have been taken, and a
  // coroutine may be destroyed before it resumes.
  template <class Listed, class T>
  struct packet_port : Listed {
    T& own;  // the sender's message or the receiver's destination
    const bool hand_off;
    std::optional<packet<T>> pk;  // one per wait: made when registering, gone once settled
    packet_port(array_flavor& fl, T& x, wait_mode mode) noexcept
        : Listed(fl, x, mode), own(x), hand_off(mode == wait_mode::one_thread) {}
    bool enroll(wait_entry<P>& e) noexcept {
      if (hand_off) {
        pk.emplace();
        // SAFETY: [A9]/[A10] our own packet, not yet registered.
        pk->at.with_mut([&](T** a) { *a = &own; });
        // SAFETY: [A9]/[A10] as above.
        pk->delivered.with_mut([](bool* d) { *d = false; });
        e.packet = &*pk;
      }
      return listed_port<P>::enroll(e);
    }
    // ok if the claimer did the operation (a sender's `msg` is then moved-from, a receiver's
    // destination holds the message); else the thread retries.
    std::optional<status> settle(std::uintptr_t) noexcept {
      if (!pk) return std::nullopt;
      bool delivered = false;
      // SAFETY: [A9]/[A10] unregistered, or claimed and notified: the packet is ours again.
      pk->delivered.with([&](const bool* d) { delivered = *d; });
      // SAFETY: [A9]/[A10] as above.
      pk->at.with_mut([](T**) {});
      pk.reset();
      return delivered ? std::optional<status>(status::ok) : std::nullopt;
    }
  };
  using send_port = packet_port<listed_send_port<array_flavor, P>, S>;
  using recv_port = packet_port<listed_recv_port<array_flavor, P>, uninit<S>>;

  // Closes the channel: later sends fail; buffered messages stay receivable.
  bool disconnect() noexcept {
    if (is_disconnected()) return false;  // the second side to go: nothing left to do
    // [A7] ORDERING: array.close.
    const std::size_t tail = tail_.fetch_or(mark_bit_, array_order::close);
    if (tail & mark_bit_) return false;
    senders_.disconnect();
    receivers_.disconnect();
    return true;
  }

  bool is_disconnected() const noexcept {
    // ORDERING: array.observe — in S with [A7].
    return tail_.load(array_order::observe) & mark_bit_;
  }
  // Linearizable length: a (tail, head, tail) read with tail unchanged.
  std::size_t len() const noexcept {
    for (;;) {
      // ORDERING: array.observe — the three reads are in S with the claims.
      const std::size_t tail = tail_.load(array_order::observe);
      // ORDERING: array.observe.
      const std::size_t head = head_.load(array_order::observe);
      // ORDERING: array.observe.
      if (tail_.load(array_order::observe) == tail) return count(head, tail & ~mark_bit_);
    }
  }

  std::optional<std::size_t> capacity() const noexcept { return cap_; }
  bool is_full() const noexcept { return len() == cap_; }
  bool send_ready() const noexcept { return !is_full() || is_disconnected(); }
  bool recv_ready() const noexcept { return !this->is_empty() || is_disconnected(); }
  sync_wait_list<P>& senders() noexcept { return senders_; }
  sync_wait_list<P>& receivers() noexcept { return receivers_; }

 private:
  struct slot {
    explicit slot(std::size_t stamp0) noexcept : stamp(stamp0) {}
    typename P::template atomic<std::size_t> stamp;
    typename P::template cell<uninit<S>> value;
  };

  // What one attempt of a claim loop ended with: done (claimed: the token is set, a closed
  // channel included; refused: full or empty), or retry after a backoff step, with the position
  // the failed CAS read (spin_keep) or after reloading it (spin_reload, snooze_reload).
  enum class step : unsigned char { claimed, refused, spin_keep, spin_reload, snooze_reload };

  // One pass of the send loop at position `tail` (updated by a failed CAS).
  step send_step(token& t, std::size_t& tail) noexcept {
    if (tail & mark_bit_) [[unlikely]] {
      // [A8] ORDERING: array.closed_acquire.
      (void)tail_.load(array_order::closed_acquire);
      t.slot = nullptr;
      return step::claimed;
    }
    const std::size_t index = tail & (mark_bit_ - 1);
    slot& s = slots_[index];
    // [A3] ORDERING: array.stamp_load — sees the slot returned by [A4].
    const std::size_t stamp = s.stamp.load(array_order::stamp_load);
    if (tail == stamp) [[likely]] {
      const std::size_t next = index + 1 < cap_ ? tail + 1 : (tail & ~(one_lap_ - 1)) + one_lap_;
      // [A1] ORDERING: array.claim / array.claim_fail.
      if (tail_.compare_exchange_weak(tail, next, array_order::claim, array_order::claim_fail)) {
        t.slot = &s;
        t.stamp = tail + 1;
        return step::claimed;
      }
      return step::spin_keep;  // the failed CAS read tail
    }
    if (stamp + one_lap_ == tail + 1) {
      // The slot still holds last lap's message: full, unless a receiver is mid-way.
      // [A6] ORDERING: array.decide_fence.
      P::fence(array_order::decide_fence);
      // ORDERING: array.peek — ordered by the [A6] fence.
      const std::size_t head = head_.load(array_order::peek);
      return head + one_lap_ == tail ? step::refused : step::spin_reload;
    }
    return step::snooze_reload;  // another sender claimed this position and has not published yet
  }
  [[gnu::noinline]] bool send_retry(token& t, std::size_t tail, step st) noexcept {
    backoff<P> b;
    for (;;) {
      backoff_step(b, st);
      // ORDERING: array.peek — retry guess.
      if (st != step::spin_keep) tail = tail_.load(array_order::peek);
      st = send_step(t, tail);
      if (st == step::claimed) return true;
      if (st == step::refused) return false;
    }
  }

  // One pass of the receive loop at position `head` (updated by a failed CAS).
  step recv_step(token& t, std::size_t& head) noexcept {
    const std::size_t index = head & (mark_bit_ - 1);
    slot& s = slots_[index];
    // [A3] ORDERING: array.stamp_load — sees the message published by [A2].
    const std::size_t stamp = s.stamp.load(array_order::stamp_load);
    if (head + 1 == stamp) [[likely]] {
      const std::size_t next = index + 1 < cap_ ? head + 1 : (head & ~(one_lap_ - 1)) + one_lap_;
      // [A5] ORDERING: array.claim / array.claim_fail.
      if (head_.compare_exchange_weak(head, next, array_order::claim, array_order::claim_fail)) {
        t.slot = &s;
        t.stamp = head + one_lap_;
        return step::claimed;
      }
      return step::spin_keep;  // the failed CAS read head
    }
    if (stamp == head) {
      // [A6] ORDERING: array.decide_fence.
      P::fence(array_order::decide_fence);
      // ORDERING: array.peek — ordered by the [A6] fence.
      const std::size_t tail = tail_.load(array_order::peek);
      if ((tail & ~mark_bit_) == head) {
        if (tail & mark_bit_) {
          // [A8] ORDERING: array.closed_acquire.
          (void)tail_.load(array_order::closed_acquire);
          t.slot = nullptr;
          return step::claimed;
        }
        return step::refused;
      }
      return step::spin_reload;
    }
    return step::snooze_reload;  // a receiver claimed this position and has not returned the slot yet
  }
  [[gnu::noinline]] bool recv_retry(token& t, std::size_t head, step st) noexcept {
    backoff<P> b;
    for (;;) {
      backoff_step(b, st);
      // ORDERING: array.peek — retry guess.
      if (st != step::spin_keep) head = head_.load(array_order::peek);
      st = recv_step(t, head);
      if (st == step::claimed) return true;
      if (st == step::refused) return false;
    }
  }
  static void backoff_step(backoff<P>& b, step st) noexcept {
    if (st == step::snooze_reload)
      b.snooze();
    else
      b.spin();
  }

  // Moves `msg` into the slot a send claimed and publishes it ([A2]).
  void publish(token& t, S& msg) noexcept {
    slot& s = *static_cast<slot*>(t.slot);
    // SAFETY: the slot was claimed by [A1]; until [A2] no receiver reads it.
    s.value.with_mut([&](uninit<S>* v) { v->emplace(std::move(msg)); });
    // [A2] ORDERING: array.stamp_publish.
    s.stamp.store(t.stamp, array_order::stamp_publish);
  }
  // Lets `sink` have the message of the slot a receive claimed, and returns the slot ([A4]).
  template <class Sink>
  void take(token& t, Sink&& sink) noexcept {
    slot& s = *static_cast<slot*>(t.slot);
    // SAFETY: the slot was claimed by [A5] and published by [A2] (seen by [A3]).
    s.value.with_mut([&](uninit<S>* v) { sink(*v); });
    // [A4] ORDERING: array.stamp_release.
    s.stamp.store(t.stamp, array_order::stamp_release);
  }

  // After freeing a slot: wakes the oldest waiting sender, first sending its packet's message
  // ([A9]). That publish wakes a receiver without a hand-off (no chain of hand-offs). Inline up
  // to claim_one's [L2] check (nobody waits, most calls); the hand-off out of line.
  void complete_a_waiting_send() noexcept {
    senders_.claim_one([this](const wait_entry<P>& claimed) {
      if (claimed.packet) {
        auto* pk = static_cast<packet<S>*>(claimed.packet);
        token t;
        if (start_send(t) && t.slot) {
          // SAFETY: [A9] we claimed the sender; it touches its packet only after our notify().
          pk->at.with_mut([&](S** m) { publish(t, **m); });
          receivers_.notify_one();
          // SAFETY: [A9] as above.
          pk->delivered.with_mut([](bool* d) { *d = true; });
        }
      }
      claimed.w->notify();
    });
  }
  // After publishing a message: wakes the oldest waiting receiver, first receiving for it into
  // its packet's destination ([A10]); the slot that receive frees completes a waiting send
  // ([A9]) after the receiver is woken.
  void complete_a_waiting_recv() noexcept {
    receivers_.claim_one([this](const wait_entry<P>& claimed) {
      if (!claimed.packet) {
        claimed.w->notify();
        return;
      }
      auto* pk = static_cast<packet<uninit<S>>*>(claimed.packet);
      token t;
      const bool took = start_recv(t) && t.slot;
      if (took) {
        // SAFETY: [A10] we claimed the receiver; it touches its packet only after our notify().
        pk->at.with_mut([&](uninit<S>** out) { take(t, [&](uninit<S>& v) { (*out)->move_from(v); }); });
        // SAFETY: [A10] as above. (Structural mutant recv_handoff_unmarked leaves this out.)
        if (!mutant<P>("recv_handoff_unmarked")) pk->delivered.with_mut([](bool* d) { *d = true; });
      }
      claimed.w->notify();
      if (took) complete_a_waiting_send();
    });
  }

  static constexpr std::size_t next_pow2(std::size_t v) noexcept {
    std::size_t p = 1;
    while (p < v) p <<= 1;
    return p;
  }
  // Messages between positions head and tail (both without the mark).
  std::size_t count(std::size_t head, std::size_t tail) const noexcept {
    const std::size_t hix = head & (mark_bit_ - 1);
    const std::size_t tix = tail & (mark_bit_ - 1);
    if (hix < tix) return tix - hix;
    if (hix > tix) return cap_ - hix + tix;
    return tail == head ? 0 : cap_;
  }

  static constexpr std::size_t line = 64;

  // Read-mostly: written only at creation (and the wait lists when someone blocks).
  const std::size_t cap_;
  const std::size_t mark_bit_;
  const std::size_t one_lap_;
  slot* const slots_;
  sync_wait_list<P> senders_;
  sync_wait_list<P> receivers_;
  char pad0_[line];
  typename P::template atomic<std::size_t> head_{0};
  char pad1_[line];
  typename P::template atomic<std::size_t> tail_{0};
  char pad2_[line];
};
}  // namespace sluice::detail
