// sluice/flavors/spsc_ring.hpp — the bounded single-producer / single-consumer flavor: a ring
// of `cap` plain slots with cached head/tail indices, and blocking through the wait lists.
//
// Algorithm: Lamport's SPSC ring with index caching (each side keeps a private copy of the
// other's index and re-reads the shared one only when its copy says full / empty), as in
// rigtorp's SPSCQueue, folly's ProducerConsumerQueue and atomic_queue; written from the idea.
// Two changes for a channel: a close mark in the tail word (a send racing a close lands before
// it or fails with its message back, as in the array flavor), and waiter.hpp's "nobody waits"
// fast path: one seq_cst instruction per operation (the tail CAS; a fence after the head store).
//
// State words (size_t): tail = next position to write (bits 0..62) | mark (bit 63: closed);
// head = next position to read. Positions never wrap (2^63 at 1 ns: 292 years); each side
// tracks its slot index incrementally. tail - head messages are in the ring; only the producer
// moves tail's position, only the consumer moves head; any handle may set the mark, none
// clears it. Each side's private view (a P::cell on its own cache line): its position, slot
// index, and cached copy of the other index.
//
// Synchronization
//   [R1] head load (acquire)      the producer refreshes its cache; sees slots freed by [R4].
//   [R2] tail CAS (seq_cst)       publishes the message written into its slot (pairs with
//                                 [R3]); seq_cst so it and the receivers' wait-list load [L2]
//                                 are in S. It fails only on the close mark [R6]: the message
//                                 goes back. Acquire on failure: "closed" happens-after the close.
//   [R3] tail load (acquire)      the consumer refreshes its cache; sees [R2]'s messages and,
//                                 reading the mark, everything before the close.
//   [R4] head store (release)     returns the slot after the message was moved out; pairs with [R1].
//   [R5] fence (seq_cst)          after [R4], before the senders' [L2]: the store-buffering pair
//                                 with a producer that registers on a full ring and re-checks.
//   [R6] tail fetch_or (seq_cst)  closes: every later [R2] fails; in S with [L2] of both lists.
//   [R7] loads (seq_cst)          len/readiness/is_disconnected, in S with [R2]/[R6] and [L1].
//   [R8] tail re-load (acquire)   the producer saw the mark with its relaxed own-index read:
//                                 reporting closed happens-after the close (FINDING-1).
//
// Memory: the wait lists, the consumer's line (head + its view), the producer's line (tail +
// its view), the read-mostly words, 64 bytes apart by padding (no over-aligned allocation: see
// array.hpp); the slots follow in the same allocation, untouched until messages reach them.
// Who calls what: start_send/write on the one producer, start_recv/consume on the one consumer
// (two threads on one handle race on the private views, which the model tier reports); the
// queries, readiness checks and disconnect touch only atomics and may run anywhere.
#pragma once

#include <cstddef>
#include <limits>
#include <optional>
#include <stdexcept>
#include <type_traits>

#include "sluice/detail/flavor_tries.hpp"
#include "sluice/detail/message.hpp"
#include "sluice/detail/status.hpp"
#include "sluice/detail/wait_port.hpp"
#include "sluice/detail/waiter.hpp"
#include "sluice/platform.hpp"

namespace sluice::detail {
struct spsc_ring_order {
  // ORDERING: relaxed — a side reads the index only it moves (the mark is confirmed by [R8]).
  static constexpr named_order own{"spsc_ring.own", std::memory_order_relaxed};
  // ORDERING: acquire — [R1]/[R3] cache refreshes, pairing with [R4]/[R2].
  static constexpr named_order refresh{"spsc_ring.refresh", std::memory_order_acquire};
  // ORDERING: seq_cst — [R2] publish (see the header); acquire on failure (saw the close mark).
  static constexpr named_order publish{"spsc_ring.publish", std::memory_order_seq_cst};
  static constexpr named_order publish_fail{"spsc_ring.publish_fail", std::memory_order_acquire};
  // ORDERING: release — [R4] hands the slot back.
  static constexpr named_order release_slot{"spsc_ring.release_slot", std::memory_order_release};
  // ORDERING: seq_cst — [R5] fence between [R4] and the senders' [L2].
  static constexpr named_order pop_fence{"spsc_ring.pop_fence", std::memory_order_seq_cst};
  // ORDERING: seq_cst — [R6] close and [R7] observations.
  static constexpr named_order close{"spsc_ring.close", std::memory_order_seq_cst};
  static constexpr named_order observe{"spsc_ring.observe", std::memory_order_seq_cst};
  // ORDERING: acquire — [R8] (see the header).
  static constexpr named_order closed_acquire{"spsc_ring.closed_acquire", std::memory_order_acquire};
  // ORDERING: relaxed — the destructor runs alone (the last handle's counter acquire ordered it).
  static constexpr named_order quiescent{"spsc_ring.quiescent", std::memory_order_relaxed};
};

// What both SPSC flavors share (spsc_list.hpp too, with its [U] labels for these [R] ones):
// the tail word with its close mark, head, each side's private view (View: at least `pos`, and
// `cache`, the consumer's copy of tail), the receivers' wait list, and the operations on them.
// O names the flavor's orderings.
template <class Flavor, class S, class P, class View, class O>
class spsc_core : public flavor_tries<Flavor, S> {
 public:
  using stored = S;
  struct token {
    std::size_t pos = 0;
    bool closed = false;  // after a successful start_*: the channel is closed
  };
  static constexpr std::size_t mark_bit = std::size_t{1} << (std::numeric_limits<std::size_t>::digits - 1);

  bool start_recv(token& t) noexcept {
    // SAFETY: the consumer's view is touched only by the one consumer.
    return consumer_.with_mut([&](View* v) {
      t.pos = v->pos;
      t.closed = false;
      if (v->pos != v->cache) return true;
      // [R3]/[U3] ORDERING: O::refresh.
      const std::size_t tail = tail_.load(O::refresh);
      v->cache = tail & ~mark_bit;
      if (v->pos != v->cache) return true;
      t.closed = (tail & mark_bit) != 0;  // read with the mark: the close happens-before this answer
      return t.closed;
    });
  }
  // One consumer (and one producer): nobody else can wait on its side, so a lone operation
  // never queues behind anyone.
  struct recv_port : listed_recv_port<Flavor, P> {
    using listed_recv_port<Flavor, P>::listed_recv_port;
    bool others_wait() const noexcept { return false; }
  };

  bool is_disconnected() const noexcept {
    // [R7]/[U6] ORDERING: O::observe.
    return tail_.load(O::observe) & mark_bit;
  }
  // Linearizable length: a (tail, head, tail) read with tail unchanged, in S with [R2]/[U2].
  std::size_t len() const noexcept {
    for (;;) {
      // [R7]/[U6] ORDERING: O::observe.
      const std::size_t tail = tail_.load(O::observe);
      // [R7]/[U6] ORDERING: O::observe.
      const std::size_t head = head_.load(O::observe);
      // [R7]/[U6] ORDERING: O::observe.
      if (tail_.load(O::observe) == tail) return (tail & ~mark_bit) - head;
    }
  }
  bool recv_ready() const noexcept {
    // [R7]/[U6] ORDERING: O::observe — in S with [R2]/[U2] and the close.
    const std::size_t tail = tail_.load(O::observe);
    // [R7]/[U6] ORDERING: O::observe.
    return (tail & mark_bit) || (tail & ~mark_bit) != head_.load(O::observe);
  }
  sync_wait_list<P>& receivers() noexcept { return receivers_; }

 protected:
  // The producer's tail into t.pos; false, with t.closed, if it carries the close mark.
  bool open_tail(token& t) noexcept {
    // ORDERING: O::own — only this producer moves tail's position.
    const std::size_t tail = tail_.load(O::own);
    t.pos = tail;
    t.closed = (tail & mark_bit) != 0;
    // [R8]/[U7] ORDERING: O::closed_acquire — reporting closed happens-after the close.
    if (t.closed) (void)tail_.load(O::closed_acquire);
    return !t.closed;
  }
  // Moves `msg` into the reserved `slot` and publishes it [R2]/[U2]; `advance` then moves the
  // producer's view on. On a close that came first the message goes back into `msg`.
  template <class Slot, class Advance>
  status publish(token& t, S& msg, Slot& slot, Advance advance) noexcept {
    // SAFETY: the slot of t.pos is free and unpublished until the CAS; the consumer does not
    // read it before [R3]/[U3] sees the CAS.
    slot.with_mut([&](uninit<S>* v) { v->emplace(std::move(msg)); });
    std::size_t expected = t.pos;
    // [R2]/[U2] ORDERING: O::publish / O::publish_fail.
    if (!tail_.compare_exchange_strong(expected, t.pos + 1, O::publish, O::publish_fail)) {
      // Only the close mark changes tail under the producer. SAFETY: still unpublished.
      slot.with_mut([&](uninit<S>* v) { restore(msg, *v); });
      return status::closed;
    }
    // SAFETY: the producer's view is touched only by the one producer.
    producer_.with_mut(advance);
    receivers_.notify_one();
    return status::ok;
  }
  // Sets the close mark [R6]/[U5]; false if another call (or the other side's drop) did.
  bool mark_closed() noexcept {
    if (is_disconnected()) return false;
    // [R6]/[U5] ORDERING: O::close.
    return !(tail_.fetch_or(mark_bit, O::close) & mark_bit);
  }

  static constexpr std::size_t line = 64;
  sync_wait_list<P> receivers_;
  char pad0_[line];
  // The consumer's line.
  typename P::template atomic<std::size_t> head_{0};
  typename P::template cell<View> consumer_;
  char pad1_[line];
  // The producer's line.
  typename P::template atomic<std::size_t> tail_{0};
  typename P::template cell<View> producer_;
  char pad2_[line];
};

// One side's private view: its position (the producer's stays unused: tail holds it), its slot
// index, its cached copy of the other side's index.
struct spsc_ring_view {
  std::size_t pos = 0;
  std::size_t idx = 0;
  std::size_t cache = 0;
};

template <class S, class P>
class spsc_ring_flavor : public spsc_core<spsc_ring_flavor<S, P>, S, P, spsc_ring_view, spsc_ring_order> {
  using base = spsc_core<spsc_ring_flavor<S, P>, S, P, spsc_ring_view, spsc_ring_order>;
  using view = spsc_ring_view;
  using slot = typename P::template cell<uninit<S>>;

 public:
  using token = typename base::token;
  static constexpr std::size_t max_capacity = base::mark_bit >> 1;
  static constexpr std::size_t trailing_align = alignof(slot);
  static std::size_t trailing_bytes(std::size_t cap) {
    if (cap == 0 || cap > max_capacity || cap > (std::numeric_limits<std::size_t>::max() - 4096) / sizeof(slot))
      throw std::length_error("sluice::spsc_bounded: capacity exceeds the channel's index space");
    return cap * sizeof(slot);
  }

  spsc_ring_flavor(std::size_t cap, void* trailing) noexcept : cap_(cap), slots_(static_cast<slot*>(trailing)) {
    if constexpr (!std::is_trivially_default_constructible_v<slot> || !std::is_trivially_destructible_v<slot>)
      for (std::size_t i = 0; i < cap; ++i) ::new (static_cast<void*>(&slots_[i])) slot();
  }
  spsc_ring_flavor(const spsc_ring_flavor&) = delete;
  spsc_ring_flavor& operator=(const spsc_ring_flavor&) = delete;

  ~spsc_ring_flavor() {
    // Single-threaded: every handle is gone. Destroy the messages between head and tail.
    // ORDERING: spsc_ring.quiescent.
    const std::size_t head = this->head_.load(spsc_ring_order::quiescent);
    // ORDERING: spsc_ring.quiescent.
    const std::size_t tail = this->tail_.load(spsc_ring_order::quiescent) & ~base::mark_bit;
    // SAFETY: quiescent — no other thread can reach the consumer's view any more.
    std::size_t idx = this->consumer_.with([](const view* v) { return v->idx; });
    for (std::size_t n = tail - head; n > 0; --n) {
      // SAFETY: positions in [head, tail) hold written, unread messages; no other thread remains.
      slots_[idx].with_mut([](uninit<S>* v) { v->destroy(); });
      idx = idx + 1 < cap_ ? idx + 1 : 0;
    }
    if constexpr (!std::is_trivially_destructible_v<slot>)
      for (std::size_t i = 0; i < cap_; ++i) slots_[i].~slot();
  }
  // Producer: reserves the next slot if the ring has room (or reports closed through the token).
  bool start_send(token& t) noexcept {
    if (!this->open_tail(t)) return true;
    // SAFETY: the producer's view is touched only by the one producer.
    return this->producer_.with_mut([&](view* v) {
      if (t.pos - v->cache < cap_) return true;
      // [R1] ORDERING: spsc_ring.refresh.
      v->cache = this->head_.load(spsc_ring_order::refresh);
      return t.pos - v->cache < cap_;
    });
  }
  status write(token& t, S& msg) noexcept {
    if (t.closed) return status::closed;
    // SAFETY: the producer's view is touched only by the one producer.
    const std::size_t idx = this->producer_.with([](const view* v) { return v->idx; });
    return this->publish(t, msg, slots_[idx], [&](view* v) { v->idx = idx + 1 < cap_ ? idx + 1 : 0; });
  }
  // Consumer: commits a receive; `sink` moves the message out of (or destroys it in) the slot.
  template <class Sink>
  status consume(token& t, Sink&& sink) noexcept {
    if (t.closed) return status::closed;
    // SAFETY: the consumer's view is touched only by the one consumer.
    const std::size_t idx = this->consumer_.with_mut([&](view* v) {
      const std::size_t i = v->idx;
      v->idx = i + 1 < cap_ ? i + 1 : 0;
      v->pos = t.pos + 1;
      return i;
    });
    // SAFETY: position t.pos < tail was published by [R2] (seen by [R3]); until [R4] the
    // producer does not reuse the slot.
    slots_[idx].with_mut([&](uninit<S>* v) { sink(*v); });
    // [R4] ORDERING: spsc_ring.release_slot.
    this->head_.store(t.pos + 1, spsc_ring_order::release_slot);
    // [R5] ORDERING: spsc_ring.pop_fence.
    P::fence(spsc_ring_order::pop_fence);
    senders_.notify_one();
    return status::ok;
  }

  struct send_port : listed_send_port<spsc_ring_flavor, P> {
    using listed_send_port<spsc_ring_flavor, P>::listed_send_port;
    bool others_wait() const noexcept { return false; }
  };

  // Closes the channel: later sends fail; buffered messages stay receivable.
  bool disconnect() noexcept {
    if (!this->mark_closed()) return false;
    senders_.disconnect();
    this->receivers_.disconnect();
    return true;
  }

  std::optional<std::size_t> capacity() const noexcept { return cap_; }
  bool is_full() const noexcept { return this->len() == cap_; }
  // The seq_cst re-check after a sender's registration [L1] (waiter.hpp).
  bool send_ready() const noexcept {
    // [R7] ORDERING: spsc_ring.observe.
    const std::size_t tail = this->tail_.load(spsc_ring_order::observe);
    if (tail & base::mark_bit) return true;
    // [R7] ORDERING: spsc_ring.observe — pairs with [R4]+[R5] (store buffering, see [R5]).
    return tail - this->head_.load(spsc_ring_order::observe) < cap_;
  }
  sync_wait_list<P>& senders() noexcept { return senders_; }

 private:
  // Read-mostly: written only at creation (and the wait list when someone blocks).
  const std::size_t cap_;
  slot* const slots_;
  sync_wait_list<P> senders_;
  char pad3_[base::line];  // the slots follow
};
}  // namespace sluice::detail
