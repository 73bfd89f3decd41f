// sluice/detail/kind_wait.hpp — a coroutine waiting on one of the other kinds (oneshot,
// watermark, broadcast): one registration in one place, withdrawn on cancel or destruction.
//
// Contract. A kind's coroutine port (wait_port.hpp) is a deciding_port of two callables:
//   enroll(wait_entry<P>& e) -> bool registers `e`, or, when the operation can proceed now,
//                                    nothing (true); the check and the registration are one
//                                    atomic step (oneshot's CAS [O4], or the kind's lock)
//   withdraw(wait_entry<P>& e)       removes a registration nobody else claimed, or one the stop
//                                    callback claimed; a no-op once the claimer removed it.
// co_await wait_on<P>(enroll, withdraw, &stop, &guard) returns the claim: sel_cancelled (stop) or
// sel_timed_out (the caller's timer, async_timer.hpp), both withdrawn; otherwise the kind's
// wake-up claim (sel_disconnected and up), whose meaning the caller knows. The waiting is the
// coroutine engine's (async_port_wait.hpp, N = 1) with a coro_waiter (coro_waiter.hpp).
// Destroyed while waiting, the awaiter claims itself and withdraws, or waits for the winner's
// notify() and withdraws; a wake-up it was given is not passed on: each kind here wakes every
// waiter of a side (broadcast, watermark producers) or has exactly one (oneshot's receiver,
// watermark's consumer). What a kind does with its message then is its header's business.
// Synchronization: none beyond waiter.hpp ([W1]/[W2]) and coro_waiter.hpp ([Q1]-[Q3]).
#pragma once

#include <coroutine>
#include <cstdint>
#include <optional>
#include <stop_token>
#include <type_traits>
#include <utility>

#include "sluice/detail/async_op.hpp"
#include "sluice/detail/async_port_wait.hpp"
#include "sluice/detail/blocking.hpp"
#include "sluice/detail/coro_waiter.hpp"
#include "sluice/detail/waiter.hpp"

namespace sluice::detail {
// A kind's coroutine port (wait_port.hpp): its registration decides at once (enroll true:
// nothing registered), so there is nothing to re-check; every claim means "look again" (the
// kind's body does), and a wake-up is never passed on (see the header).
template <class P, class Enroll, class Withdraw>
struct deciding_port {
  static constexpr bool decides_on_enroll = true;
  Enroll enroll_now;
  Withdraw withdraw_now;
  bool enroll(wait_entry<P>& e) { return enroll_now(e); }
  void withdraw(wait_entry<P>& e) noexcept { withdraw_now(e); }
  bool ready() const noexcept { return false; }
  std::optional<status> settle(std::uintptr_t) const noexcept { return std::nullopt; }
  void forward() const noexcept {}
};

// co_await kind_wait<P, Port>(port, &stop, &guard): the coroutine engine (async_port_wait.hpp)
// over the one port; returns the claim. A stop already requested (sel_cancelled) or a deadline
// already passed (sel_timed_out) ends it before anything is registered; a guard without a
// deadline (an operation with no timer) is no deadline.
template <class P, class Port>
class kind_wait {
 public:
  kind_wait(Port port, const std::stop_token* stop, deadline_guard<P>* deadline = nullptr) noexcept(
      std::is_nothrow_move_constructible_v<Port>)
      : port_(std::move(port)),
        stop_(stop),
        deadline_(deadline && deadline->active() ? deadline : nullptr),
        wait_(table_, &order_, stop, deadline_, /*probe=*/false) {}
  kind_wait(const kind_wait&) = delete;
  kind_wait& operator=(const kind_wait&) = delete;

  bool await_ready() noexcept {
    if (stop_ && stop_->stop_requested())
      early_ = sel_cancelled;
    else if (deadline_ && deadline_->passed())
      early_ = sel_timed_out;
    return early_ != sel_waiting;
  }
  template <class Promise>
  bool await_suspend(std::coroutine_handle<Promise> h) {
    return wait_.await_suspend(h);
  }
  std::uintptr_t await_resume() { return early_ != sel_waiting ? early_ : wait_.await_resume().sel; }
  // Whether it ended in await_ready, registering nothing (a stop or a deadline already due).
  bool ended_early() const noexcept { return early_ != sel_waiting; }

 private:
  Port port_;
  one_port_table<Port> table_{port_};
  const std::size_t order_ = 0;
  const std::stop_token* stop_;
  deadline_guard<P>* deadline_;
  std::uintptr_t early_ = sel_waiting;
  port_wait<P, 1, one_port_table<Port>> wait_;
};

// kind_wait over deciding_port{enroll, withdraw}.
template <class P, class Enroll, class Withdraw>
kind_wait<P, deciding_port<P, Enroll, Withdraw>> wait_on(Enroll enroll, Withdraw withdraw, const std::stop_token* stop,
                                                         deadline_guard<P>* deadline) {
  return {{std::move(enroll), std::move(withdraw)}, stop, deadline};
}

// What a kind's wait ended with, as the status its operation reports when the wait did not
// hand it anything: cancelled, timed_out, or nothing (look again).
inline std::optional<status> wait_gave_up(std::uintptr_t sel) noexcept {
  if (sel == sel_cancelled) return status::cancelled;
  if (sel == sel_timed_out) return status::timed_out;
  return std::nullopt;
}
}  // namespace sluice::detail
