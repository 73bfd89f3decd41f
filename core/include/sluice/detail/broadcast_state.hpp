// sluice/detail/broadcast_state.hpp — broadcast's shared state (broadcast.hpp has the contract
// and the synchronization argument: one spin lock, [K1]/[K2]): a ring of `cap` slots, each a
// stored_t with the count of receivers still to read it; per-receiver cursors (one small
// allocation each, shared with its async receives, counted under the lock). Messages nobody
// can read any more are moved out under the lock and destroyed after it (issue 11, item 9).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <new>
#include <optional>
#include <stdexcept>
#include <utility>

#include "sluice/detail/blocking.hpp"
#include "sluice/detail/guarded.hpp"
#include "sluice/detail/message.hpp"
#include "sluice/detail/status.hpp"
#include "sluice/detail/waiter.hpp"
#include "sluice/platform.hpp"

namespace sluice {
// Broadcast's overflow policy, chosen at creation (sluice/broadcast.hpp).
enum class overflow { block, overwrite_oldest };

namespace detail {
// Messages that can no longer be received, moved out under the lock and destroyed after it
// (issue 11, item 9): a platform-allocated array, sized before the lock is taken.
template <class S, class P>
class doomed_messages {
 public:
  doomed_messages() noexcept = default;
  doomed_messages(const doomed_messages&) = delete;
  doomed_messages& operator=(const doomed_messages&) = delete;
  ~doomed_messages() {
    for (std::size_t i = 0; i < n_; ++i) data_[i].destroy();
    if (data_) P::deallocate(data_, cap_ * sizeof(uninit<S>), alignof(uninit<S>));
  }
  std::size_t capacity() const noexcept { return cap_; }
  // Room for `n` (only while empty). False if the allocation failed.
  bool reserve(std::size_t n) noexcept {
    if (n <= cap_) return true;
    try {
      void* mem = P::allocate(n * sizeof(uninit<S>), alignof(uninit<S>));
      if (data_) P::deallocate(data_, cap_ * sizeof(uninit<S>), alignof(uninit<S>));
      data_ = static_cast<uninit<S>*>(mem);
      cap_ = n;
      return true;
    } catch (...) {
      return false;
    }
  }
  void take(uninit<S>& v) noexcept { data_[n_++].move_from(v); }

 private:
  uninit<S>* data_ = nullptr;
  std::size_t cap_ = 0;
  std::size_t n_ = 0;
};

// A receiver's position, shared by its handle and the async receives made from it (issue 11,
// item 7: an operation may be awaited after the handle is gone). One allocation per receiver.
template <class P>
struct broadcast_cursor {
  explicit broadcast_cursor(std::uint64_t p) noexcept : pos(p) {}
  // SAFETY: the receiver's own: its handle and its operations are used by one party at a time
  // (the async contract), and the last reference reads it under the lock.
  std::uint64_t pos;
  guarded<std::size_t, P> refs{1};  // under the state's lock
};

template <class T, class P>
class broadcast_state {
 public:
  using stored = stored_t<T, P>;
  using cursor = broadcast_cursor<P>;
  struct slot {
    std::size_t remaining = 0;  // receivers that still have to read it (0: free)
    uninit<stored> value;
  };
  using slot_cell = guarded<slot, P>;
  using guard = spin_guard<P>;

  static broadcast_state* create(std::size_t cap, overflow policy) {
    constexpr std::size_t head = (sizeof(broadcast_state) + alignof(slot) - 1) / alignof(slot) * alignof(slot);
    if (cap == 0 || cap > (std::numeric_limits<std::size_t>::max() - head) / sizeof(slot) ||
        cap > std::numeric_limits<std::uint32_t>::max())
      throw std::length_error("sluice::broadcast: capacity must be in [1, 2^32)");
    const std::size_t bytes = head + cap * sizeof(slot);
    void* mem = P::allocate(bytes, align);
    auto* s = ::new (mem) broadcast_state(cap, policy, bytes);
    s->slots_ = static_cast<slot_cell*>(static_cast<void*>(static_cast<unsigned char*>(mem) + head));
    for (std::size_t i = 0; i < cap; ++i) ::new (static_cast<void*>(&s->slots_[i])) slot_cell();
    return s;
  }

  void add_sender() noexcept {
    lock_guard g(lock_);
    counts_.with_mut(g, [](counts* c) { ++c->senders; });
  }
  // A new receiver at the newest position (its cursor is allocated first: may throw).
  cursor* subscribe() {
    cursor* c = create_shared<cursor, P>(sizeof(cursor), 0);
    lock_guard g(lock_);
    counts_.with_mut(g, [](counts* k) { ++k->receivers; });
    c->pos = tail_val(g);
    return c;
  }
  // A clone at position `pos`: it owes a read of every held message from pos on.
  cursor* clone_receiver(std::uint64_t pos) {
    cursor* c = create_shared<cursor, P>(sizeof(cursor), pos);
    lock_guard g(lock_);
    counts_.with_mut(g, [](counts* k) { ++k->receivers; });
    for (std::uint64_t p = first_held(g, pos); p < tail_val(g); ++p)
      slot_at(p).with_mut(g, [](slot* s) { ++s->remaining; });
    return c;
  }
  void retain_cursor(cursor* c) noexcept {
    lock_guard g(lock_);
    c->refs.with_mut(g, [](std::size_t* r) { ++*r; });
  }

  void drop_sender() noexcept {
    wait_entry<P>* wake = nullptr;
    bool last_handle;
    {
      lock_guard g(lock_);
      const counts c = counts_.with_mut(g, [](counts* k) { --k->senders; return *k; });
      if (c.senders == 0) wake = receivers_q_.get(g).claim_all_disconnected();
      last_handle = c.senders == 0 && c.receivers == 0;
    }
    notify_chain<P>(wake);
    if (last_handle) destroy();
  }
  // The last reference to a cursor drops its receiver: its shares of unread messages go, and
  // those nobody else will read are destroyed here, after the lock (on this thread).
  void release_cursor(cursor* c) noexcept {
    {
      lock_guard g(lock_);
      if (c->refs.with_mut(g, [](std::size_t* r) { return --*r; }) != 0) return;
    }
    // Size the graveyard for the messages only it owes (counted under the lock, allocated
    // outside; once more if sends added some, then cap, which suffices). If allocation fails
    // they are destroyed under the lock, as a last resort.
    doomed_messages<stored, P> doomed;
    bool under_lock = false;
    std::size_t need = 0;
    wait_entry<P>* wake = nullptr;
    bool last_handle;
    for (int attempt = 0;; ++attempt) {
      if (!doomed.reserve(need)) under_lock = true;
      lock_guard g(lock_);
      const std::size_t n = sole_shares(g, c->pos);
      if (n > doomed.capacity() && !under_lock) {
        need = attempt == 0 ? n : cap_;
        continue;  // unlock, allocate, look again
      }
      for (std::uint64_t p = first_held(g, c->pos); p < tail_val(g); ++p)
        release_slot(g, p, under_lock ? nullptr : &doomed);
      pop_free_head(g);
      const counts k = counts_.with_mut(g, [](counts* cs) { --cs->receivers; return *cs; });
      wake = senders_q_.get(g).claim_all_disconnected();  // a slot may be free, or nobody is left
      last_handle = k.senders == 0 && k.receivers == 0;
      break;
    }
    notify_chain<P>(wake);
    destroy_shared<cursor, P>(c, sizeof(cursor));
    if (last_handle) destroy();  // no handle is left for a message destructor below to reach
    // `doomed` goes here: a message's destructor may drop (even the last) handle of this channel.
  }
  // One attempt to send (full: the block policy found the ring full); the message stays in
  // `msg` unless ok. Overwritten messages are destroyed after the lock (locked_attempt).
  status try_send(stored& msg) noexcept { return *locked_attempt(send_attempt(msg)); }
  // One attempt to receive from `pos`: ok (value in out), empty, closed, or lagged (pos moved).
  status try_recv(std::uint64_t& pos, uninit<stored>& out, std::uint64_t& missed) {
    return *locked_attempt(recv_attempt(pos, out, missed));
  }
  // The blocking forms' fused wait ports (wait_port.hpp): one attempt under the lock and, when
  // it would block, the waiter queued under the same lock; every claim means "look again".
  template <bool Sender, class Attempt>
  struct port {
    broadcast_state& s;
    Attempt attempt;
    template <class GiveUp>
    std::optional<status> try_or_enroll(wait_entry<P>& e, GiveUp give_up) {
      return s.locked_attempt(attempt, &e, Sender ? status::full : status::empty, give_up);
    }
    void withdraw(wait_entry<P>& e) noexcept { s.unregister(e, Sender); }
    std::optional<status> settle(std::uintptr_t) noexcept { return std::nullopt; }
  };
  auto send_port(stored& msg) noexcept { return port<true, decltype(send_attempt(msg))>{*this, send_attempt(msg)}; }
  auto recv_port(std::uint64_t& pos, uninit<stored>& out, std::uint64_t& missed) noexcept {
    return port<false, decltype(recv_attempt(pos, out, missed))>{*this, recv_attempt(pos, out, missed)};
  }

  // Async registrations (kind_wait.hpp), under the lock: true, queueing nothing, when the
  // operation can proceed now.
  bool register_receiver(std::uint64_t pos, wait_entry<P>& e) noexcept {
    lock_guard g(lock_);
    const bool closed = counts_.with(g, [](const counts* c) { return c->senders == 0 || c->closed; });
    if (pos < head_val(g) || pos != tail_val(g) || closed) return true;  // lagged, a message, closed
    receivers_q_.get(g).push(e);
    return false;
  }
  bool register_sender(wait_entry<P>& e) noexcept {
    lock_guard g(lock_);
    const std::size_t readers = counts_.with(g, [](const counts* c) { return c->closed ? 0 : c->receivers; });
    if (readers == 0 || policy_ != overflow::block) return true;
    pop_free_head(g);
    if (tail_val(g) - head_val(g) < cap_) return true;
    senders_q_.get(g).push(e);
    return false;
  }
  // Unqueues `e` unless a notifier already did.
  void unregister(wait_entry<P>& e, bool sender) noexcept {
    lock_guard g(lock_);
    (sender ? senders_q_ : receivers_q_).get(g).remove(e);
  }
  // Closes the channel: sends fail, every blocked party looks again. False if already closed.
  bool close() noexcept {
    wait_entry<P>* wake_receivers = nullptr;
    wait_entry<P>* wake_senders = nullptr;
    {
      lock_guard g(lock_);
      if (counts_.with_mut(g, [](counts* c) { return std::exchange(c->closed, true); })) return false;
      wake_receivers = receivers_q_.get(g).claim_all_disconnected();
      wake_senders = senders_q_.get(g).claim_all_disconnected();
    }
    notify_chain<P>(wake_receivers);
    notify_chain<P>(wake_senders);
    return true;
  }
  // Whether the channel is closed or the other side gone (sender_side: no receiver is left).
  bool disconnected(bool sender_side) noexcept {
    const counts c = counts_now();
    return c.closed || (sender_side ? c.receivers == 0 : c.senders == 0);
  }
  std::size_t receiver_count() noexcept { return counts_now().receivers; }
  std::size_t sender_count() noexcept { return counts_now().senders; }
  // Messages `pos` has not read yet (cap at most).
  std::size_t len(std::uint64_t pos) noexcept {
    lock_guard g(lock_);
    return static_cast<std::size_t>(tail_val(g) - first_held(g, pos));
  }
  std::size_t capacity() const noexcept { return cap_; }
  overflow policy() const noexcept { return policy_; }

 private:
  struct counts {
    std::size_t senders = 1;
    std::size_t receivers = 1;
    bool closed = false;  // close() was called
  };
  struct positions {
    std::uint64_t head = 0;  // oldest message held
    std::uint64_t tail = 0;  // next position to write
  };
  static constexpr std::size_t align = alignof(slot) > 16 ? alignof(slot) : 16;
  counts counts_now() noexcept {
    lock_guard g(lock_);
    return counts_.with(g, [](const counts* c) { return *c; });
  }

  broadcast_state(std::size_t cap, overflow policy, std::size_t bytes) noexcept
      : cap_(cap), policy_(policy), bytes_(bytes) {}

  ~broadcast_state() {
    // Single-threaded: every handle is gone and every receiver gave up its shares.
    for (std::size_t i = 0; i < cap_; ++i) {
      slots_[i].with_mut_unshared([](slot* s) {
        if (s->remaining) s->value.destroy();
      });
      slots_[i].~slot_cell();
    }
  }

  void destroy() noexcept {
    const std::size_t bytes = bytes_;
    this->~broadcast_state();
    P::deallocate(this, bytes, align);
  }

  slot_cell& slot_at(std::uint64_t pos) const noexcept {
    return slots_[static_cast<std::size_t>(pos % cap_)];
  }
  std::uint64_t head_val(const guard& g) const noexcept {
    return pos_.with(g, [](const positions* p) { return p->head; });
  }
  std::uint64_t tail_val(const guard& g) const noexcept {
    return pos_.with(g, [](const positions* p) { return p->tail; });
  }
  std::uint64_t first_held(const guard& g, std::uint64_t pos) const noexcept {
    const std::uint64_t h = head_val(g);
    return pos < h ? h : pos;
  }
  // The message an overwriting send dropped: moved out under the lock, destroyed after it.
  using overwritten = std::optional<stored>;
  // `attempt` under the lock; if it returns `busy` and give_up() does not end the wait, `e`
  // joins its side's queue under the same lock (nullopt). Whom it claimed is woken after, and
  // what it overwrote destroyed last.
  template <class Attempt, class GiveUp = std::optional<status> (*)()>
  std::optional<status> locked_attempt(Attempt attempt, wait_entry<P>* e = nullptr, status busy = status::ok,
                                       GiveUp give_up = nullptr) {
    overwritten gone;
    wait_entry<P>* wake = nullptr;
    std::optional<status> st;
    {
      lock_guard g(lock_);
      st = attempt(g, wake, gone);
      if (e && st == busy && !(st = give_up())) (busy == status::full ? senders_q_ : receivers_q_).get(g).push(*e);
    }
    notify_chain<P>(wake);
    if (!st) P::test_delay();  // race window: the other side changes readiness before we park
    return st;
  }
  // Drops one reader's share of the message at `p` (under the lock); the last share moves the
  // message to `doomed`, destroyed by the caller after unlocking (or here if null).
  void release_slot(const guard& g, std::uint64_t p, doomed_messages<stored, P>* doomed) noexcept {
    slot_at(p).with_mut(g, [&](slot* s) {
      if (--s->remaining != 0) return;
      if (doomed)
        doomed->take(s->value);
      else
        s->value.destroy();
    });
  }
  // How many messages from `pos` on only that receiver still owes (under the lock).
  std::size_t sole_shares(const guard& g, std::uint64_t pos) const noexcept {
    std::size_t n = 0;
    for (std::uint64_t p = first_held(g, pos); p < tail_val(g); ++p)
      n += slot_at(p).with(g, [](const slot* s) { return s->remaining == 1 ? 1 : 0; });
    return n;
  }
  // Advances head past messages every reader is done with (under the lock).
  void pop_free_head(const guard& g) noexcept {
    pos_.with_mut(g, [&](positions* p) {
      while (p->head < p->tail &&
             slot_at(p->head).with(g, [](const slot* s) { return s->remaining == 0; }))
        ++p->head;
    });
  }
  auto send_attempt(stored& msg) noexcept {
    return [this, &msg](const guard& g, wait_entry<P>*& wake, overwritten& gone) {
      return send_locked(g, msg, wake, gone);
    };
  }
  auto recv_attempt(std::uint64_t& pos, uninit<stored>& out, std::uint64_t& missed) noexcept {
    return [this, &pos, &out, &missed](const guard& g, wait_entry<P>*& wake, overwritten&) {
      return recv_locked(g, pos, out, missed, wake);
    };
  }
  // Nothing here throws: `stored` is nothrow-movable (message.hpp).
  status send_locked(const guard& g, stored& msg, wait_entry<P>*& wake, overwritten& gone) noexcept {
    const std::size_t readers = counts_.with(g, [](const counts* c) { return c->receivers; });
    if (readers == 0 || counts_.with(g, [](const counts* c) { return c->closed; })) return status::closed;
    pop_free_head(g);
    positions p = pos_.with(g, [](const positions* q) { return *q; });
    if (p.tail - p.head == cap_) {
      if (policy_ == overflow::block) return status::full;
      // Overwrite: the oldest message is dropped; receivers behind it will report the lag.
      slot_at(p.head).with_mut(g, [&](slot* s) {
        gone.emplace(std::move(*s->value.get()));
        s->value.destroy();
        s->remaining = 0;
      });
      ++p.head;
    }
    pos_.with_mut(g, [&](positions* q) { *q = p; });
    // The slot at tail is free (head is past it).
    slot_at(p.tail).with_mut(g, [&](slot* s) {
      s->value.emplace(std::move(msg));
      s->remaining = readers;
    });
    pos_.with_mut(g, [](positions* q) { ++q->tail; });
    wake = receivers_q_.get(g).claim_all_disconnected();  // "look again" for every blocked receiver
    return status::ok;
  }
  // A reader but the last copies the message (T's copy, boxed anew when big: may throw, and
  // then nothing changed); the last moves it out.
  status recv_locked(const guard& g, std::uint64_t& pos, uninit<stored>& out, std::uint64_t& missed,
                     wait_entry<P>*& wake) {
    const std::uint64_t head = head_val(g);
    if (pos < head) {
      missed = head - pos;
      pos = head;
      return status::full;  // internal code for "lagged" (the handle maps it)
    }
    if (pos == tail_val(g)) {
      const bool closed = counts_.with(g, [](const counts* c) { return c->senders == 0 || c->closed; });
      return closed ? status::closed : status::empty;
    }
    bool last = false;
    // The slot holds a message this receiver has not read.
    slot_at(pos).with_mut(g, [&](slot* s) {
      if (s->remaining == 1) {
        out.move_from(s->value);
        s->remaining = 0;
        last = true;
      } else {
        out.emplace(to_stored<T, P>(std::as_const(stored_value<T, P>(*s->value.get()))));
        --s->remaining;
      }
    });
    ++pos;
    if (last && policy_ == overflow::block) {
      pop_free_head(g);
      wake = senders_q_.get(g).claim_all_disconnected();  // a slot was freed
    }
    return status::ok;
  }
  // Everything below the lock is touched only under it (guarded.hpp: the guard is the proof).
  mutable short_lock<P> lock_;
  const std::size_t cap_;
  const overflow policy_;
  const std::size_t bytes_;
  slot_cell* slots_ = nullptr;
  guarded<positions, P> pos_{};
  guarded<counts, P> counts_{};
  lock_owned<waiter_queue<P>, P> senders_q_;
  lock_owned<waiter_queue<P>, P> receivers_q_;
};
}  // namespace detail
}  // namespace sluice
