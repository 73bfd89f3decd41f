// sluice/broadcast.hpp — every receiver sees every message sent after it subscribed.
//
//   auto [tx, rx] = sluice::broadcast<T>(cap);                          // block the sender
//   auto [tx, rx] = sluice::broadcast<T>(cap, sluice::overflow::overwrite_oldest);
//   auto rx2 = rx;              // a clone continues from rx's position
//   auto rx3 = tx.subscribe();  // sees messages sent from now on
//
// Happens-before: for any threads X and Y, if X calls send() with a message and Y's receive
// returns that message (or a copy of it), everything X did before send() is visible to Y
// after the receive returns.
//
// Overflow policy, chosen at creation:
//   overflow::block             a full buffer (cap messages some receiver has not read yet)
//                               blocks send; the slowest receiver sets the pace; try_send
//                               reports errc::full.
//   overflow::overwrite_oldest  send never blocks: it drops the oldest message. A receiver
//                               that had not read it gets errc::lagged with the number it
//                               missed (tokio's RecvError::Lagged(n)), and its next
//                               receive continues at the oldest message still held.
//
// Shared or copied: each message is stored ONCE, in the ring, with a count of the receivers
// that still have to read it. Every reader but the last gets a copy (made under the channel's
// lock); the last reader moves it out, and then the slot is free. So T must be copyable, a
// single receiver never copies, and memory is cap messages whatever the receiver count.
// Copies rather than shared references (tokio hands out a read guard) because a C++ reader
// would otherwise hold a reference into a slot that an overwriting sender is about to reuse;
// a value per receiver has no lifetime to get wrong. Wrap T in a std::shared_ptr<const U> to
// share a large payload instead of copying it.
//
// Closing: the last sender gone closes the channel; receivers drain what they have not read,
// then get closed. A send with no receiver alive fails with errc::closed and hands the message
// back (a sender may still subscribe() a new receiver afterwards, as in tokio).
//
// Algorithm and synchronization. tokio::sync::broadcast's design (a ring of slots, each with
// a position and a remaining-readers count; per-receiver positions; lag detected by position)
// credited by name; simplified here to ONE short spin lock (detail::spin_lock, waiter.hpp
// [S1]/[S2]) that guards the ring, the counts and the wait queues. Every cell access is under
// it, so the lock's acquire/release is the only synchronization edge:
//   [K1] lock (acquire, [S1]) — sees everything done under the lock by previous holders;
//   [K2] unlock (release, [S2]) — publishes the slot writes / count changes made under it.
// Blocking: a waiter is queued under the lock after the readiness check, and a sender or
// receiver that changes readiness claims every queued waiter of the other side under the
// same lock and notifies them after unlocking (waiter.hpp's lifetime rule); no wake-up can be
// lost because check-and-queue and change-and-claim are both under the lock. A claim only
// means "look again". Copies of T are made under the lock (a copy constructor that blocks on
// another broadcast's lock could deadlock; don't do that).
// Positions: 64-bit message numbers (head_ = oldest held, tail_ = next to write); slot index
// = position % cap. A receiver holds its own next position.
// Async (sluice/async.hpp): async_recv and async_send queue a coroutine waiter
// (detail/kind_wait.hpp) in the same queues, checked and queued under the same lock; a claim
// means "look again", as for a blocked thread.
#pragma once

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <new>
#include <stdexcept>
#include <stop_token>
#include <type_traits>
#include <utility>

#include "sluice/channel.hpp"
#include "sluice/detail/blocking.hpp"
#include "sluice/detail/kind_wait.hpp"
#include "sluice/detail/message.hpp"
#include "sluice/detail/waiter.hpp"
#include "sluice/platform.hpp"
#include "sluice/result.hpp"
#include "sluice/std_platform.hpp"

namespace sluice {

enum class overflow { block, overwrite_oldest };

// Why a broadcast receive failed: the common sluice::errc (empty, closed, timed_out,
// cancelled, lagged). errc::lagged: `missed` messages were overwritten before this receiver
// read them; the next receive continues at the oldest message still held.
struct broadcast_error {
  errc code;
  std::uint64_t missed = 0;  // > 0 only with errc::lagged
  std::uint64_t lagged_by() const noexcept { return missed; }  // tokio's Lagged(n): n
  friend bool operator==(const broadcast_error& e, errc c) noexcept { return e.code == c; }
};

// The former broadcast-only code; broadcast_errc::lagged is errc::lagged.
using broadcast_errc [[deprecated("use sluice::errc (broadcast's lag is errc::lagged)")]] = errc;

template <class T>
using broadcast_result = result<T, broadcast_error>;

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
  typename P::template cell<std::size_t> refs{1};  // SAFETY: only touched under the state's lock
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
  using lock_type = spin_lock<P>;
  using cell_type = typename P::template cell<slot>;

  static broadcast_state* create(std::size_t cap, overflow policy) {
    constexpr std::size_t head = (sizeof(broadcast_state) + alignof(slot) - 1) / alignof(slot) * alignof(slot);
    if (cap == 0 || cap > (std::numeric_limits<std::size_t>::max() - head) / sizeof(slot) ||
        cap > std::numeric_limits<std::uint32_t>::max())
      throw std::length_error("sluice::broadcast: capacity must be in [1, 2^32)");
    const std::size_t bytes = head + cap * sizeof(slot);
    void* mem = P::allocate(bytes, align);
    auto* s = ::new (mem) broadcast_state(cap, policy, bytes);
    s->slots_ = static_cast<typename P::template cell<slot>*>(
        static_cast<void*>(static_cast<unsigned char*>(mem) + head));
    for (std::size_t i = 0; i < cap; ++i) ::new (static_cast<void*>(&s->slots_[i])) typename P::template cell<slot>();
    return s;
  }

  // Handle counting (under the lock). Returns the position a new receiver starts at.
  void add_sender() noexcept {
    lock_guard g(lock_);
    // SAFETY: counts are only touched under lock_ ([K1]/[K2]).
    counts_.with_mut([](counts* c) { ++c->senders; });
  }
  // A new receiver at the newest position (its cursor is allocated first: may throw).
  cursor* subscribe() {
    cursor* c = create_shared<cursor, P>(sizeof(cursor), 0);
    lock_guard g(lock_);
    // SAFETY: under lock_.
    counts_.with_mut([](counts* k) { ++k->receivers; });
    c->pos = tail_val();
    return c;
  }
  // A clone at position `pos`: it owes a read of every held message from pos on.
  cursor* clone_receiver(std::uint64_t pos) {
    cursor* c = create_shared<cursor, P>(sizeof(cursor), pos);
    lock_guard g(lock_);
    // SAFETY: under lock_.
    counts_.with_mut([](counts* k) { ++k->receivers; });
    for (std::uint64_t p = first_held(pos); p < tail_val(); ++p)
      // SAFETY: slots are only touched under lock_.
      slot_at(p).with_mut([](slot* s) { ++s->remaining; });
    return c;
  }
  // Another reference to a receiver's cursor (an async receive), made from a live one.
  void retain_cursor(cursor* c) noexcept {
    lock_guard g(lock_);
    // SAFETY: under lock_.
    c->refs.with_mut([](std::size_t* r) { ++*r; });
  }

  void drop_sender() noexcept {
    wait_entry<P>* wake = nullptr;
    bool last_handle;
    {
      lock_guard g(lock_);
      // SAFETY: under lock_.
      const counts c = counts_.with_mut([](counts* k) { --k->senders; return *k; });
      if (c.senders == 0) wake = receivers_q_.claim_all_disconnected();
      last_handle = c.senders == 0 && c.receivers == 0;
    }
    notify_chain<P>(wake);
    if (last_handle) destroy();
  }

  // Gives back a reference to a receiver's cursor. The last one drops the receiver: it gives
  // up its share of every message it has not read, and the messages nobody else will read are
  // destroyed here, after the lock is released (on this thread).
  void release_cursor(cursor* c) noexcept {
    {
      lock_guard g(lock_);
      // SAFETY: under lock_.
      if (c->refs.with_mut([](std::size_t* r) { return --*r; }) != 0) return;
    }
    // The receiver is ours alone now; its shares are still counted. Size the graveyard for
    // the messages only it still owes (counted under the lock, allocated outside it; once
    // more if sends added some meanwhile, then cap, which always suffices). If allocation
    // fails they are destroyed under the lock, as a last resort.
    doomed_messages<stored, P> doomed;
    bool under_lock = false;
    std::size_t need = 0;
    wait_entry<P>* wake = nullptr;
    bool last_handle;
    for (int attempt = 0;; ++attempt) {
      if (!doomed.reserve(need)) under_lock = true;
      lock_guard g(lock_);
      const std::size_t n = sole_shares(c->pos);
      if (n > doomed.capacity() && !under_lock) {
        need = attempt == 0 ? n : cap_;
        continue;  // unlock, allocate, look again
      }
      // Give up this receiver's share of every message it has not read.
      for (std::uint64_t p = first_held(c->pos); p < tail_val(); ++p) release_slot(p, under_lock ? nullptr : &doomed);
      pop_free_head();
      // SAFETY: under lock_.
      const counts k = counts_.with_mut([](counts* n) { --n->receivers; return *n; });
      wake = senders_q_.claim_all_disconnected();  // a slot may be free, or nobody is left
      last_handle = k.senders == 0 && k.receivers == 0;
      break;
    }
    notify_chain<P>(wake);
    destroy_shared<cursor, P>(c, sizeof(cursor));
    if (last_handle) {
      destroy();  // no handle is left, so no message destructor below can reach the state
    }
    // `doomed` goes here: a message's destructor may drop a handle of this channel (even the
    // last one, which frees the state): we touch the state no more.
  }

  // One attempt to send (status::full when the block policy finds the ring full). On any
  // status but ok the message stays in `msg`.
  status try_send(stored& msg) noexcept {
    wait_entry<P>* wake = nullptr;
    overwritten gone;
    status st;
    {
      lock_guard g(lock_);
      st = send_locked(msg, wake, gone);
    }
    notify_chain<P>(wake);
    return st;
  }

  // One attempt to receive from `pos`: ok (value in out), empty, closed, or lagged (pos moved).
  status try_recv(std::uint64_t& pos, uninit<stored>& out, std::uint64_t& missed) {
    wait_entry<P>* wake = nullptr;
    status st;
    {
      lock_guard g(lock_);
      st = recv_locked(pos, out, missed, wake);
    }
    notify_chain<P>(wake);
    return st;
  }

  // Blocking forms: retry, queueing a waiter under the lock when not ready.
  status send(stored& msg, const typename P::clock::time_point* deadline, const std::stop_token* stop) {
    for (;;) {
      waiter<P> w;
      wait_entry<P> e;
      e.w = &w;
      wait_entry<P>* wake = nullptr;
      overwritten gone;
      status st;
      bool queued = false;
      {
        lock_guard g(lock_);
        st = send_locked(msg, wake, gone);
        if (st == status::full) {
          if (stop_requested(stop)) {
            st = status::cancelled;
          } else if (deadline && P::clock::now() >= *deadline) {
            st = status::timed_out;
          } else {
            // SAFETY (queue): senders_q_ is only touched under lock_.
            senders_q_.push(e);
            queued = true;
          }
        }
      }
      notify_chain<P>(wake);
      if (!queued) return st;
      if (!wait(w, e, senders_q_, deadline, stop)) return status::cancelled;
    }
  }

  status recv(std::uint64_t& pos, uninit<stored>& out, std::uint64_t& missed,
              const typename P::clock::time_point* deadline, const std::stop_token* stop) {
    for (;;) {
      waiter<P> w;
      wait_entry<P> e;
      e.w = &w;
      wait_entry<P>* wake = nullptr;
      status st;
      bool queued = false;
      {
        lock_guard g(lock_);
        st = recv_locked(pos, out, missed, wake);
        if (st == status::empty) {
          if (stop_requested(stop)) {
            st = status::cancelled;
          } else if (deadline && P::clock::now() >= *deadline) {
            st = status::timed_out;
          } else {
            // SAFETY (queue): receivers_q_ is only touched under lock_.
            receivers_q_.push(e);
            queued = true;
          }
        }
      }
      notify_chain<P>(wake);
      if (!queued) return st;
      if (!wait(w, e, receivers_q_, deadline, stop)) return status::cancelled;
    }
  }

  // Async registrations (kind_wait.hpp), decided under the lock like the blocking forms:
  // true, queueing nothing, when the operation can proceed now.
  bool register_receiver(std::uint64_t pos, wait_entry<P>& e) noexcept {
    lock_guard g(lock_);
    // SAFETY: under lock_.
    const bool closed = counts_.with([](const counts* c) { return c->senders == 0; });
    if (pos < head_val() || pos != tail_val() || closed) return true;  // lagged, a message, closed
    // SAFETY (queue): receivers_q_ is only touched under lock_.
    receivers_q_.push(e);
    return false;
  }
  bool register_sender(wait_entry<P>& e) noexcept {
    lock_guard g(lock_);
    // SAFETY: under lock_.
    const std::size_t readers = counts_.with([](const counts* c) { return c->receivers; });
    if (readers == 0 || policy_ != overflow::block) return true;
    pop_free_head();
    if (tail_val() - head_val() < cap_) return true;
    // SAFETY (queue): senders_q_ is only touched under lock_.
    senders_q_.push(e);
    return false;
  }
  // Unqueues `e` unless a notifier already did.
  void unregister(wait_entry<P>& e, bool sender) noexcept {
    lock_guard g(lock_);
    // SAFETY (queue): under lock_.
    (sender ? senders_q_ : receivers_q_).remove(e);
  }

  std::size_t receiver_count() noexcept {
    lock_guard g(lock_);
    // SAFETY: under lock_.
    return counts_.with([](const counts* c) { return c->receivers; });
  }
  std::size_t sender_count() noexcept {
    lock_guard g(lock_);
    // SAFETY: under lock_.
    return counts_.with([](const counts* c) { return c->senders; });
  }
  // Messages `pos` has not read yet (cap at most).
  std::size_t len(std::uint64_t pos) noexcept {
    lock_guard g(lock_);
    return static_cast<std::size_t>(tail_val() - first_held(pos));
  }
  std::size_t capacity() const noexcept { return cap_; }
  overflow policy() const noexcept { return policy_; }

 private:
  struct counts {
    std::size_t senders = 1;
    std::size_t receivers = 1;
  };
  struct positions {
    std::uint64_t head = 0;  // oldest message held
    std::uint64_t tail = 0;  // next position to write
  };
  static constexpr std::size_t align = alignof(slot) > 16 ? alignof(slot) : 16;

  broadcast_state(std::size_t cap, overflow policy, std::size_t bytes) noexcept
      : cap_(cap), policy_(policy), bytes_(bytes) {}

  ~broadcast_state() {
    // Single-threaded: every handle is gone and every receiver gave up its shares, so every
    // slot is free; the loop only runs destructors of slots that still hold a value.
    for (std::size_t i = 0; i < cap_; ++i) {
      // SAFETY: no other handle remains.
      slots_[i].with_mut([](slot* s) {
        if (s->remaining) s->value.destroy();
      });
      slots_[i].~cell_type();
    }
  }

  void destroy() noexcept {
    const std::size_t bytes = bytes_;
    this->~broadcast_state();
    P::deallocate(this, bytes, align);
  }

  // Waits for a claim; unqueues itself unless a notifier did. False when cancelled.
  bool wait(waiter<P>& w, wait_entry<P>& e, waiter_queue<P>& q,
            const typename P::clock::time_point* deadline, const std::stop_token* stop) {
    P::test_delay();  // race window: the other side changes readiness before we park
    const std::uintptr_t sel = wait_for_claim<P>(w, deadline, stop);
    if (sel == sel_aborted || sel == sel_cancelled) {
      lock_guard g(lock_);
      // SAFETY (queue): under lock_.
      q.remove(e);
    }
    return sel != sel_cancelled;
  }

  typename P::template cell<slot>& slot_at(std::uint64_t pos) const noexcept {
    return slots_[static_cast<std::size_t>(pos % cap_)];
  }
  std::uint64_t head_val() const noexcept {
    // SAFETY: called under lock_.
    return pos_.with([](const positions* p) { return p->head; });
  }
  std::uint64_t tail_val() const noexcept {
    // SAFETY: called under lock_.
    return pos_.with([](const positions* p) { return p->tail; });
  }
  std::uint64_t first_held(std::uint64_t pos) const noexcept {
    const std::uint64_t h = head_val();
    return pos < h ? h : pos;
  }

  // Drops one reader's share of the message at `p` (under the lock); the last share moves the
  // message to `doomed`, destroyed by the caller after unlocking (or here if null).
  void release_slot(std::uint64_t p, doomed_messages<stored, P>* doomed) noexcept {
    // SAFETY: under lock_.
    slot_at(p).with_mut([&](slot* s) {
      if (--s->remaining != 0) return;
      if (doomed)
        doomed->take(s->value);
      else
        s->value.destroy();
    });
  }
  // How many messages from `pos` on only that receiver still owes (under the lock).
  std::size_t sole_shares(std::uint64_t pos) const noexcept {
    std::size_t n = 0;
    for (std::uint64_t p = first_held(pos); p < tail_val(); ++p)
      // SAFETY: under lock_.
      n += slot_at(p).with([](const slot* s) { return s->remaining == 1 ? 1 : 0; });
    return n;
  }
  // Advances head past messages every reader is done with (under the lock).
  void pop_free_head() noexcept {
    // SAFETY: under lock_.
    pos_.with_mut([&](positions* p) {
      while (p->head < p->tail &&
             slot_at(p->head).with([](const slot* s) { return s->remaining == 0; }))
        ++p->head;
    });
  }

  // The message an overwriting send dropped: moved out under the lock, destroyed after it.
  struct overwritten {
    uninit<stored> v;
    bool held = false;
    overwritten() noexcept = default;
    overwritten(const overwritten&) = delete;
    overwritten& operator=(const overwritten&) = delete;
    ~overwritten() {
      if (held) v.destroy();
    }
  };

  // Nothing here throws: `stored` is nothrow-movable (message.hpp).
  status send_locked(stored& msg, wait_entry<P>*& wake, overwritten& gone) noexcept {
    // SAFETY: under lock_.
    const std::size_t readers = counts_.with([](const counts* c) { return c->receivers; });
    if (readers == 0) return status::closed;
    pop_free_head();
    positions p = pos_.with([](const positions* q) { return *q; });
    if (p.tail - p.head == cap_) {
      if (policy_ == overflow::block) return status::full;
      // Overwrite: the oldest message is dropped; receivers behind it will report the lag.
      // SAFETY: under lock_.
      slot_at(p.head).with_mut([&](slot* s) {
        gone.v.move_from(s->value);
        gone.held = true;
        s->remaining = 0;
      });
      ++p.head;
    }
    pos_.with_mut([&](positions* q) { *q = p; });
    // SAFETY: under lock_; the slot at tail is free (head is past it).
    slot_at(p.tail).with_mut([&](slot* s) {
      s->value.emplace(std::move(msg));
      s->remaining = readers;
    });
    // SAFETY: under lock_.
    pos_.with_mut([](positions* q) { ++q->tail; });
    wake = receivers_q_.claim_all_disconnected();  // "look again" for every blocked receiver
    return status::ok;
  }

  // A reader but the last copies the message (T's copy, boxed anew when big: may throw, and
  // then nothing changed); the last moves it out.
  status recv_locked(std::uint64_t& pos, uninit<stored>& out, std::uint64_t& missed, wait_entry<P>*& wake) {
    const std::uint64_t head = head_val();
    if (pos < head) {
      missed = head - pos;
      pos = head;
      return status::full;  // internal code for "lagged" (the handle maps it)
    }
    if (pos == tail_val()) {
      // SAFETY: under lock_.
      const bool closed = counts_.with([](const counts* c) { return c->senders == 0; });
      return closed ? status::closed : status::empty;
    }
    bool last = false;
    // SAFETY: under lock_; the slot holds a message this receiver has not read.
    slot_at(pos).with_mut([&](slot* s) {
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
      pop_free_head();
      wake = senders_q_.claim_all_disconnected();  // a slot was freed
    }
    return status::ok;
  }

  mutable lock_type lock_;
  const std::size_t cap_;
  const overflow policy_;
  const std::size_t bytes_;
  typename P::template cell<slot>* slots_ = nullptr;
  typename P::template cell<positions> pos_{};
  typename P::template cell<counts> counts_{};
  waiter_queue<P> senders_q_;    // SAFETY: only touched under lock_
  waiter_queue<P> receivers_q_;  // SAFETY: only touched under lock_
};

// A failed receive's status as the handle reports it (status::full is the internal code for
// lagged).
template <class T>
broadcast_result<T> broadcast_failure(status st, std::uint64_t missed) {
  if (st == status::full) return broadcast_result<T>(in_place_error, broadcast_error{errc::lagged, missed});
  return broadcast_result<T>(in_place_error, broadcast_error{to_errc(st), 0});
}

// A counted reference to a receiver's cursor: the receiver handle holds one, and so does each
// async receive made from it (taken when the operation is created).
template <class T, class P>
class broadcast_cursor_ref {
 public:
  using cursor = broadcast_cursor<P>;
  broadcast_cursor_ref() noexcept = default;
  broadcast_cursor_ref(broadcast_state<T, P>* s, cursor* c) noexcept : s_(s), c_(c) {}  // adopts
  broadcast_cursor_ref(broadcast_cursor_ref&& o) noexcept
      : s_(std::exchange(o.s_, nullptr)), c_(std::exchange(o.c_, nullptr)) {}
  broadcast_cursor_ref& operator=(broadcast_cursor_ref&& o) noexcept {
    broadcast_cursor_ref gone(std::move(*this));
    s_ = std::exchange(o.s_, nullptr);
    c_ = std::exchange(o.c_, nullptr);
    return *this;
  }
  ~broadcast_cursor_ref() {
    if (s_) s_->release_cursor(c_);
  }
  broadcast_cursor_ref another() const noexcept {
    s_->retain_cursor(c_);
    return broadcast_cursor_ref(s_, c_);
  }
  broadcast_state<T, P>* state() const noexcept { return s_; }
  std::uint64_t& pos() const noexcept { return c_->pos; }

 private:
  broadcast_state<T, P>* s_ = nullptr;
  cursor* c_ = nullptr;
};

// Async registrations (kind_wait.hpp). Every wake-up here is "look again" (a sender or a
// receiver claims the whole other side), so a destroyed waiter has nothing to pass on.
template <class T, class P>
struct broadcast_wait_reg {
  broadcast_state<T, P>* s;
  std::uint64_t pos;  // a receiver's position (unused by a sender)
  bool sender;
  wait_entry<P> e{};
  bool enroll(waiter<P>& w) noexcept {
    e.w = &w;
    return sender ? s->register_sender(e) : s->register_receiver(pos, e);
  }
  void withdraw(waiter<P>&) noexcept { s->unregister(e, sender); }
};

// A receiver's async receive, from its cursor (shared with the receiver handle, which it keeps
// alive: `rx`).
template <class T, class P>
async_op<broadcast_result<T>, P> broadcast_async_recv_body(broadcast_cursor_ref<T, P> rx, std::stop_token stop) {
  using S = stored_t<T, P>;
  broadcast_state<T, P>* const s = rx.state();
  for (;;) {
    uninit<S> out;
    std::uint64_t missed = 0;
    const status st = s->try_recv(rx.pos(), out, missed);
    if (st == status::ok) {
      // Built in the promise, moved once from `out` (no temporary on a resuming thread's stack).
      destroy_at_exit<S> done{out};
      co_return value_from{[&]() -> T { return std::move(stored_value<T, P>(*out.get())); }};
    }
    if (st != status::empty) co_return broadcast_failure<T>(st, missed);
    if (stop.stop_requested()) co_return broadcast_failure<T>(status::cancelled, 0);
    const std::uintptr_t sel = co_await kind_wait<P, broadcast_wait_reg<T, P>>(
        broadcast_wait_reg<T, P>{s, rx.pos(), false}, &stop);
    if (sel == sel_cancelled) co_return broadcast_failure<T>(status::cancelled, 0);
  }
}

// An async send: the message lives in this frame until the ring takes it, so a destroyed
// waiting send destroys it exactly once, and a cancelled one hands it back. The operation owns
// a copy of its sender (`tx`): the channel stays open on that side until it goes.
template <class T, class P, class Sender>
async_op<send_result<T>, P> broadcast_async_send_body(Sender tx, stored_t<T, P> msg, std::stop_token stop) {
  broadcast_state<T, P>* const s = tx.native_state();
  // The error is built in the promise (no temporary on the resuming thread's stack).
  auto fail = [&](errc e) {
    return error_from{[&msg, e] { return send_error<T>{e, from_stored<T, P>(std::move(msg))}; }};
  };
  for (;;) {
    const status st = s->try_send(msg);
    if (st == status::ok) co_return send_result<T>();
    if (st == status::closed) co_return fail(errc::closed);
    if (stop.stop_requested()) co_return fail(errc::cancelled);
    const std::uintptr_t sel =
        co_await kind_wait<P, broadcast_wait_reg<T, P>>(broadcast_wait_reg<T, P>{s, 0, true}, &stop);
    if (sel == sel_cancelled) co_return fail(errc::cancelled);
  }
}

}  // namespace detail

template <class T, platform P>
class basic_broadcast_sender;
template <class T, platform P>
class basic_broadcast_receiver;

template <class T, platform P = std_platform>
std::pair<basic_broadcast_sender<T, P>, basic_broadcast_receiver<T, P>> basic_broadcast(
    std::size_t cap, overflow policy = overflow::block);

// The sending half: copyable (a copy is another sender).
template <class T, platform P = std_platform>
class basic_broadcast_sender {
  static_assert(detail::message_type<T> && std::is_copy_constructible_v<T>,
                "sluice::broadcast: a message must be a copyable object type (each receiver gets one)");
  using state = detail::broadcast_state<T, P>;
  using stored = detail::stored_t<T, P>;

 public:
  using value_type = T;
  using time_point = typename P::clock::time_point;

  basic_broadcast_sender() noexcept = default;
  basic_broadcast_sender(const basic_broadcast_sender& o) noexcept : s_(o.s_) {
    if (s_) s_->add_sender();
  }
  basic_broadcast_sender(basic_broadcast_sender&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  basic_broadcast_sender& operator=(basic_broadcast_sender o) noexcept {
    std::swap(s_, o.s_);
    return *this;
  }
  ~basic_broadcast_sender() {
    if (s_) s_->drop_sender();
  }

  bool valid() const noexcept { return s_ != nullptr; }
  explicit operator bool() const noexcept { return valid(); }

  // Every send takes its message by reference (U&&, a T by default: braces work) and stores
  // it (boxed when big, message.hpp) before the lock: no further copy on the stack.

  // Sends to every current receiver. Blocks while full (overflow::block); never blocks with
  // overflow::overwrite_oldest. errc::closed (message handed back) if no receiver is alive.
  template <class U = T>
    requires std::constructible_from<T, U>
  send_result<T> send(U&& msg) const {
    return send_impl("send", std::forward<U>(msg), nullptr, nullptr);
  }
  template <class U = T>
    requires std::constructible_from<T, U>
  send_result<T> send(U&& msg, std::stop_token stop) const {
    return send_impl("send", std::forward<U>(msg), nullptr, &stop);
  }
  template <class U = T>
    requires std::constructible_from<T, U>
  send_result<T> try_send(U&& msg) const {
    return send_impl("try_send", std::forward<U>(msg), nullptr, nullptr, false);
  }
  template <class U = T, class Rep, class Period>
    requires std::constructible_from<T, U>
  send_result<T> send_for(U&& msg, std::chrono::duration<Rep, Period> timeout) const {
    const time_point d = detail::deadline_after<P>(timeout);
    return send_impl("send_for", std::forward<U>(msg), &d, nullptr);
  }
  template <class U = T, class Clock, class Duration>
    requires std::constructible_from<T, U>
  send_result<T> send_until(U&& msg, std::chrono::time_point<Clock, Duration> deadline) const {
    const time_point d = detail::to_platform_time<P>(deadline);
    return send_impl("send_until", std::forward<U>(msg), &d, nullptr);
  }

  // co_await-able send (sluice/async.hpp): waits while full (overflow::block), like send().
  // errc::closed or errc::cancelled hand the message back; destroying the coroutine while it
  // waits destroys the unsent message exactly once. The operation owns a copy of this sender:
  // it may be awaited after the caller's senders are gone.
  template <class U = T>
    requires std::constructible_from<T, U>
  detail::async_op<send_result<T>, P> async_send(U&& msg, std::stop_token stop = {}) const {
    check("async_send");
    return detail::broadcast_async_send_body<T, P>(basic_broadcast_sender(*this),
                                                   detail::to_stored<T, P>(std::forward<U>(msg)), std::move(stop));
  }
  template <scheduler Sched, class U = T>
    requires std::constructible_from<T, U>
  detail::async_op<send_result<T>, P> async_send(U&& msg, Sched& sched, std::stop_token stop = {}) const {
    return detail::with_scheduler(async_send(std::forward<U>(msg), std::move(stop)), detail::resumer::of(sched));
  }

  // A new receiver that sees every message sent from now on.
  basic_broadcast_receiver<T, P> subscribe() const {
    state* s = check("subscribe");
    return basic_broadcast_receiver<T, P>(s, s->subscribe());
  }

  // For the async layer: the shared state.
  state* native_state() const noexcept { return s_; }

  std::size_t receiver_count() const { return check("receiver_count")->receiver_count(); }
  std::size_t sender_count() const { return check("sender_count")->sender_count(); }
  std::size_t capacity() const { return check("capacity")->capacity(); }

 private:
  template <class U, platform Q>
  friend std::pair<basic_broadcast_sender<U, Q>, basic_broadcast_receiver<U, Q>> basic_broadcast(std::size_t, overflow);
  explicit basic_broadcast_sender(state* s) noexcept : s_(s) {}

  state* check(const char* op) const {
    if (!s_) throw empty_handle_error(op);
    return s_;
  }
  template <class U>
  send_result<T> send_impl(const char* op, U&& msg, const time_point* deadline, const std::stop_token* stop,
                           bool block = true) const {
    state* s = check(op);
    stored st = detail::to_stored<T, P>(std::forward<U>(msg));
    const detail::status r = block ? s->send(st, deadline, stop) : s->try_send(st);
    if (r == detail::status::ok) return send_result<T>();
    // Handed back in place: `st` is this operation's one copy of the message.
    return send_result<T>(in_place_error, detail::construct_with,
                          [&] { return send_error<T>{detail::to_errc(r), detail::from_stored<T, P>(std::move(st))}; });
  }

  state* s_ = nullptr;
};

// The receiving half: copyable; a copy continues from the same position. Not safe to use one
// receiver object from two threads at once (its position is its own); clone it instead.
template <class T, platform P = std_platform>
class basic_broadcast_receiver {
  using state = detail::broadcast_state<T, P>;
  using stored = detail::stored_t<T, P>;
  using cursor_ref = detail::broadcast_cursor_ref<T, P>;

 public:
  using value_type = T;
  using time_point = typename P::clock::time_point;

  basic_broadcast_receiver() noexcept = default;
  // A clone continues from this receiver's position (its cursor is allocated: may throw).
  basic_broadcast_receiver(const basic_broadcast_receiver& o)
      : ref_(o.valid() ? cursor_ref(o.ref_.state(), o.ref_.state()->clone_receiver(o.ref_.pos())) : cursor_ref()) {}
  basic_broadcast_receiver(basic_broadcast_receiver&&) noexcept = default;
  basic_broadcast_receiver& operator=(basic_broadcast_receiver o) noexcept {
    std::swap(ref_, o.ref_);
    return *this;
  }
  // Gives back its reference to the cursor: the last one (this, or an async receive made from
  // it) drops the receiver, and the messages nobody else will read are destroyed then.
  ~basic_broadcast_receiver() = default;

  bool valid() const noexcept { return ref_.state() != nullptr; }
  explicit operator bool() const noexcept { return valid(); }

  // The next message; lagged(n) if n were overwritten first (then the next call continues at
  // the oldest held); closed once every sender is gone and everything was read.
  broadcast_result<T> recv() { return recv_impl("recv", true, nullptr, nullptr); }
  broadcast_result<T> recv(std::stop_token stop) { return recv_impl("recv", true, nullptr, &stop); }
  broadcast_result<T> try_recv() { return recv_impl("try_recv", false, nullptr, nullptr); }
  template <class Rep, class Period>
  broadcast_result<T> recv_for(std::chrono::duration<Rep, Period> timeout) {
    const time_point d = detail::deadline_after<P>(timeout);
    return recv_impl("recv_for", true, &d, nullptr);
  }
  template <class Clock, class Duration>
  broadcast_result<T> recv_until(std::chrono::time_point<Clock, Duration> deadline) {
    const time_point d = detail::to_platform_time<P>(deadline);
    return recv_impl("recv_until", true, &d, nullptr);
  }

  // co_await-able receive (sluice/async.hpp): as recv(), for coroutines; errc::cancelled if
  // `stop` fires first. Destroying the coroutine while it waits takes nothing (the position
  // stays). The operation shares this receiver's position and keeps it subscribed: it may be
  // awaited after this receiver is gone; meanwhile the receiver must not be used elsewhere.
  //   while (auto m = co_await rx.async_recv()) use(*m);   // stops at lagged too: check why
  detail::async_op<broadcast_result<T>, P> async_recv(std::stop_token stop = {}) {
    check("async_recv");
    return detail::broadcast_async_recv_body<T, P>(ref_.another(), std::move(stop));
  }
  template <scheduler Sched>
  detail::async_op<broadcast_result<T>, P> async_recv(Sched& sched, std::stop_token stop = {}) {
    return detail::with_scheduler(async_recv(std::move(stop)), detail::resumer::of(sched));
  }

  // A new receiver at the newest position (sees only later messages), like tokio's resubscribe.
  basic_broadcast_receiver resubscribe() const {
    state* s = check("resubscribe");
    return basic_broadcast_receiver(s, s->subscribe());
  }
  // Messages this receiver has not read yet.
  std::size_t len() const { return check("len")->len(ref_.pos()); }
  bool is_empty() const { return len() == 0; }
  std::size_t receiver_count() const { return check("receiver_count")->receiver_count(); }

 private:
  friend class basic_broadcast_sender<T, P>;
  template <class U, platform Q>
  friend std::pair<basic_broadcast_sender<U, Q>, basic_broadcast_receiver<U, Q>> basic_broadcast(std::size_t, overflow);
  basic_broadcast_receiver(state* s, typename state::cursor* c) noexcept : ref_(s, c) {}

  state* check(const char* op) const {
    if (!valid()) throw empty_handle_error(op);
    return ref_.state();
  }

  broadcast_result<T> recv_impl(const char* op, bool block, const time_point* deadline,
                                const std::stop_token* stop) {
    state* s = check(op);
    detail::uninit<stored> out;
    std::uint64_t missed = 0;
    const detail::status st = block ? s->recv(ref_.pos(), out, missed, deadline, stop)
                                    : s->try_recv(ref_.pos(), out, missed);
    if (st != detail::status::ok) return detail::broadcast_failure<T>(st, missed);
    // Moved once, from `out` (this operation's one copy) into the caller's result.
    detail::destroy_at_exit<stored> done{out};
    return broadcast_result<T>(std::in_place, std::move(detail::stored_value<T, P>(*out.get())));
  }

  cursor_ref ref_;
};

// A broadcast channel of `cap` >= 1 messages on platform P (std::length_error otherwise).
template <class T, platform P>
std::pair<basic_broadcast_sender<T, P>, basic_broadcast_receiver<T, P>> basic_broadcast(
    std::size_t cap, overflow policy) {
  using cursor = detail::broadcast_cursor<P>;
  cursor* c = detail::create_shared<cursor, P>(sizeof(cursor), 0);  // the first receiver's position
  detail::broadcast_state<T, P>* s;
  try {
    s = detail::broadcast_state<T, P>::create(cap, policy);
  } catch (...) {
    detail::destroy_shared<cursor, P>(c, sizeof(cursor));
    throw;
  }
  return {basic_broadcast_sender<T, P>(s), basic_broadcast_receiver<T, P>(s, c)};
}

template <class T>
using broadcast_sender = basic_broadcast_sender<T, std_platform>;
template <class T>
using broadcast_receiver = basic_broadcast_receiver<T, std_platform>;

template <class T>
std::pair<broadcast_sender<T>, broadcast_receiver<T>> broadcast(std::size_t cap,
                                                                overflow policy = overflow::block) {
  return basic_broadcast<T, std_platform>(cap, policy);
}

}  // namespace sluice
