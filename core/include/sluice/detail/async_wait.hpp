// sluice/detail/async_wait.hpp — a coroutine waiting on a channel: the waiter of waiter.hpp
// with a resume hook instead of a parker.
//
// Contract: co_await async_wait(...) registers the coroutine in the channel's wait list and
// suspends until it is claimed (waiter.hpp), then returns the claim. For bounded and unbounded
// channels a claim means "retry" (the caller loops); for a rendezvous send it means the
// message was taken from this awaiter's packet (delivered()); a rendezvous receive registers
// as an observer (zero.hpp) and is never handed a message directly.
//
// Phase word (one per wait), which orders the claimer's notify() against the suspension and
// against destruction:
//   registering (0) -> suspended (1)    await_suspend, after registering
//   registering/suspended -> notified (2)  the claimer's notify(): resumes the coroutine only
//                                       if it was already suspended; its last access
//   suspended -> cancelling (3)         the destructor of a coroutine destroyed while waiting,
//                                       which then waits for `notified` if it lost the claim
// Synchronization
//   [Q1] phase exchange (acq_rel) in notify() pairs with [Q2], the exchanges of await_suspend
//        and of the destructor: whoever comes second sees everything the first did.
//   [Q3] phase load (acquire) — the destructor waiting for a claimer's [Q1].
#pragma once

#include <coroutine>
#include <cstdint>
#include <optional>
#include <stop_token>
#include <type_traits>

#include "sluice/detail/async_op.hpp"
#include "sluice/detail/blocking.hpp"
#include "sluice/detail/counter.hpp"
#include "sluice/detail/message.hpp"
#include "sluice/detail/waiter.hpp"

namespace sluice::detail {

namespace async_order {
// ORDERING: acq_rel — [Q1]/[Q2].
inline constexpr named_order phase_swap{"async.phase_swap", std::memory_order_acq_rel};
// ORDERING: acquire — [Q3].
inline constexpr named_order phase_wait{"async.phase_wait", std::memory_order_acquire};
}  // namespace async_order

enum class wait_side { send, recv };

template <class T, class P>
class async_wait {
  using S = stored_t<T, P>;
  static constexpr std::uint32_t registering = 0, suspended = 1, notified = 2, cancelling = 3;

 public:
  async_wait(chan_ref<T, P> ref, wait_side side, const std::stop_token* stop) noexcept
      : ref_(ref), side_(side), stop_(stop) {}
  async_wait(const async_wait&) = delete;
  async_wait& operator=(const async_wait&) = delete;

  // A rendezvous send waits with its message in the packet; other flavors ignore this.
  void offer(S& msg) noexcept { offered_ = &msg; }
  bool delivered() const noexcept { return delivered_; }
  // Puts an offered message back where it came from, if it is still in the packet.
  void take_back(S& msg) noexcept {
    if (!in_packet_) return;
    // SAFETY: not delivered: the packet is ours again (unregistered or claimed by a close).
    packet_.slot.with_mut([&](uninit<S>* v) { restore(msg, *v); });
    in_packet_ = false;
  }

  bool await_ready() const noexcept { return false; }

  template <class Promise>
  bool await_suspend(std::coroutine_handle<Promise> h) {
    h_ = h;
    sched_ = h.promise().sched;
    w_.set_resume_hook(&on_notify, this);
    e_.w = &w_;
    bool ready = enroll();
    registered_ = true;
    if (stop_ && stop_->stop_possible()) stop_cb_.emplace(*stop_, cancel_waiter<P>{&w_});
    P::test_delay();  // race window: a partner arrives between the try and the registration
    if (!ready) ready = recheck();
    if (ready && w_.try_select_self(sel_aborted)) {
      stop_cb_.reset();
      withdraw();
      return false;  // resume now: the caller retries
    }
    // [Q2] ORDERING: async.phase_swap — a claim that came first already notified: go on.
    return phase_.exchange(suspended, async_order::phase_swap) != notified;
  }

  std::uintptr_t await_resume() {
    stop_cb_.reset();
    const std::uintptr_t sel = w_.selected();
    if (registered_) settle(sel);
    return sel;
  }

  ~async_wait() {
    if (!registered_) return;
    stop_cb_.reset();  // no cancellation claim can start after this (waits for a running one)
    if (w_.try_select_self(sel_aborted)) {
      withdraw();
      destroy_packet_message();
      return;
    }
    // Claimed by someone: wait until their notify() is done with us ([Q2] then [Q3]).
    // [Q2] ORDERING: async.phase_swap.
    if (phase_.exchange(cancelling, async_order::phase_swap) != notified) {
      // [Q3] ORDERING: async.phase_wait.
      while (phase_.load(async_order::phase_wait) != notified) P::yield_now();
    }
    const std::uintptr_t sel = w_.selected();
    settle(sel);
    if (sel >= sel_first_operation && !delivered_) forward_wakeup();
    destroy_packet_message();
  }

 private:
  static void on_notify(void* self) noexcept {
    auto* me = static_cast<async_wait*>(self);
    const std::coroutine_handle<> h = me->h_;
    const resumer sched = me->sched_;
    // [Q1] ORDERING: async.phase_swap — the last access to *me.
    if (me->phase_.exchange(notified, async_order::phase_swap) == suspended) sched.resume(h);
  }

  template <class State>
  static constexpr bool is_zero = std::is_same_v<State, zero_state<T, P>>;
  template <class State>
  static constexpr bool is_list = std::is_same_v<State, list_state<T, P>>;

  // Registers; returns whether the operation could proceed now.
  bool enroll() {
    return ref_.visit([&](auto& st) -> bool {
      using state = std::remove_cvref_t<decltype(st)>;
      if constexpr (is_zero<state>) {
        if (side_ == wait_side::recv) return st.chan.register_recv(e_, nullptr);
        in_packet_ = true;
        return st.chan.register_send(e_, packet_, *offered_);
      } else if constexpr (is_list<state>) {
        if (side_ == wait_side::send) return true;  // never full: retry at once
        st.chan.receivers().register_entry(e_);
        return false;
      } else {
        (side_ == wait_side::recv ? st.chan.receivers() : st.chan.senders()).register_entry(e_);
        return false;
      }
    });
  }
  bool recheck() {
    return ref_.visit([&](auto& st) -> bool {
      using state = std::remove_cvref_t<decltype(st)>;
      if constexpr (is_zero<state>)
        return false;  // decided under the lock by register_*
      else
        return side_ == wait_side::recv ? st.chan.recv_ready() : st.chan.send_ready();
    });
  }
  // Removes a registration nobody claimed (or that a stop callback claimed).
  void withdraw() {
    registered_ = false;
    ref_.visit([&](auto& st) {
      using state = std::remove_cvref_t<decltype(st)>;
      if constexpr (is_zero<state>) {
        if (side_ == wait_side::recv) {
          st.chan.unregister_recv(e_);
        } else {
          S& back = *offered_;
          st.chan.unregister_send(e_, packet_, back);
          in_packet_ = false;
        }
      } else if constexpr (is_list<state>) {
        if (side_ == wait_side::recv) st.chan.receivers().unregister_entry(e_);
      } else {
        (side_ == wait_side::recv ? st.chan.receivers() : st.chan.senders()).unregister_entry(e_);
      }
    });
  }
  // After a claim by someone else: what it means for this registration.
  void settle(std::uintptr_t sel) {
    if (sel == sel_cancelled) {
      withdraw();
      return;
    }
    registered_ = false;  // the claimer dequeued the entry (an operation or a close)
    if (sel >= sel_first_operation && in_packet_) {
      delivered_ = true;  // a receiver took the message from our packet
      in_packet_ = false;
    }
  }
  // A wake-up given to a coroutine that is being destroyed goes to the next waiter.
  void forward_wakeup() {
    ref_.visit([&](auto& st) {
      using state = std::remove_cvref_t<decltype(st)>;
      if constexpr (is_zero<state>)
        st.chan.wake_observer();
      else if constexpr (is_list<state>)
        st.chan.receivers().notify_one();
      else
        (side_ == wait_side::recv ? st.chan.receivers() : st.chan.senders()).notify_one();
    });
  }
  void destroy_packet_message() noexcept {
    if (!in_packet_) return;
    // SAFETY: not delivered and no longer registered: the packet is ours.
    packet_.slot.with_mut([](uninit<S>* v) { v->destroy(); });
    in_packet_ = false;
  }

  chan_ref<T, P> ref_;
  wait_side side_;
  const std::stop_token* stop_;
  waiter<P> w_;
  wait_entry<P> e_;
  typename zero_flavor<S, P>::packet packet_;
  S* offered_ = nullptr;
  bool in_packet_ = false;   // SAFETY: owner-only flags (the coroutine that waits)
  bool delivered_ = false;
  bool registered_ = false;
  typename P::template atomic<std::uint32_t> phase_{registering};
  std::coroutine_handle<> h_;
  resumer sched_;
  std::optional<typename P::template stop_callback<cancel_waiter<P>>> stop_cb_;
};

}  // namespace sluice::detail
