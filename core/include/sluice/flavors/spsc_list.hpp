// sluice/flavors/spsc_list.hpp — the unbounded single-producer / single-consumer flavor: a
// linked list of blocks that only the producer appends to and only the consumer frees.
//
// Algorithm: the unbounded SPSC queue of linked fixed-size blocks (Vyukov's; folly's and
// moodycamel's ReaderWriterQueue chain blocks likewise), on spsc_ring.hpp's tail/head protocol
// (spsc_core: the close mark, the consumer's cached tail). Against the MPMC list (a tail CAS
// and a `written` fetch_or per send; a head CAS, a fence and a `consumed` fetch_or per
// receive), a send costs one CAS and a receive no RMW and no fence: nobody claims slots
// against anybody, blocks need no per-slot state, and no sender ever waits (never full).
//
// State words: tail = next position to write (bits 0..62) | mark (bit 63: closed); head = next
// position to read (the consumer's; read by len()); first_ = the first block, installed by the
// first send; a block = { next, values[63] }, position p at block p / 63, offset p % 63, both
// tracked by each side's view. The producer allocates a block when its current one is full (or
// for the first message), links it (`next` or `first_`), and only then publishes positions in
// it; the consumer frees a block when it moves on, i.e. after the producer published a
// position in the next block and so never touches the old one again.
//
// Synchronization
//   [U1] next / first_ store and load (relaxed): the block and its link are published by the
//        producer's next [U2] and read after the [U3] that saw a position inside the block.
//   [U2] tail CAS (seq_cst)      publishes the message (pairs with [U3]); in S with the
//                                receivers' [L2]; fails only on the close mark [U5] (acquire).
//   [U3] tail load (acquire)     the consumer refreshes its cache; with the mark, sees the close.
//   [U4] head store (relaxed)    for len() only; the producer never reads head.
//   [U5] tail fetch_or (seq_cst) closes; in S with the receivers' [L2].
//   [U6] loads (seq_cst)         len/readiness/is_disconnected.
//   [U7] tail re-load (acquire)  the producer saw the mark with a relaxed read (FINDING-1).
// Memory: (8 + 63 * sizeof(slot)) / 63 bytes per buffered message (8.1 B for 8-byte messages);
// blocks are given back as the consumer drains them.
#pragma once

#include <cstddef>
#include <optional>
#include <utility>

#include "sluice/flavors/spsc_ring.hpp"

namespace sluice::detail {
struct spsc_list_order {
  // ORDERING: relaxed — the producer reads the index only it moves (the mark is confirmed by [U7]).
  static constexpr named_order own{"spsc_list.own", std::memory_order_relaxed};
  // ORDERING: relaxed — [U1] block links, carried by [U2]/[U3].
  static constexpr named_order link{"spsc_list.link", std::memory_order_relaxed};
  // ORDERING: seq_cst — [U2]; acquire on failure (saw the close mark).
  static constexpr named_order publish{"spsc_list.publish", std::memory_order_seq_cst};
  static constexpr named_order publish_fail{"spsc_list.publish_fail", std::memory_order_acquire};
  // ORDERING: acquire — [U3].
  static constexpr named_order refresh{"spsc_list.refresh", std::memory_order_acquire};
  // ORDERING: relaxed — [U4], read by len() only (papers/orderings.md: spsc_list.advance).
  static constexpr named_order advance{"spsc_list.advance", std::memory_order_relaxed};
  // ORDERING: seq_cst — [U5] and [U6].
  static constexpr named_order close{"spsc_list.close", std::memory_order_seq_cst};
  static constexpr named_order observe{"spsc_list.observe", std::memory_order_seq_cst};
  // ORDERING: acquire — [U7].
  static constexpr named_order closed_acquire{"spsc_list.closed_acquire", std::memory_order_acquire};
  // ORDERING: relaxed — the destructor runs alone (the last handle's counter acquire ordered it).
  static constexpr named_order quiescent{"spsc_list.quiescent", std::memory_order_relaxed};
};

inline constexpr std::size_t spsc_block_cap = 63;
template <class S, class P>
struct spsc_block {
  typename P::template atomic<spsc_block*> next{nullptr};
  typename P::template cell<uninit<S>> values[spsc_block_cap];
};
// One side's private view: its block and offset; the consumer's position and copy of tail.
template <class Block>
struct spsc_list_view {
  Block* blk = nullptr;
  std::size_t offset = 0;
  std::size_t pos = 0;
  std::size_t cache = 0;
};

template <class S, class P>
class spsc_list_flavor
    : public spsc_core<spsc_list_flavor<S, P>, S, P, spsc_list_view<spsc_block<S, P>>, spsc_list_order> {
  using base = spsc_core<spsc_list_flavor<S, P>, S, P, spsc_list_view<spsc_block<S, P>>, spsc_list_order>;
  using view = spsc_list_view<spsc_block<S, P>>;

 public:
  using block = spsc_block<S, P>;
  using token = typename base::token;
  static constexpr std::size_t block_cap = spsc_block_cap;
  static constexpr std::size_t trailing_align = 1;
  static std::size_t trailing_bytes() noexcept { return 0; }

  spsc_list_flavor() noexcept = default;
  spsc_list_flavor(const spsc_list_flavor&) = delete;
  spsc_list_flavor& operator=(const spsc_list_flavor&) = delete;

  ~spsc_list_flavor() {
    // Single-threaded: every handle is gone.
    // ORDERING: spsc_list.quiescent.
    std::size_t head = this->head_.load(spsc_list_order::quiescent);
    // ORDERING: spsc_list.quiescent.
    const std::size_t tail = this->tail_.load(spsc_list_order::quiescent) & ~base::mark_bit;
    // SAFETY: quiescent — no other thread can reach the consumer's view any more.
    view v = this->consumer_.with([](const view* c) { return *c; });
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
  // Producer (never blocks: the list is never full). Makes room before publishing anything, so
  // an allocation failure leaves the channel as it was.
  bool start_send(token& t) {
    if (!this->open_tail(t)) return true;
    // SAFETY: the producer's view is touched only by the one producer.
    this->producer_.with_mut([&](view* v) {
      if (v->blk && v->offset < block_cap) return;
      block* b = new_block();  // the first block (linked from first_), or the next
      // [U1] ORDERING: spsc_list.link — published by the [U2] of the block's first position.
      (v->blk ? v->blk->next : first_).store(b, spsc_list_order::link);
      v->blk = b;
      v->offset = 0;
    });
    return true;
  }
  status write(token& t, S& msg) noexcept {
    if (t.closed) return status::closed;
    // SAFETY: the producer's view is touched only by the one producer.
    const view v = this->producer_.with([](const view* p) { return *p; });
    return this->publish(t, msg, v.blk->values[v.offset], [](view* p) { ++p->offset; });
  }
  // Consumer: commits a receive; `sink` moves the message out of (or destroys it in) the slot.
  template <class Sink>
  status consume(token& t, Sink&& sink) noexcept {
    if (t.closed) return status::closed;
    // SAFETY: the consumer's view is touched only by the one consumer.
    auto [blk, offset] = this->consumer_.with_mut([&](view* v) {
      if (!v->blk || v->offset == block_cap) {  // the first block, or the next
        // [U1] ORDERING: spsc_list.link — [U3] saw a position in that block, published after this link.
        block* next = (v->blk ? v->blk->next : first_).load(spsc_list_order::link);
        if (v->blk) free_block(v->blk);  // the producer has moved on to `next` for good
        v->blk = next;
        v->offset = 0;
      }
      v->pos = t.pos + 1;
      return std::pair<block*, std::size_t>(v->blk, v->offset++);
    });
    // SAFETY: position t.pos < tail was published by [U2] (seen by [U3]); only we read it.
    blk->values[offset].with_mut([&](uninit<S>* m) { sink(*m); });
    // [U4] ORDERING: spsc_list.advance.
    this->head_.store(t.pos + 1, spsc_list_order::advance);
    return status::ok;
  }

  using send_port = never_waits_send_port<spsc_list_flavor>;  // a send never waits

  bool disconnect() noexcept {
    if (!this->mark_closed()) return false;
    this->receivers_.disconnect();
    return true;
  }
  std::optional<std::size_t> capacity() const noexcept { return std::nullopt; }
  bool is_full() const noexcept { return false; }

 private:
  static block* new_block() { return create_shared<block, P>(sizeof(block)); }
  static void free_block(block* b) noexcept { destroy_shared<block, P>(b, sizeof(block)); }

  typename P::template atomic<block*> first_{nullptr};
};
}  // namespace sluice::detail
