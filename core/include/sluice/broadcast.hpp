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

template <class T, class P>
class broadcast_state {
 public:
  struct slot {
    std::size_t remaining = 0;  // receivers that still have to read it (0: free)
    uninit<T> value;
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
  std::uint64_t subscribe() noexcept {
    lock_guard g(lock_);
    // SAFETY: under lock_.
    counts_.with_mut([](counts* c) { ++c->receivers; });
    return tail_val();
  }
  // A clone at position `pos`: it owes a read of every held message from pos on.
  void clone_receiver(std::uint64_t pos) noexcept {
    lock_guard g(lock_);
    // SAFETY: under lock_.
    counts_.with_mut([](counts* c) { ++c->receivers; });
    for (std::uint64_t p = first_held(pos); p < tail_val(); ++p)
      // SAFETY: slots are only touched under lock_.
      slot_at(p).with_mut([](slot* s) { ++s->remaining; });
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

  void drop_receiver(std::uint64_t pos) noexcept {
    wait_entry<P>* wake = nullptr;
    bool last_handle;
    {
      lock_guard g(lock_);
      // Give up this receiver's share of every message it has not read.
      for (std::uint64_t p = first_held(pos); p < tail_val(); ++p) release_slot(p);
      pop_free_head();
      // SAFETY: under lock_.
      const counts c = counts_.with_mut([](counts* k) { --k->receivers; return *k; });
      wake = senders_q_.claim_all_disconnected();  // a slot may be free, or nobody is left
      last_handle = c.senders == 0 && c.receivers == 0;
    }
    notify_chain<P>(wake);
    if (last_handle) destroy();
  }

  // One attempt to send (status::full when the block policy finds the ring full).
  status try_send(T& msg) {
    wait_entry<P>* wake = nullptr;
    status st;
    {
      lock_guard g(lock_);
      st = send_locked(msg, wake);
    }
    notify_chain<P>(wake);
    return st;
  }

  // One attempt to receive from `pos`: ok (value in out), empty, closed, or lagged (pos moved).
  status try_recv(std::uint64_t& pos, uninit<T>& out, std::uint64_t& missed) noexcept(
      std::is_nothrow_copy_constructible_v<T>) {
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
  status send(T& msg, const typename P::clock::time_point* deadline, const std::stop_token* stop) {
    for (;;) {
      waiter<P> w;
      wait_entry<P> e;
      e.w = &w;
      wait_entry<P>* wake = nullptr;
      status st;
      bool queued = false;
      {
        lock_guard g(lock_);
        st = send_locked(msg, wake);
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

  status recv(std::uint64_t& pos, uninit<T>& out, std::uint64_t& missed,
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

  typename P::template cell<slot>& slot_at(std::uint64_t pos) noexcept {
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

  // Drops one reader's share of the message at `p` (under the lock).
  void release_slot(std::uint64_t p) noexcept {
    // SAFETY: under lock_.
    slot_at(p).with_mut([](slot* s) {
      if (--s->remaining == 0) s->value.destroy();
    });
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

  // Exception safety: if T's move throws, the overwrite (if any) has happened and the message
  // was not sent; positions and counts stay consistent.
  status send_locked(T& msg, wait_entry<P>*& wake) {
    // SAFETY: under lock_.
    const std::size_t readers = counts_.with([](const counts* c) { return c->receivers; });
    if (readers == 0) return status::closed;
    pop_free_head();
    positions p = pos_.with([](const positions* q) { return *q; });
    if (p.tail - p.head == cap_) {
      if (policy_ == overflow::block) return status::full;
      // Overwrite: the oldest message is dropped; receivers behind it will report the lag.
      // SAFETY: under lock_.
      slot_at(p.head).with_mut([](slot* s) {
        s->value.destroy();
        s->remaining = 0;
      });
      ++p.head;
    }
    pos_.with_mut([&](positions* q) { *q = p; });
    // SAFETY: under lock_; the slot at tail is free (head is past it).
    slot_at(p.tail).with_mut([&](slot* s) {
      s->value.emplace(std::move(msg));  // may throw (see above)
      s->remaining = readers;
    });
    // SAFETY: under lock_.
    pos_.with_mut([](positions* q) { ++q->tail; });
    wake = receivers_q_.claim_all_disconnected();  // "look again" for every blocked receiver
    return status::ok;
  }

  status recv_locked(std::uint64_t& pos, uninit<T>& out, std::uint64_t& missed,
                     wait_entry<P>*& wake) noexcept(std::is_nothrow_copy_constructible_v<T>) {
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
        out.emplace(std::move(*s->value.get()));
        s->value.destroy();
        s->remaining = 0;
        last = true;
      } else {
        out.emplace(*s->value.get());  // may throw: nothing changed yet
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

// A receive's status as the handle reports it (status::full is the internal code for lagged).
template <class T>
broadcast_result<T> broadcast_outcome(status st, uninit<T>& out, std::uint64_t missed) {
  if (st == status::ok) return broadcast_result<T>(std::in_place, out.take());
  if (st == status::full) return broadcast_result<T>(in_place_error, broadcast_error{errc::lagged, missed});
  return broadcast_result<T>(in_place_error, broadcast_error{to_errc(st), 0});
}

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

// A receiver's async receive from *pos (the receiver handle's position).
template <class T, class P>
async_op<broadcast_result<T>, P> broadcast_async_recv_body(broadcast_state<T, P>* s, std::uint64_t* pos,
                                                           std::stop_token stop) {
  for (;;) {
    uninit<T> out;
    std::uint64_t missed = 0;
    const status st = s->try_recv(*pos, out, missed);
    if (st != status::empty) co_return broadcast_outcome<T>(st, out, missed);
    if (stop.stop_requested()) co_return broadcast_outcome<T>(status::cancelled, out, 0);
    const std::uintptr_t sel = co_await kind_wait<P, broadcast_wait_reg<T, P>>(
        broadcast_wait_reg<T, P>{s, *pos, false}, &stop);
    if (sel == sel_cancelled) co_return broadcast_outcome<T>(status::cancelled, out, 0);
  }
}

// An async send: the message lives in this frame until the ring takes it, so a destroyed
// waiting send destroys it exactly once, and a cancelled one hands it back.
template <class T, class P>
async_op<send_result<T>, P> broadcast_async_send_body(broadcast_state<T, P>* s, T msg, std::stop_token stop) {
  auto fail = [&](errc e) { return send_result<T>(in_place_error, send_error<T>{e, std::move(msg)}); };
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

  // Sends to every current receiver. Blocks while full (overflow::block); never blocks with
  // overflow::overwrite_oldest. errc::closed (message handed back) if no receiver is alive.
  send_result<T> send(T msg) const { return finish(check("send")->send(msg, nullptr, nullptr), msg); }
  send_result<T> send(T msg, std::stop_token stop) const {
    return finish(check("send")->send(msg, nullptr, &stop), msg);
  }
  send_result<T> try_send(T msg) const { return finish(check("try_send")->try_send(msg), msg); }
  template <class Rep, class Period>
  send_result<T> send_for(T msg, std::chrono::duration<Rep, Period> timeout) const {
    const time_point d = detail::deadline_after<P>(timeout);
    return finish(check("send_for")->send(msg, &d, nullptr), msg);
  }
  template <class Clock, class Duration>
  send_result<T> send_until(T msg, std::chrono::time_point<Clock, Duration> deadline) const {
    const time_point d = detail::to_platform_time<P>(deadline);
    return finish(check("send_until")->send(msg, &d, nullptr), msg);
  }

  // co_await-able send (sluice/async.hpp): waits while full (overflow::block), like send().
  // errc::closed or errc::cancelled hand the message back; destroying the coroutine while it
  // waits destroys the unsent message exactly once.
  detail::async_op<send_result<T>, P> async_send(T msg, std::stop_token stop = {}) const {
    return detail::broadcast_async_send_body<T, P>(check("async_send"), std::move(msg), std::move(stop));
  }
  template <scheduler Sched>
  detail::async_op<send_result<T>, P> async_send(T msg, Sched& sched, std::stop_token stop = {}) const {
    return detail::with_scheduler(async_send(std::move(msg), std::move(stop)), detail::resumer::of(sched));
  }

  // A new receiver that sees every message sent from now on.
  basic_broadcast_receiver<T, P> subscribe() const {
    state* s = check("subscribe");
    return basic_broadcast_receiver<T, P>(s, s->subscribe());
  }

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
  static send_result<T> finish(detail::status st, T& msg) {
    if (st == detail::status::ok) return send_result<T>();
    return send_result<T>(in_place_error, send_error<T>{detail::to_errc(st), std::move(msg)});
  }

  state* s_ = nullptr;
};

// The receiving half: copyable; a copy continues from the same position. Not safe to use one
// receiver object from two threads at once (its position is its own); clone it instead.
template <class T, platform P = std_platform>
class basic_broadcast_receiver {
  using state = detail::broadcast_state<T, P>;

 public:
  using value_type = T;
  using time_point = typename P::clock::time_point;

  basic_broadcast_receiver() noexcept = default;
  basic_broadcast_receiver(const basic_broadcast_receiver& o) noexcept : s_(o.s_), pos_(o.pos_) {
    if (s_) s_->clone_receiver(pos_);
  }
  basic_broadcast_receiver(basic_broadcast_receiver&& o) noexcept
      : s_(std::exchange(o.s_, nullptr)), pos_(o.pos_) {}
  basic_broadcast_receiver& operator=(basic_broadcast_receiver o) noexcept {
    std::swap(s_, o.s_);
    std::swap(pos_, o.pos_);
    return *this;
  }
  ~basic_broadcast_receiver() {
    if (s_) s_->drop_receiver(pos_);
  }

  bool valid() const noexcept { return s_ != nullptr; }
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
  // stays). The receiver must outlive the operation and not be used elsewhere meanwhile.
  //   while (auto m = co_await rx.async_recv()) use(*m);   // stops at lagged too: check why
  detail::async_op<broadcast_result<T>, P> async_recv(std::stop_token stop = {}) {
    return detail::broadcast_async_recv_body<T, P>(check("async_recv"), &pos_, std::move(stop));
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
  std::size_t len() const { return check("len")->len(pos_); }
  bool is_empty() const { return len() == 0; }
  std::size_t receiver_count() const { return check("receiver_count")->receiver_count(); }

 private:
  friend class basic_broadcast_sender<T, P>;
  template <class U, platform Q>
  friend std::pair<basic_broadcast_sender<U, Q>, basic_broadcast_receiver<U, Q>> basic_broadcast(std::size_t, overflow);
  basic_broadcast_receiver(state* s, std::uint64_t pos) noexcept : s_(s), pos_(pos) {}

  state* check(const char* op) const {
    if (!s_) throw empty_handle_error(op);
    return s_;
  }

  broadcast_result<T> recv_impl(const char* op, bool block, const time_point* deadline,
                                const std::stop_token* stop) {
    state* s = check(op);
    detail::uninit<T> out;
    std::uint64_t missed = 0;
    const detail::status st = block ? s->recv(pos_, out, missed, deadline, stop)
                                    : s->try_recv(pos_, out, missed);
    return detail::broadcast_outcome<T>(st, out, missed);
  }

  state* s_ = nullptr;
  std::uint64_t pos_ = 0;
};

// A broadcast channel of `cap` >= 1 messages on platform P (std::length_error otherwise).
template <class T, platform P>
std::pair<basic_broadcast_sender<T, P>, basic_broadcast_receiver<T, P>> basic_broadcast(
    std::size_t cap, overflow policy) {
  auto* s = detail::broadcast_state<T, P>::create(cap, policy);
  return {basic_broadcast_sender<T, P>(s), basic_broadcast_receiver<T, P>(s, 0)};
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
