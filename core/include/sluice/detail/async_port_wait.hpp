// sluice/detail/async_port_wait.hpp — the coroutine engine: one coroutine waiting on N wait
// ports (wait_port.hpp). async_send/async_recv are N = 1; async_select is N = its cases.
//
// Contract: co_await port_wait(...) registers ONE coro_waiter (coro_waiter.hpp) in every port
// (in `order`), re-checks them, and suspends until the first claim (waiter.hpp). It does not
// suspend when a port is ready once registered (it claims itself aborted: the caller retries),
// when `probe` is set and none is (a default case: it claims itself timed_out, select.hpp
// [D1]), or when the deadline has passed (async_timer.hpp). On resumption every registration
// that was not claimed is withdrawn (with one port, a disconnect already dequeued it), and the
// claimed port settles (wait_port.hpp): the result carries the claim, the claimed port, and the
// operation's status when the claim completed it (a rendezvous send whose message a receiver
// took); otherwise the caller retries. A port whose enroll decides at once (decides_on_enroll:
// the other kinds) is enrolled alone: ready means it registered nothing and the wait ends.
// With a stop token, a stop request claims the wait as sel_cancelled; with a deadline the
// caller's timer may claim it as sel_timed_out (either engine path).
// Destroying the awaitable while it waits (its coroutine is destroyed) withdraws every
// registration; if a claimer won first, it waits for that claimer's notify() (the phase word),
// lets the claimed port settle, and passes a wake-up it can no longer use on to the next
// waiter of that port (forward). So a destroyed wait leaves every channel as it was, and loses
// no message and no wake-up.
// N is the number of ports, or std::dynamic_extent for a number known at run time (the
// coroutine selector, selector.hpp): the caller then supplies n and the n entries, which must
// stay put until the wait ends.
#pragma once

#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stop_token>
#include <type_traits>

#include "sluice/detail/async_timer.hpp"
#include "sluice/detail/blocking.hpp"
#include "sluice/detail/coro_waiter.hpp"
#include "sluice/detail/status.hpp"
#include "sluice/detail/wait_port.hpp"
#include "sluice/detail/waiter.hpp"

namespace sluice::detail {

// A table of one port whose enroll decides at once (the other kinds' ports: kind_wait.hpp).
template <class Table>
concept decides_on_enroll = requires { requires Table::port_type::decides_on_enroll; };

template <class P, std::size_t N, class Table>
class port_wait {
 public:
  struct outcome {
    std::uintptr_t sel;
    std::optional<std::size_t> claimed;  // the port whose registration the claim names (set when settled)
    std::optional<status> settled;       // that port's result, when the claim completed it
  };

  port_wait(Table& table, const std::size_t* order, const std::stop_token* stop, deadline_guard<P>* deadline,
            bool probe) noexcept
      : table_(table), order_(order), stop_(stop), deadline_(deadline), probe_(probe) {
    static_assert(!dynamic, "port_wait: a run-time number of ports needs its entries");
  }
  port_wait(Table& table, std::span<wait_entry<P>> entries, const std::size_t* order, const std::stop_token* stop,
            deadline_guard<P>* deadline, bool probe) noexcept
      : table_(table), order_(order), stop_(stop), deadline_(deadline), probe_(probe), n_(entries.size()) {
    static_assert(dynamic, "port_wait: a compile-time number of ports keeps its own entries");
    entries_ = entries.data();
  }
  port_wait(const port_wait&) = delete;
  port_wait& operator=(const port_wait&) = delete;

  bool await_ready() const noexcept { return false; }

  template <class Promise>
  bool await_suspend(std::coroutine_handle<Promise> h) {
    cw_.bind(h);
    if constexpr (N == 1 && decides_on_enroll<Table>) {
      // The port's check and registration are one step: ready means nothing was registered,
      // so there is nothing to re-check, claim or withdraw.
      entries_[0].w = &w_;
      if (table_.at(0, [&](auto& port) { return port.enroll(entries_[0]); })) {
        skipped_ = true;
        return false;
      }
      registered_ = true;
      if (stop_ && stop_->stop_possible()) stop_cb_.emplace(*stop_, cancel_waiter<P>{&w_});
      P::test_delay();  // race window: the other side acts between registration and suspension
      // The deadline passed while registering: resume now, timed out.
      if (deadline_ && !deadline_->arm(w_) && w_.try_select_self(sel_timed_out)) return resume_now();
      return cw_.suspend();
    }
    bool ready = enroll_all<P>(table_, n_, order_, entries_, w_);
    registered_ = true;
    if (stop_ && stop_->stop_possible()) stop_cb_.emplace(*stop_, cancel_waiter<P>{&w_});
    P::test_delay();  // race window: a partner arrives between the tries and the registrations
    if (!ready) ready = any_ready(table_, n_, order_);
    std::uintptr_t self_claim = sel_aborted;  // ready: the caller retries
    if (!ready && probe_) {
      ready = true;
      self_claim = sel_timed_out;  // [D1]: no case ready now
    } else if (!ready && deadline_ && !deadline_->arm(w_)) {
      ready = true;
      self_claim = sel_timed_out;
    }
    if (ready && w_.try_select_self(self_claim)) return resume_now();
    return cw_.suspend();
  }

  outcome await_resume() {
    if (skipped_) return {sel_aborted, std::nullopt, std::nullopt};
    stop_cb_.reset();
    if (deadline_) deadline_->disarm();
    const std::uintptr_t sel = w_.selected();
    if (!registered_) return {sel, std::nullopt, std::nullopt};
    const std::optional<std::size_t> claimed = withdraw_all_but(sel);
    const std::optional<status> settled = settle(sel, claimed);
    // With one port a claim that names no entry (a disconnect) may settle it: name port 0, so
    // that a settled outcome always says which port.
    return {sel, settled && !claimed ? std::optional<std::size_t>(0) : claimed, settled};
  }

  ~port_wait() {
    if (!registered_) return;
    stop_cb_.reset();  // no cancellation claim can start after this (waits for a running one)
    const bool self = w_.try_select_self(sel_aborted);
    if (deadline_) deadline_->disarm();  // the timer is done with the waiter after this
    if (self) {
      withdraw_all_but(sel_waiting);
      return;
    }
    cw_.wait_notified();  // claimed by someone: their notify() is their last access
    const std::uintptr_t sel = w_.selected();
    const std::optional<std::size_t> claimed = withdraw_all_but(sel);
    if (!settle(sel, claimed) && claimed) table_.at(*claimed, [](auto& port) { port.forward(); });
  }

 private:
  // await_suspend's waiter claimed itself: the registration is undone, and it resumes now.
  bool resume_now() {
    stop_cb_.reset();
    if (deadline_) deadline_->disarm();
    withdraw_all_but(sel_waiting);
    return false;
  }
  // Withdraws every registration except the one `sel` names (its claimer dequeued it) and, with
  // one port, one a disconnect dequeued; returns the claimed one's index.
  std::optional<std::size_t> withdraw_all_but(std::uintptr_t sel) {
    registered_ = false;
    return withdraw_unclaimed<P>(table_, n_, entries_, sel);
  }
  std::optional<status> settle(std::uintptr_t sel, std::optional<std::size_t> claimed) {
    if (n_ > 1 && !claimed) return std::nullopt;
    return table_.at(claimed.value_or(0), [&](auto& port) { return port.settle(sel); });
  }

  Table& table_;
  const std::size_t* order_;
  const std::stop_token* stop_;
  deadline_guard<P>* deadline_;
  bool probe_;
  static constexpr bool dynamic = N == std::dynamic_extent;
  std::size_t n_ = dynamic ? 0 : N;
  coro_waiter<P> cw_;
  waiter<P>& w_ = cw_.get();
  std::conditional_t<dynamic, wait_entry<P>*, wait_entry<P>[dynamic ? 1 : N]> entries_{};
  bool registered_ = false;  // SAFETY: owner-only flags (the coroutine that waits)
  bool skipped_ = false;
  std::optional<typename P::template stop_callback<cancel_waiter<P>>> stop_cb_;
};

}  // namespace sluice::detail
