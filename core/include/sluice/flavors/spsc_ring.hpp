// sluice/flavors/spsc_ring.hpp — the bounded single-producer / single-consumer flavor: a ring
// of `cap` plain slots with cached head/tail indices, and blocking through the wait lists.
//
// Algorithm: Lamport's single-producer/single-consumer ring with index caching — each side
// keeps a private copy of the other side's index and re-reads the shared one only when its
// copy says "full" (producer) or "empty" (consumer) — as in rigtorp's SPSCQueue, folly's
// ProducerConsumerQueue and atomic_queue; credited by name, written here from the idea. Two
// changes for a channel: a close mark in the tail word (so a send racing a close either lands
// before it or fails with its message back, exactly as in the array flavor), and the
// "nobody waits" fast path of waiter.hpp, which costs one seq_cst instruction per operation:
// the tail CAS on the producer side, a fence after the head store on the consumer side.
//
// State words (size_t):
//   tail = position of the next message to write (bits 0..62) | mark (bit 63: closed)
//   head = position of the next message to read
//   Positions count from 0 and never wrap (2^63 messages at 1 ns each take 292 years); the
//   slot of a position is tracked incrementally by its side (no division). Messages in the
//   ring: tail - head (0..cap). Only the producer moves tail's position, only the consumer
//   moves head; any handle may set the mark (close), and nothing clears it.
// Private views (P::cell, one per side, on that side's cache line): the side's position, its
// slot index, and its cached copy of the other side's index.
//
// Synchronization
//   [R1] head load (acquire)      the producer refreshes its cache; sees slots freed by [R4].
//   [R2] tail CAS (seq_cst)       publishes the message written into its slot (release part,
//                                 pairs with [R3]); seq_cst so it and the receivers' wait-list
//                                 load [L2] are in S (waiter.hpp). It fails only if the close
//                                 mark [R6] was set: the message was never published and goes
//                                 back to the sender. Failure order acquire: the "closed"
//                                 answer happens-after the close.
//   [R3] tail load (acquire)      the consumer refreshes its cache; sees the messages of [R2]
//                                 and (reading the mark) everything before the close [R6].
//   [R4] head store (release)     returns the slot after the message was moved out; pairs
//                                 with [R1].
//   [R5] fence (seq_cst)          after [R4], before the senders' wait-list load [L2]: the
//                                 store-buffering pair with a producer that registers on a
//                                 full ring and re-checks head with a seq_cst load.
//   [R6] tail fetch_or (seq_cst)  closes: every later [R2] fails; in S with [L2] of both lists.
//   [R7] loads (seq_cst)          len/readiness/is_disconnected, in S with [R2]/[R6] and [L1].
//   [R8] tail re-load (acquire)   the producer saw the mark with its relaxed own-index read:
//                                 reporting closed happens-after the close (FINDING-1).
// Which operations synchronize: a send's [R2] with the receive's [R3] that sees it (the
// happens-before guarantee of channel.hpp); a receive's [R4] with the [R1] that sees the slot
// free; a close's [R6] with every operation that reports closed ([R2] failure, [R3], [R8]).
//
// Memory layout: the read-mostly words (capacity, slots, wait lists), then the consumer's line
// (head + its view), then the producer's line (tail + its view), at least 64 bytes apart by
// padding (no over-aligned allocation, see array.hpp). The slots follow in the same allocation
// and are not touched at creation: a large ring costs pages only as messages reach them.
//
// Who may call what: try_send/send/write run on the one producer, try_recv/recv/read on the
// one consumer (the spsc handles are move-only; two threads using one handle at once is a data
// race on the private views, which the model tier would report). len, capacity, is_*, the
// readiness checks and disconnect read or set only atomics and may run anywhere.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <type_traits>

#include "sluice/detail/wait_port.hpp"
#include "sluice/detail/message.hpp"
#include "sluice/detail/status.hpp"
#include "sluice/detail/waiter.hpp"
#include "sluice/platform.hpp"

namespace sluice::detail {

namespace spsc_ring_order {
// ORDERING: relaxed — a side reads the index only it moves (the mark is confirmed by [R8]).
inline constexpr named_order own{"spsc_ring.own", std::memory_order_relaxed};
// ORDERING: acquire — [R1]/[R3] cache refreshes, pairing with [R4]/[R2].
inline constexpr named_order refresh{"spsc_ring.refresh", std::memory_order_acquire};
// ORDERING: seq_cst — [R2] publish (see the header); acquire on failure (saw the close mark).
inline constexpr named_order publish{"spsc_ring.publish", std::memory_order_seq_cst};
inline constexpr named_order publish_fail{"spsc_ring.publish_fail", std::memory_order_acquire};
// ORDERING: release — [R4] hands the slot back.
inline constexpr named_order release_slot{"spsc_ring.release_slot", std::memory_order_release};
// ORDERING: seq_cst — [R5] fence between [R4] and the senders' [L2].
inline constexpr named_order pop_fence{"spsc_ring.pop_fence", std::memory_order_seq_cst};
// ORDERING: seq_cst — [R6] close and [R7] observations.
inline constexpr named_order close{"spsc_ring.close", std::memory_order_seq_cst};
inline constexpr named_order observe{"spsc_ring.observe", std::memory_order_seq_cst};
// ORDERING: acquire — [R8] (see the header).
inline constexpr named_order closed_acquire{"spsc_ring.closed_acquire", std::memory_order_acquire};
// ORDERING: relaxed — the destructor runs alone (the last handle's counter acquire ordered it).
inline constexpr named_order quiescent{"spsc_ring.quiescent", std::memory_order_relaxed};
}  // namespace spsc_ring_order

template <class S, class P>
class spsc_ring_flavor {
 public:
  using stored = S;
  struct token {
    std::size_t pos = 0;
    bool closed = false;  // after a successful start_*: the channel is closed
  };

  static constexpr std::size_t mark_bit = std::size_t{1} << (std::numeric_limits<std::size_t>::digits - 1);
  static constexpr std::size_t max_capacity = mark_bit >> 1;

 private:
  using slot = typename P::template cell<uninit<S>>;

 public:
  static constexpr std::size_t trailing_align = alignof(slot);
  static std::size_t trailing_bytes(std::size_t cap) {
    if (cap == 0 || cap > max_capacity || cap > (std::numeric_limits<std::size_t>::max() - 4096) / sizeof(slot))
      throw std::length_error("sluice::spsc_bounded: capacity exceeds the channel's index space");
    return cap * sizeof(slot);
  }

  spsc_ring_flavor(std::size_t cap, void* trailing) noexcept
      : cap_(cap), slots_(static_cast<slot*>(trailing)) {
    if constexpr (!std::is_trivially_default_constructible_v<slot> || !std::is_trivially_destructible_v<slot>)
      for (std::size_t i = 0; i < cap; ++i) ::new (static_cast<void*>(&slots_[i])) slot();
  }
  spsc_ring_flavor(const spsc_ring_flavor&) = delete;
  spsc_ring_flavor& operator=(const spsc_ring_flavor&) = delete;

  ~spsc_ring_flavor() {
    // Single-threaded: every handle is gone. Destroy the messages between head and tail.
    // ORDERING: spsc_ring.quiescent.
    const std::size_t head = head_.load(spsc_ring_order::quiescent);
    // ORDERING: spsc_ring.quiescent.
    const std::size_t tail = tail_.load(spsc_ring_order::quiescent) & ~mark_bit;
    // SAFETY: quiescent — no other thread can reach the consumer's view any more.
    std::size_t idx = consumer_.with([](const view* v) { return v->idx; });
    for (std::size_t n = tail - head; n > 0; --n) {
      // SAFETY: positions in [head, tail) hold written, unread messages; no other thread remains.
      slots_[idx].with_mut([](uninit<S>* v) { v->destroy(); });
      idx = idx + 1 < cap_ ? idx + 1 : 0;
    }
    if constexpr (!std::is_trivially_destructible_v<slot>)
      for (std::size_t i = 0; i < cap_; ++i) slots_[i].~slot();
  }

  // ---- producer ----------------------------------------------------------------------------
  // Reserves the next slot if the ring has room (or reports closed through the token).
  bool start_send(token& t) noexcept {
    // ORDERING: spsc_ring.own — only this producer moves tail's position.
    const std::size_t tail = tail_.load(spsc_ring_order::own);
    if (tail & mark_bit) {
      // [R8] ORDERING: spsc_ring.closed_acquire.
      (void)tail_.load(spsc_ring_order::closed_acquire);
      t.closed = true;
      return true;
    }
    t.pos = tail;
    t.closed = false;
    // SAFETY: the producer's view is touched only by the one producer.
    return producer_.with_mut([&](view* v) {
      if (tail - v->cache < cap_) return true;
      // [R1] ORDERING: spsc_ring.refresh.
      v->cache = head_.load(spsc_ring_order::refresh);
      return tail - v->cache < cap_;
    });
  }

  // Commits a send: moves `msg` into the reserved slot and publishes it; on a close that came
  // first, the message stays with (is moved back into) `msg`.
  status write(token& t, S& msg) noexcept {
    if (t.closed) return status::closed;
    // SAFETY: the producer's view is touched only by the one producer.
    const std::size_t idx = producer_.with([](const view* v) { return v->idx; });
    // SAFETY: the slot of position t.pos is free ([R1] saw it released, or it was never used)
    // and unpublished until [R2]; the consumer does not read it before [R3] sees [R2].
    slots_[idx].with_mut([&](uninit<S>* v) { v->emplace(std::move(msg)); });
    std::size_t expected = t.pos;
    // [R2] ORDERING: spsc_ring.publish / spsc_ring.publish_fail.
    if (!tail_.compare_exchange_strong(expected, t.pos + 1, spsc_ring_order::publish,
                                       spsc_ring_order::publish_fail)) {
      // Only the close mark changes tail under the producer: the message was never published.
      // SAFETY: still unpublished, so still the producer's.
      slots_[idx].with_mut([&](uninit<S>* v) { restore(msg, *v); });
      return status::closed;
    }
    // SAFETY: the producer's view is touched only by the one producer.
    producer_.with_mut([&](view* v) { v->idx = idx + 1 < cap_ ? idx + 1 : 0; });
    receivers_.notify_one();
    return status::ok;
  }

  // ---- consumer ----------------------------------------------------------------------------
  bool start_recv(token& t) noexcept {
    // SAFETY: the consumer's view is touched only by the one consumer.
    return consumer_.with_mut([&](view* v) {
      t.pos = v->pos;
      t.closed = false;
      if (v->pos != v->cache) return true;
      // [R3] ORDERING: spsc_ring.refresh.
      const std::size_t tail = tail_.load(spsc_ring_order::refresh);
      v->cache = tail & ~mark_bit;
      if (v->pos != v->cache) return true;
      if (tail & mark_bit) {
        t.closed = true;  // [R3] read the mark: the close happens-before this answer
        return true;
      }
      return false;
    });
  }

  status read(token& t, uninit<S>& out) noexcept {
    return consume(t, [&](uninit<S>& v) { out.move_from(v); });
  }
  // After the consumer went (the channel is closed): destroys every buffered message, here
  // and now (a send racing the close either published before the mark or fails).
  void discard_unreceived() noexcept {
    token t;
    while (start_recv(t) && consume(t, [](uninit<S>& v) { v.destroy(); }) == status::ok) {
    }
  }

  // Commits a receive: `sink` moves the message out of (or destroys it in) the slot.
  template <class Sink>
  status consume(token& t, Sink&& sink) noexcept {
    if (t.closed) return status::closed;
    // SAFETY: the consumer's view is touched only by the one consumer.
    const std::size_t idx = consumer_.with_mut([&](view* v) {
      const std::size_t i = v->idx;
      v->idx = i + 1 < cap_ ? i + 1 : 0;
      v->pos = t.pos + 1;
      return i;
    });
    // SAFETY: position t.pos < tail was published by [R2] (seen by [R3]); until [R4] the
    // producer does not reuse the slot.
    slots_[idx].with_mut([&](uninit<S>* v) { sink(*v); });
    // [R4] ORDERING: spsc_ring.release_slot.
    head_.store(t.pos + 1, spsc_ring_order::release_slot);
    // [R5] ORDERING: spsc_ring.pop_fence.
    P::fence(spsc_ring_order::pop_fence);
    senders_.notify_one();
    return status::ok;
  }

  // ---- tries and wait ports (wait_port.hpp) -------------------------------------------------
  status try_send(S& msg) noexcept {
    token t;
    return start_send(t) ? write(t, msg) : status::full;
  }
  status try_recv(uninit<S>& out) noexcept {
    token t;
    return start_recv(t) ? read(t, out) : status::empty;
  }
  // One consumer (and one producer): nobody else can wait on its side, so a lone operation
  // never queues behind anyone and needs no look at the list first.
  struct recv_port : listed_recv_port<spsc_ring_flavor, P> {
    using listed_recv_port<spsc_ring_flavor, P>::listed_recv_port;
    bool others_wait() const noexcept { return false; }
  };
  struct send_port : listed_send_port<spsc_ring_flavor, P> {
    using listed_send_port<spsc_ring_flavor, P>::listed_send_port;
    bool others_wait() const noexcept { return false; }
  };

  // Closes the channel: later sends fail; buffered messages stay receivable. Returns whether
  // this call closed it.
  bool disconnect() noexcept {
    if (is_disconnected()) return false;  // the second side to go: nothing left to do
    // [R6] ORDERING: spsc_ring.close.
    const std::size_t tail = tail_.fetch_or(mark_bit, spsc_ring_order::close);
    if (tail & mark_bit) return false;
    senders_.disconnect();
    receivers_.disconnect();
    return true;
  }

  bool is_disconnected() const noexcept {
    // [R7] ORDERING: spsc_ring.observe.
    return tail_.load(spsc_ring_order::observe) & mark_bit;
  }

  // Linearizable length: a (tail, head, tail) read with tail unchanged.
  std::size_t len() const noexcept {
    for (;;) {
      // [R7] ORDERING: spsc_ring.observe — the three reads are in S with [R2].
      const std::size_t tail = tail_.load(spsc_ring_order::observe);
      // [R7] ORDERING: spsc_ring.observe.
      const std::size_t head = head_.load(spsc_ring_order::observe);
      // [R7] ORDERING: spsc_ring.observe.
      if (tail_.load(spsc_ring_order::observe) == tail) return (tail & ~mark_bit) - head;
    }
  }

  std::optional<std::size_t> capacity() const noexcept { return cap_; }
  bool is_empty() const noexcept { return len() == 0; }
  bool is_full() const noexcept { return len() == cap_; }

  // Seq_cst re-checks after a registration [L1] (waiter.hpp): would the operation go now?
  bool send_ready() const noexcept {
    // [R7] ORDERING: spsc_ring.observe.
    const std::size_t tail = tail_.load(spsc_ring_order::observe);
    if (tail & mark_bit) return true;
    // [R7] ORDERING: spsc_ring.observe — pairs with [R4]+[R5] (store buffering, see [R5]).
    return tail - head_.load(spsc_ring_order::observe) < cap_;
  }
  bool recv_ready() const noexcept {
    // [R7] ORDERING: spsc_ring.observe — in S with [R2] and [R6].
    const std::size_t tail = tail_.load(spsc_ring_order::observe);
    // [R7] ORDERING: spsc_ring.observe.
    return (tail & mark_bit) || (tail & ~mark_bit) != head_.load(spsc_ring_order::observe);
  }
  sync_wait_list<P>& senders() noexcept { return senders_; }
  sync_wait_list<P>& receivers() noexcept { return receivers_; }

 private:
  // One side's private view: its position, its slot index, its cached copy of the other index.
  struct view {
    std::size_t pos = 0;
    std::size_t idx = 0;
    std::size_t cache = 0;
  };

  static constexpr std::size_t line = 64;

  // Read-mostly: written only at creation (and the wait lists when someone blocks).
  const std::size_t cap_;
  slot* const slots_;
  sync_wait_list<P> senders_;
  sync_wait_list<P> receivers_;
  char pad0_[line];
  // The consumer's line.
  typename P::template atomic<std::size_t> head_{0};
  typename P::template cell<view> consumer_;
  char pad1_[line];
  // The producer's line (the producer's view keeps `pos` unused: tail holds it).
  typename P::template atomic<std::size_t> tail_{0};
  typename P::template cell<view> producer_;
  char pad2_[line];
};

}  // namespace sluice::detail
