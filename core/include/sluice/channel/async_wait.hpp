// sluice/channel/async_wait.hpp — a coroutine waiting on one channel.
//
// Contract: co_await async_wait(...) registers the coroutine (a coro_waiter, coro_waiter.hpp)
// in the channel's wait list and suspends until it is claimed (waiter.hpp), then returns the
// claim. For bounded and unbounded channels a claim means "retry" (the caller loops); for a
// rendezvous send it means the message was taken from this awaiter's packet (delivered()); a
// rendezvous receive registers as an observer (zero.hpp) and is never handed a message
// directly. With a deadline (async_timer.hpp), the caller's timer may claim the wait as
// sel_timed_out; the registration is then withdrawn like a cancelled one.
// Destroying the awaitable while it waits (its coroutine is destroyed) withdraws it; if a
// claimer won first, it waits for that claimer's notify() (coro_waiter's phase word), then
// passes a wake-up it cannot use on to the next waiter.
#pragma once

#include <coroutine>
#include <cstdint>
#include <optional>
#include <stop_token>
#include <type_traits>

#include "sluice/channel/shared_state.hpp"
#include "sluice/detail/async_op.hpp"
#include "sluice/detail/async_timer.hpp"
#include "sluice/detail/blocking.hpp"
#include "sluice/detail/coro_waiter.hpp"
#include "sluice/detail/message.hpp"
#include "sluice/detail/waiter.hpp"

namespace sluice::detail {

enum class wait_side { send, recv };

template <class T, class P>
class async_wait {
  using S = stored_t<T, P>;

 public:
  async_wait(chan_ref<T, P> ref, wait_side side, const std::stop_token* stop,
             deadline_guard<P>* deadline = nullptr) noexcept
      : ref_(ref), side_(side), stop_(stop), deadline_(deadline) {}
  async_wait(const async_wait&) = delete;
  async_wait& operator=(const async_wait&) = delete;

  // A rendezvous send waits with its message in the packet; other flavors ignore this.
  void offer(S& msg) noexcept { offered_ = &msg; }
  bool delivered() const noexcept { return delivered_; }
  // Ends an offer that was not delivered (the packet only points at `msg`: it never left).
  void take_back(S& msg) noexcept {
    (void)msg;
    if (!in_packet_) return;
    // SAFETY: not delivered: the packet is ours again (unregistered or claimed by a close).
    packet_.at.with_mut([](void**) {});
    in_packet_ = false;
  }

  bool await_ready() const noexcept { return false; }

  template <class Promise>
  bool await_suspend(std::coroutine_handle<Promise> h) {
    cw_.bind(h);
    e_.w = &w_;
    bool ready = enroll();
    registered_ = true;
    if (stop_ && stop_->stop_possible()) stop_cb_.emplace(*stop_, cancel_waiter<P>{&w_});
    P::test_delay();  // race window: a partner arrives between the try and the registration
    if (!ready) ready = recheck();
    std::uintptr_t self_claim = sel_aborted;  // ready: the caller retries
    if (!ready && deadline_ && !deadline_->arm(w_)) {
      ready = true;
      self_claim = sel_timed_out;
    }
    if (ready && w_.try_select_self(self_claim)) {
      stop_cb_.reset();
      if (deadline_) deadline_->disarm();
      withdraw();
      return false;  // resume now
    }
    return cw_.suspend();
  }

  std::uintptr_t await_resume() {
    stop_cb_.reset();
    if (deadline_) deadline_->disarm();
    const std::uintptr_t sel = w_.selected();
    if (registered_) settle(sel);
    return sel;
  }

  ~async_wait() {
    if (!registered_) return;
    stop_cb_.reset();  // no cancellation claim can start after this (waits for a running one)
    const bool self = w_.try_select_self(sel_aborted);
    if (deadline_) deadline_->disarm();  // the timer is done with the waiter after this
    if (self) {
      withdraw();
      destroy_packet_message();
      return;
    }
    // Claimed by someone: wait until their notify() is done with us.
    cw_.wait_notified();
    const std::uintptr_t sel = w_.selected();
    settle(sel);
    if (sel >= sel_first_operation && !delivered_) forward_wakeup();
    destroy_packet_message();
  }

 private:
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
    if (sel == sel_cancelled || sel == sel_timed_out) {
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
  // The offered message stays in the operation's frame (the packet only points at it) and is
  // destroyed with it.
  void destroy_packet_message() noexcept {
    if (!in_packet_) return;
    // SAFETY: not delivered and no longer registered: the packet is ours.
    packet_.at.with_mut([](void**) {});
    in_packet_ = false;
  }

  chan_ref<T, P> ref_;
  wait_side side_;
  const std::stop_token* stop_;
  deadline_guard<P>* deadline_;
  coro_waiter<P> cw_;
  waiter<P>& w_ = cw_.get();
  wait_entry<P> e_;
  typename zero_flavor<S, P>::packet packet_;
  S* offered_ = nullptr;
  bool in_packet_ = false;   // SAFETY: owner-only flags (the coroutine that waits)
  bool delivered_ = false;
  bool registered_ = false;
  std::optional<typename P::template stop_callback<cancel_waiter<P>>> stop_cb_;
};

}  // namespace sluice::detail
