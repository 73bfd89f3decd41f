// sluice/flavors/spsc_list.hpp — the unbounded single-producer / single-consumer flavor: a
// linked list of blocks that only the producer appends to and only the consumer frees.
//
// Algorithm: the unbounded SPSC queue of linked fixed-size blocks (Vyukov's "unbounded SPSC
// queue", and folly's / moodycamel ReaderWriterQueue's block chains follow the same idea),
// with the consumer caching the tail index as in the bounded ring (spsc_ring.hpp). Compared
// with the MPMC list flavor (list.hpp: a tail CAS and a `written` fetch_or per send, a head CAS,
// a fence and a `consumed` fetch_or per receive), a send here costs one CAS and a receive no
// atomic read-modify-write and no fence at all: nobody claims slots against anybody, blocks
// need no per-slot state, and no sender ever waits (the channel is never full), so the
// consumer has no wait list to check.
//
// State words:
//   tail = position of the next message to write (bits 0..62) | mark (bit 63: closed); only
//          the producer moves the position, any handle may set the mark.
//   head = position of the next message to read (the consumer's; read by len()).
//   first_ = the first block, installed by the producer's first send.
//   block  = { next, values[block_cap] }: position p lives in block p / block_cap at offset
//          p % block_cap, both tracked incrementally by each side's private view.
// Block life: the producer allocates a block when its current one is full (or for the first
// message), links it with `next` (or `first_`) and only then publishes positions in it; the
// consumer frees a block when it moves to the next one, i.e. after the producer has already
// published a position in the next block and so never touches the old one again.
//
// Synchronization
//   [U1] next / first_ store (relaxed) and load (relaxed): a new block's construction and its
//        link are published by the producer's next [U2] (release) and read by the consumer
//        after the [U3] (acquire) that saw a position inside the block.
//   [U2] tail CAS (seq_cst)     publishes the message (release part, pairs with [U3]); seq_cst
//                               so it and the receivers' wait-list load [L2] are in S. Fails
//                               only on the close mark [U5]; acquire on failure.
//   [U3] tail load (acquire)    the consumer refreshes its cache; reading the mark, it sees
//                               everything before the close.
//   [U4] head store (relaxed)   for len() only; the producer never reads head.
//   [U5] tail fetch_or (seq_cst) closes; in S with the receivers' [L2].
//   [U6] loads (seq_cst)        len/readiness/is_disconnected.
//   [U7] tail re-load (acquire) the producer saw the mark with a relaxed read (FINDING-1).
// Memory: (8 + block_cap * sizeof(slot)) / block_cap bytes per buffered message, 8.1 B for
// 8-byte messages; blocks are given back as the consumer drains them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>

#include "sluice/detail/wait_port.hpp"
#include "sluice/detail/message.hpp"
#include "sluice/detail/status.hpp"
#include "sluice/detail/waiter.hpp"
#include "sluice/platform.hpp"

namespace sluice::detail {

namespace spsc_list_order {
// ORDERING: relaxed — the producer reads the index only it moves (the mark is confirmed by [U7]).
inline constexpr named_order own{"spsc_list.own", std::memory_order_relaxed};
// ORDERING: relaxed — [U1] block links, carried by [U2]/[U3].
inline constexpr named_order link{"spsc_list.link", std::memory_order_relaxed};
// ORDERING: seq_cst — [U2]; acquire on failure (saw the close mark).
inline constexpr named_order publish{"spsc_list.publish", std::memory_order_seq_cst};
inline constexpr named_order publish_fail{"spsc_list.publish_fail", std::memory_order_acquire};
// ORDERING: acquire — [U3].
inline constexpr named_order refresh{"spsc_list.refresh", std::memory_order_acquire};
// ORDERING: relaxed — [U4], read by len() only (papers/orderings.md: spsc_list.advance).
inline constexpr named_order advance{"spsc_list.advance", std::memory_order_relaxed};
// ORDERING: seq_cst — [U5] and [U6].
inline constexpr named_order close{"spsc_list.close", std::memory_order_seq_cst};
inline constexpr named_order observe{"spsc_list.observe", std::memory_order_seq_cst};
// ORDERING: acquire — [U7].
inline constexpr named_order closed_acquire{"spsc_list.closed_acquire", std::memory_order_acquire};
// ORDERING: relaxed — the destructor runs alone (the last handle's counter acquire ordered it).
inline constexpr named_order quiescent{"spsc_list.quiescent", std::memory_order_relaxed};
}  // namespace spsc_list_order

template <class S, class P>
class spsc_list_flavor {
 public:
  using stored = S;
  static constexpr std::size_t block_cap = 63;
  static constexpr std::size_t mark_bit = std::size_t{1} << (std::numeric_limits<std::size_t>::digits - 1);

  struct token {
    std::size_t pos = 0;
    bool closed = false;
  };

  static constexpr std::size_t trailing_align = 1;
  static std::size_t trailing_bytes() noexcept { return 0; }

  spsc_list_flavor() noexcept = default;
  spsc_list_flavor(const spsc_list_flavor&) = delete;
  spsc_list_flavor& operator=(const spsc_list_flavor&) = delete;

  ~spsc_list_flavor() {
    // Single-threaded: every handle is gone.
    // ORDERING: spsc_list.quiescent.
    std::size_t head = head_.load(spsc_list_order::quiescent);
    // ORDERING: spsc_list.quiescent.
    const std::size_t tail = tail_.load(spsc_list_order::quiescent) & ~mark_bit;
    // SAFETY: quiescent — no other thread can reach the consumer's view any more.
    view v = consumer_.with([](const view* c) { return *c; });
    if (!v.blk) {
      // ORDERING: spsc_list.quiescent.
      v.blk = first_.load(spsc_list_order::quiescent);
      v.offset = 0;
    }
    for (; head != tail; ++head) {
      if (v.offset == block_cap) {
        // ORDERING: spsc_list.quiescent.
        block* next = v.blk->next.load(spsc_list_order::quiescent);
        free_block(v.blk);
        v.blk = next;
        v.offset = 0;
      }
      // SAFETY: positions in [head, tail) hold written, unread messages; no thread remains.
      v.blk->values[v.offset++].with_mut([](uninit<S>* m) { m->destroy(); });
    }
    while (v.blk) {  // the current block and any the producer linked after it
      // ORDERING: spsc_list.quiescent.
      block* next = v.blk->next.load(spsc_list_order::quiescent);
      free_block(v.blk);
      v.blk = next;
    }
  }

  // ---- producer (never blocks: the list is never full) --------------------------------------
  bool start_send(token& t) {
    // ORDERING: spsc_list.own — only this producer moves tail's position.
    const std::size_t tail = tail_.load(spsc_list_order::own);
    t.pos = tail;
    t.closed = (tail & mark_bit) != 0;
    if (t.closed) {
      // [U7] ORDERING: spsc_list.closed_acquire.
      (void)tail_.load(spsc_list_order::closed_acquire);
      return true;
    }
    // Make room before publishing anything: an allocation failure leaves the channel as it was.
    // SAFETY: the producer's view is touched only by the one producer.
    producer_.with_mut([&](view* v) {
      if (!v->blk) {
        block* b = new_block();
        // [U1] ORDERING: spsc_list.link — published by the [U2] of position 0.
        first_.store(b, spsc_list_order::link);
        v->blk = b;
        v->offset = 0;
      } else if (v->offset == block_cap) {
        block* b = new_block();
        // [U1] ORDERING: spsc_list.link — published by the [U2] of the block's first position.
        v->blk->next.store(b, spsc_list_order::link);
        v->blk = b;
        v->offset = 0;
      }
    });
    return true;
  }

  status write(token& t, S& msg) noexcept {
    if (t.closed) return status::closed;
    // SAFETY: the producer's view is touched only by the one producer.
    const view v = producer_.with([](const view* p) { return *p; });
    // SAFETY: the slot of position t.pos is unpublished until [U2]; nobody else touches it.
    v.blk->values[v.offset].with_mut([&](uninit<S>* m) { m->emplace(std::move(msg)); });
    std::size_t expected = t.pos;
    // [U2] ORDERING: spsc_list.publish / spsc_list.publish_fail.
    if (!tail_.compare_exchange_strong(expected, t.pos + 1, spsc_list_order::publish,
                                       spsc_list_order::publish_fail)) {
      // Only the close mark changes tail under the producer: the message was never published.
      // SAFETY: still unpublished, so still the producer's.
      v.blk->values[v.offset].with_mut([&](uninit<S>* m) { restore(msg, *m); });
      return status::closed;
    }
    // SAFETY: the producer's view is touched only by the one producer.
    producer_.with_mut([](view* p) { ++p->offset; });
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
      // [U3] ORDERING: spsc_list.refresh.
      const std::size_t tail = tail_.load(spsc_list_order::refresh);
      v->cache = tail & ~mark_bit;
      if (v->pos != v->cache) return true;
      if (tail & mark_bit) {
        t.closed = true;  // [U3] read the mark: the close happens-before this answer
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
    auto [blk, offset] = consumer_.with_mut([&](view* v) {
      if (!v->blk) {
        // [U1] ORDERING: spsc_list.link — [U3] saw position 0, published after this link.
        v->blk = first_.load(spsc_list_order::link);
        v->offset = 0;
      } else if (v->offset == block_cap) {
        // [U1] ORDERING: spsc_list.link — [U3] saw a position in the next block.
        block* next = v->blk->next.load(spsc_list_order::link);
        free_block(v->blk);  // the producer has moved on to `next` for good
        v->blk = next;
        v->offset = 0;
      }
      v->pos = t.pos + 1;
      return std::pair<block*, std::size_t>(v->blk, v->offset++);
    });
    // SAFETY: position t.pos < tail was published by [U2] (seen by [U3]); only we read it.
    blk->values[offset].with_mut([&](uninit<S>* m) { sink(*m); });
    // [U4] ORDERING: spsc_list.advance.
    head_.store(t.pos + 1, spsc_list_order::advance);
    return status::ok;
  }

  // ---- tries and wait ports (wait_port.hpp): the consumer waits; a send never waits --------
  status try_send(S& msg) {
    token t;
    start_send(t);
    return write(t, msg);
  }
  status try_recv(uninit<S>& out) noexcept {
    token t;
    return start_recv(t) ? read(t, out) : status::empty;
  }
  // One consumer (and one producer): nobody else can wait on its side, so a lone operation
  // never queues behind anyone and needs no look at the list first.
  struct recv_port : listed_recv_port<spsc_list_flavor, P> {
    using listed_recv_port<spsc_list_flavor, P>::listed_recv_port;
    bool others_wait() const noexcept { return false; }
  };
  using send_port = never_waits_send_port<spsc_list_flavor>;

  bool disconnect() noexcept {
    if (is_disconnected()) return false;  // the second side to go: nothing left to do
    // [U5] ORDERING: spsc_list.close.
    const std::size_t tail = tail_.fetch_or(mark_bit, spsc_list_order::close);
    if (tail & mark_bit) return false;
    receivers_.disconnect();
    return true;
  }

  bool is_disconnected() const noexcept {
    // [U6] ORDERING: spsc_list.observe.
    return tail_.load(spsc_list_order::observe) & mark_bit;
  }

  std::size_t len() const noexcept {
    for (;;) {
      // [U6] ORDERING: spsc_list.observe — a (tail, head, tail) snapshot in S.
      const std::size_t tail = tail_.load(spsc_list_order::observe);
      // [U6] ORDERING: spsc_list.observe.
      const std::size_t head = head_.load(spsc_list_order::observe);
      // [U6] ORDERING: spsc_list.observe.
      if (tail_.load(spsc_list_order::observe) == tail) return (tail & ~mark_bit) - head;
    }
  }

  std::optional<std::size_t> capacity() const noexcept { return std::nullopt; }
  bool is_empty() const noexcept { return len() == 0; }
  bool is_full() const noexcept { return false; }
  sync_wait_list<P>& receivers() noexcept { return receivers_; }
  bool recv_ready() const noexcept {
    // [U6] ORDERING: spsc_list.observe — in S with [U2] and [U5].
    const std::size_t tail = tail_.load(spsc_list_order::observe);
    // [U6] ORDERING: spsc_list.observe.
    return (tail & mark_bit) || (tail & ~mark_bit) != head_.load(spsc_list_order::observe);
  }

  struct block {
    typename P::template atomic<block*> next{nullptr};
    typename P::template cell<uninit<S>> values[block_cap];
  };

 private:
  struct view {
    block* blk = nullptr;
    std::size_t offset = 0;
    std::size_t pos = 0;    // consumer only
    std::size_t cache = 0;  // consumer only: its copy of tail's position
  };

  static block* new_block() { return create_shared<block, P>(sizeof(block)); }
  static void free_block(block* b) noexcept { destroy_shared<block, P>(b, sizeof(block)); }

  static constexpr std::size_t line = 64;

  sync_wait_list<P> receivers_;
  typename P::template atomic<block*> first_{nullptr};
  char pad0_[line];
  typename P::template atomic<std::size_t> head_{0};
  typename P::template cell<view> consumer_;
  char pad1_[line];
  typename P::template atomic<std::size_t> tail_{0};
  typename P::template cell<view> producer_;
  char pad2_[line];
};

}  // namespace sluice::detail
