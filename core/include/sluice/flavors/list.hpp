// sluice/flavors/list.hpp — the unbounded flavor: a linked list of fixed-size blocks.
//
// Algorithm: crossbeam-channel's list flavor (positions with a lap of 64 per block, the last
// position of a lap marking "block end", the next block preallocated by the sender of a
// block's last slot), re-derived with one change: two 63-bit bitmaps per block (`written`,
// `consumed`) replace per-slot state words: a buffered 8-byte message costs (8*63 + 24)/63 =
// 8.4 B (crossbeam: 16.3 B), and whoever sets the last `consumed` bit frees the block.
//
// Position words (size_t): position << shift | flag; tail's flag = closed mark (bit 0), head's
// = has_next (head and tail are in different blocks: a receiver may skip the emptiness check).
// offset = position % lap; offset 63 means "block full, the next being installed": wait.
//
// Synchronization
//   [B1] tail CAS (seq_cst)       claims a slot; in S with the receivers' wait-list flag [L2].
//   [B2] written fetch_or (rel)   publishes the message; pairs with [B3].
//   [B3] written load (acquire)   a receiver waits for its slot's bit before reading.
//   [B4] consumed fetch_or (acq_rel) the last bit's setter frees the block: acquire so every
//                                 other reader's reads of the block happen before the free,
//                                 release so its own do.
//   [B5] block install (release)  tail_block/head_block/next stores publish a new block
//                                 (constructed before); pairs with acquire loads [B6].
//   [B7] head CAS (seq_cst)       claims a message.
//   [B8] fence (seq_cst)          before the emptiness decision (see array.hpp [A6]).
//   [B9] tail fetch_or (seq_cst)  closes; installation advances tail with fetch_add, so a
//                                 concurrent close mark is never overwritten.
//   [B10] tail re-load (acquire)  after [B8]'s relaxed tail read saw the mark: reporting
//                                 "closed" happens-after the close (FINDING-1).
// Single consumer (SingleConsumer, the mpsc handles of spsc.hpp): the consumer loses both
// RMWs. Nobody competes for head, so [B7] becomes a plain store [B11] (relaxed: only len()
// reads it), and the consumer, having read every slot of a block in order after its [B3],
// frees the block after its last slot [B12] instead of counting `consumed` bits (a producer's
// [B2] is its last access: the installer of the next block links it before writing its slot).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <type_traits>
#include <utility>

#include "sluice/detail/await.hpp"
#include "sluice/detail/backoff.hpp"
#include "sluice/detail/flavor_tries.hpp"
#include "sluice/detail/wait_port.hpp"
#include "sluice/detail/message.hpp"
#include "sluice/detail/status.hpp"
#include "sluice/detail/waiter.hpp"
#include "sluice/platform.hpp"

namespace sluice::detail {
namespace list_order {
// ORDERING: acquire — [B6] loads of positions and blocks pair with [B5] (a new block's
// construction is visible) and with the failure of a CAS.
inline constexpr named_order load{"list.load", std::memory_order_acquire};
// ORDERING: seq_cst — [B1]/[B7] claims.
inline constexpr named_order claim{"list.claim", std::memory_order_seq_cst};
inline constexpr named_order claim_fail{"list.claim_fail", std::memory_order_acquire};
// ORDERING: release — [B5] publishes a constructed block.
inline constexpr named_order install{"list.install", std::memory_order_release};
// ORDERING: relaxed — the first-block CAS failure (we reload with [B6] after it).
inline constexpr named_order install_fail{"list.install_fail", std::memory_order_relaxed};
// ORDERING: release — [B2].
inline constexpr named_order publish{"list.publish", std::memory_order_release};
// ORDERING: acquire — [B3].
inline constexpr named_order written_load{"list.written_load", std::memory_order_acquire};
// ORDERING: acq_rel — [B4].
inline constexpr named_order consume{"list.consume", std::memory_order_acq_rel};
// ORDERING: seq_cst — [B8].
inline constexpr named_order decide_fence{"list.decide_fence", std::memory_order_seq_cst};
// ORDERING: relaxed — the tail read after the [B8] fence, and quiescent reads in the destructor.
inline constexpr named_order peek{"list.peek", std::memory_order_relaxed};
// ORDERING: relaxed — [B11] the single consumer's head store, read by others only in len()
// (papers/orderings.md: list.single_advance).
inline constexpr named_order single_advance{"list.single_advance", std::memory_order_relaxed};
// ORDERING: acquire — [B10] (as array's [A8]).
inline constexpr named_order closed_acquire{"list.closed_acquire", std::memory_order_acquire};
// ORDERING: seq_cst — [B9] and the readiness/len reads in S with the claims.
inline constexpr named_order close{"list.close", std::memory_order_seq_cst};
inline constexpr named_order observe{"list.observe", std::memory_order_seq_cst};
}  // namespace list_order

template <class S, class P, bool SingleConsumer = false>
class list_flavor : public flavor_tries<list_flavor<S, P, SingleConsumer>, S> {
 public:
  using stored = S;
  static constexpr std::size_t lap = 64;
  static constexpr std::size_t block_cap = lap - 1;
  static constexpr std::size_t shift = 1;
  static constexpr std::size_t mark_bit = 1;
  static constexpr std::size_t has_next = 1;
  static constexpr std::uint64_t all_consumed = (std::uint64_t{1} << block_cap) - 1;

  struct block;
  struct token {
    block* blk = nullptr;  // nullptr after a successful start_recv: closed
    std::size_t offset = 0;
  };

  static constexpr std::size_t trailing_align = 1;
  static std::size_t trailing_bytes() noexcept { return 0; }

  list_flavor() noexcept = default;
  list_flavor(const list_flavor&) = delete;
  list_flavor& operator=(const list_flavor&) = delete;

  ~list_flavor() {
    // Single-threaded: every handle is gone.
    // ORDERING: list.peek — quiescent; the last handle's counter acquire synchronized us.
    std::size_t head = head_index_.load(list_order::peek) & ~((std::size_t{1} << shift) - 1);
    // ORDERING: list.peek.
    const std::size_t tail = tail_index_.load(list_order::peek) & ~((std::size_t{1} << shift) - 1);
    // ORDERING: list.peek.
    block* blk = head_block_.load(list_order::peek);
    while (head != tail) {
      const std::size_t offset = (head >> shift) % lap;
      if (offset < block_cap) {
        // SAFETY: positions in [head, tail) hold written, unread messages; no thread remains.
        blk->values[offset].with_mut([](uninit<S>* v) { v->destroy(); });
      } else {
        // ORDERING: list.peek — quiescent.
        block* next = blk->next.load(list_order::peek);
        free_block(blk);
        blk = next;
      }
      head += std::size_t{1} << shift;
    }
    if (blk) free_block(blk);
  }

  bool start_send(token& t) {
    backoff<P> b;
    // [B6] ORDERING: list.load.
    std::size_t tail = tail_index_.load(list_order::load);
    // [B6] ORDERING: list.load.
    block* blk = tail_block_.load(list_order::load);
    block* spare = nullptr;  // the next block, allocated before we claim the last slot
    for (;;) {
      if (tail & mark_bit) {
        t.blk = nullptr;
        if (spare) free_block(spare);
        return true;
      }
      const std::size_t offset = (tail >> shift) % lap;
      if (offset == block_cap) {  // the next block is being installed
        // The retry reloaded tail, then its block, until tail was marked or off the block end;
        // this is that loop's last iteration (the loads before it were discarded unused).
        // [B6] ORDERING: list.load — pairs with the installer's [B5] tail fetch_add.
        tail = await_load_after<P>(b, tail_index_, list_order::load,
                                   [](std::size_t v) { return (v & mark_bit) != 0 || !at_block_end(v); });
        // [B6] ORDERING: list.load — after tail, as load_side does: pairs with [B5].
        blk = tail_block_.load(list_order::load);
        continue;
      }
      if (offset + 1 == block_cap && !spare) spare = new_block();
      if (!blk) {  // the very first message installs the first block
        block* first = spare ? std::exchange(spare, nullptr) : new_block();
        block* expected = nullptr;
        // [B5] ORDERING: list.install / list.install_fail.
        if (tail_block_.compare_exchange_strong(expected, first, list_order::install,
                                                list_order::install_fail)) {
          // [B5] ORDERING: list.install.
          head_block_.store(first, list_order::install);
          blk = first;
        } else {
          spare = first;
          load_side<true>(tail, blk);
          continue;
        }
      }
      const std::size_t new_tail = tail + (std::size_t{1} << shift);
      // [B1] ORDERING: list.claim / list.claim_fail.
      if (tail_index_.compare_exchange_weak(tail, new_tail, list_order::claim, list_order::claim_fail)) {
        if (offset + 1 == block_cap) {
          block* next = std::exchange(spare, nullptr);
          // [B5] ORDERING: list.install — publish the block, then move tail past the end.
          tail_block_.store(next, list_order::install);
          // [B5] ORDERING: list.install — fetch_add keeps a concurrent close mark [B9].
          tail_index_.fetch_add(std::size_t{1} << shift, list_order::install);
          // [B5] ORDERING: list.install.
          blk->next.store(next, list_order::install);
        }
        if (spare) free_block(spare);
        t.blk = blk;
        t.offset = offset;
        return true;
      }
      // [B6] ORDERING: list.load.
      blk = tail_block_.load(list_order::load);
      b.spin();
    }
  }

  status write(token& t, S& msg) noexcept {
    if (!t.blk) return status::closed;
    // SAFETY: the slot was claimed by [B1]; until [B2] no receiver reads it.
    t.blk->values[t.offset].with_mut([&](uninit<S>* v) { v->emplace(std::move(msg)); });
    // [B2] ORDERING: list.publish.
    t.blk->written.fetch_or(std::uint64_t{1} << t.offset, list_order::publish);
    receivers_.notify_one();
    return status::ok;
  }

  bool start_recv(token& t) noexcept {
    backoff<P> b;
    // [B6] ORDERING: list.load.
    std::size_t head = head_index_.load(list_order::load);
    // [B6] ORDERING: list.load.
    block* blk = head_block_.load(list_order::load);
    for (;;) {
      const std::size_t offset = (head >> shift) % lap;
      if (offset == block_cap) {  // the head is moving to the next block
        // As start_send's: the reload loop's last iteration (head, then its block).
        // [B6] ORDERING: list.load — pairs with the [B5] head_index_ store of the receiver
        // moving head to the next block.
        head = await_load_after<P>(b, head_index_, list_order::load, [](std::size_t v) { return !at_block_end(v); });
        // [B6] ORDERING: list.load — after head, as load_side does: pairs with [B5].
        blk = head_block_.load(list_order::load);
        continue;
      }
      std::size_t new_head = head + (std::size_t{1} << shift);
      if ((new_head & has_next) == 0) {
        // [B8] ORDERING: list.decide_fence.
        P::fence(list_order::decide_fence);
        // ORDERING: list.peek — ordered by the [B8] fence.
        const std::size_t tail = tail_index_.load(list_order::peek);
        if ((head >> shift) == (tail >> shift)) {
          if (tail & mark_bit) {
            // [B10] ORDERING: list.closed_acquire.
            (void)tail_index_.load(list_order::closed_acquire);
            t.blk = nullptr;
            return true;
          }
          return false;
        }
        if ((head >> shift) / lap != (tail >> shift) / lap) new_head |= has_next;
      }
      if (!blk) {  // the first block is being installed
        // Wait until head_block_ is set (it is never reset to null), then reload head and its
        // block in load_side's order: a block loaded before head could be older than head's.
        // ORDERING: list.load — the wait's own acquire is not relied on; load_side's [B6] is.
        (void)await_load_after<P>(b, head_block_, list_order::load, [](block* p) { return p != nullptr; });
        load_side<false>(head, blk);
        continue;
      }
      if (claim_head(head, new_head)) {
        if (offset + 1 == block_cap) {
          block* next = wait_next(blk);
          std::size_t next_index = (new_head & ~has_next) + (std::size_t{1} << shift);
          // ORDERING: list.peek — a hint only: has_next set late just costs one check.
          if (next->next.load(list_order::peek)) next_index |= has_next;
          // [B5] ORDERING: list.install.
          head_block_.store(next, list_order::install);
          // [B5] ORDERING: list.install.
          head_index_.store(next_index, list_order::install);
        }
        t.blk = blk;
        t.offset = offset;
        return true;
      }
      // [B6] ORDERING: list.load.
      blk = head_block_.load(list_order::load);
      b.spin();
    }
  }
  // Commits a receive: `sink` moves the message out of (or destroys it in) the claimed slot.
  template <class Sink>
  status consume(token& t, Sink&& sink) noexcept {
    if (!t.blk) return status::closed;
    block* blk = t.blk;
    const std::uint64_t bit = std::uint64_t{1} << t.offset;
    // [B3] ORDERING: list.written_load — pairs with the sender's [B2] (a side-effect-free wait).
    (void)await_load<P>(blk->written, list_order::written_load, [bit](std::uint64_t w) { return (w & bit) != 0; });
    // SAFETY: the slot was claimed by [B7] and published by [B2] (seen by [B3]).
    blk->values[t.offset].with_mut([&](uninit<S>* v) { sink(*v); });
    if constexpr (SingleConsumer) {
      // [B12]: every slot of the block was read, in order, after its [B3].
      if (t.offset + 1 == block_cap) free_block(blk);
    } else {
      // [B4] ORDERING: list.consume.
      const std::uint64_t before = blk->consumed.fetch_or(bit, list_order::consume);
      if ((before | bit) == all_consumed) free_block(blk);
    }
    return status::ok;
  }
  // The wait ports (wait_port.hpp): a send never waits.
  using recv_port = listed_recv_port<list_flavor, P>;
  using send_port = never_waits_send_port<list_flavor>;

  bool disconnect() noexcept {
    if (is_disconnected()) return false;
    // [B9] ORDERING: list.close.
    const std::size_t tail = tail_index_.fetch_or(mark_bit, list_order::close);
    if (tail & mark_bit) return false;
    receivers_.disconnect();
    return true;
  }

  bool is_disconnected() const noexcept {
    // ORDERING: list.observe — in S with [B9].
    return tail_index_.load(list_order::observe) & mark_bit;
  }

  std::size_t len() const noexcept {
    constexpr std::size_t flags = (std::size_t{1} << shift) - 1;
    for (;;) {
      // ORDERING: list.observe — a (tail, head, tail) snapshot in S.
      std::size_t tail = tail_index_.load(list_order::observe);
      // ORDERING: list.observe.
      std::size_t head = head_index_.load(list_order::observe);
      // ORDERING: list.observe.
      if (tail_index_.load(list_order::observe) != tail) continue;
      tail &= ~flags;
      head &= ~flags;
      if (((tail >> shift) & (lap - 1)) == lap - 1) tail += std::size_t{1} << shift;
      if (((head >> shift) & (lap - 1)) == lap - 1) head += std::size_t{1} << shift;
      const std::size_t first_lap = (head >> shift) / lap;
      tail = (tail - ((first_lap * lap) << shift)) >> shift;
      head = (head - ((first_lap * lap) << shift)) >> shift;
      return tail - head - tail / lap;
    }
  }

  std::optional<std::size_t> capacity() const noexcept { return std::nullopt; }
  bool is_full() const noexcept { return false; }
  sync_wait_list<P>& receivers() noexcept { return receivers_; }
  bool recv_ready() const noexcept { return !this->is_empty() || is_disconnected(); }

  struct block {
    typename P::template atomic<block*> next{nullptr};
    typename P::template atomic<std::uint64_t> written{0};
    typename P::template atomic<std::uint64_t> consumed{0};
    typename P::template cell<uninit<S>> values[block_cap];
  };

 private:
  // [B7] (many consumers) or [B11] (one): moves head from `head` to `new_head`.
  bool claim_head(std::size_t& head, std::size_t new_head) noexcept {
    if constexpr (SingleConsumer) {
      // [B11] ORDERING: list.single_advance — nobody else moves head.
      head_index_.store(new_head, list_order::single_advance);
      return true;
    } else {
      // [B7] ORDERING: list.claim / list.claim_fail.
      return head_index_.compare_exchange_weak(head, new_head, list_order::claim, list_order::claim_fail);
    }
  }

  // [B6] Reads the tail's (Tail) or the head's index, then its block, again (a retry).
  template <bool Tail>
  void load_side(std::size_t& index, block*& blk) const noexcept {
    // [B6] ORDERING: list.load.
    index = (Tail ? tail_index_ : head_index_).load(list_order::load);
    // [B6] ORDERING: list.load.
    blk = (Tail ? tail_block_ : head_block_).load(list_order::load);
  }
  static block* new_block() { return create_shared<block, P>(sizeof(block)); }
  static void free_block(block* b) noexcept { destroy_shared<block, P>(b, sizeof(block)); }

  static block* wait_next(block* blk) noexcept {
    // [B6] ORDERING: list.load — pairs with the installer's [B5] (a side-effect-free wait).
    return await_load<P>(blk->next, list_order::load, [](block* next) { return next != nullptr; });
  }
  // Offset 63 of a lap: the next block is being installed (the flag bit is ignored).
  static constexpr bool at_block_end(std::size_t index) noexcept { return (index >> shift) % lap == block_cap; }

  static constexpr std::size_t line = 64;

  sync_wait_list<P> receivers_;
  char pad0_[line];
  typename P::template atomic<std::size_t> head_index_{0};
  typename P::template atomic<block*> head_block_{nullptr};
  char pad1_[line];
  typename P::template atomic<std::size_t> tail_index_{0};
  typename P::template atomic<block*> tail_block_{nullptr};
  char pad2_[line];
};
}  // namespace sluice::detail
