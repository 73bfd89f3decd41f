// sluice/detail/async_select_wait.hpp — a coroutine waiting on every channel of a select.
//
// Contract: co_await select_wait(...) registers ONE coro_waiter (coro_waiter.hpp) in the wait
// list of every case's channel (a rendezvous receive as an observer, zero.hpp: a message is
// never handed to a coroutine that may be destroyed before it resumes), re-checks readiness,
// and suspends until the first claim (waiter.hpp). On resumption every registration that was
// not claimed is withdrawn (a rendezvous send case takes its message back from its packet)
// and the result says which case was claimed, if any. A claim of a buffered channel, or of a
// rendezvous observer, means "retry"; a claim of a rendezvous send case means its message was
// taken from its packet (the send is complete).
// Destroying the awaitable while it waits (its coroutine is destroyed) withdraws every
// registration; if a claimer won first, it waits for that claimer's notify() and then: a
// rendezvous send whose message was taken counts as delivered; any other claim is a wake-up
// this select can no longer use, passed on to the next waiter of that channel. So a
// cancelled select leaves every channel as it was, and loses no message and no wake-up.
// With a deadline (async_timer.hpp) the caller's timer may claim the wait as sel_timed_out;
// a select with a default case only probes: it claims itself as sel_timed_out if nothing is
// ready once registered (select.hpp [D1]).
#pragma once

#include <array>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>

#include "sluice/detail/async_timer.hpp"
#include "sluice/detail/coro_waiter.hpp"
#include "sluice/detail/waiter.hpp"

namespace sluice::detail {

template <class P, std::size_t N, class Cases, class States, class With>
class select_wait {
 public:
  struct outcome {
    std::uintptr_t sel;
    std::optional<std::size_t> claimed;  // the case whose registration was claimed
  };

  // `order`: the order of registration (select.hpp). `probe`: the select has a default case:
  // once registered and re-checked, claim the waiter as sel_timed_out instead of suspending
  // (select.hpp [D1]); a claimer that came first wins and is handled as usual.
  select_wait(Cases& cases, States& states, With with, const std::array<std::size_t, N>& order,
              deadline_guard<P>* deadline, bool probe) noexcept
      : cases_(cases), states_(states), with_(with), order_(order), deadline_(deadline), probe_(probe) {}
  select_wait(const select_wait&) = delete;
  select_wait& operator=(const select_wait&) = delete;

  bool await_ready() const noexcept { return false; }

  template <class Promise>
  bool await_suspend(std::coroutine_handle<Promise> h) {
    cw_.bind(h);
    bool ready = false;
    for (const std::size_t i : order_) {
      entries_[i].w = &w_;
      ready |= with_(cases_, states_, i, [&](auto& c, auto& s) { return s.enroll(c, entries_[i]); });
    }
    registered_ = true;
    P::test_delay();  // race window: a partner arrives between the tries and the registrations
    for (std::size_t k = 0; k < N && !ready; ++k)
      ready = with_(cases_, states_, order_[k], [](auto& c, auto& s) { return s.ready(c); });
    std::uintptr_t self_claim = sel_aborted;  // ready: the select retries
    if (!ready && probe_) {
      ready = true;
      self_claim = sel_timed_out;  // [D1]: no case ready now
    } else if (!ready && deadline_ && !deadline_->arm(w_)) {
      ready = true;
      self_claim = sel_timed_out;
    }
    if (ready && w_.try_select_self(self_claim)) {
      if (deadline_) deadline_->disarm();
      withdraw_all_but(sel_waiting);
      return false;  // resume now
    }
    return cw_.suspend();
  }

  outcome await_resume() {
    if (deadline_) deadline_->disarm();
    const std::uintptr_t sel = w_.selected();
    if (!registered_) return {sel, std::nullopt};
    return {sel, withdraw_all_but(sel)};
  }

  ~select_wait() {
    if (!registered_) return;
    const bool self = w_.try_select_self(sel_aborted);
    if (deadline_) deadline_->disarm();  // the timer is done with the waiter after this
    if (self) {
      withdraw_all_but(sel_waiting);
      return;
    }
    cw_.wait_notified();
    const std::uintptr_t sel = w_.selected();
    const std::optional<std::size_t> claimed = withdraw_all_but(sel);
    if (claimed && !with_(cases_, states_, *claimed, [](auto& c, auto& s) { return s.complete_on_claim(c); }))
      with_(cases_, states_, *claimed, [](auto& c, auto& s) { s.forward_wakeup(c); });
  }

 private:
  // Withdraws every registration except the one `sel` names (its claimer dequeued it);
  // returns that one's case.
  std::optional<std::size_t> withdraw_all_but(std::uintptr_t sel) {
    registered_ = false;
    std::optional<std::size_t> claimed;
    for (std::size_t i = 0; i < N; ++i) {
      if (entries_[i].operation() == sel)
        claimed = i;
      else
        with_(cases_, states_, i, [&](auto& c, auto& s) { s.withdraw(c, entries_[i]); });
    }
    return claimed;
  }

  Cases& cases_;
  States& states_;
  With with_;
  const std::array<std::size_t, N>& order_;
  deadline_guard<P>* deadline_;
  bool probe_;
  coro_waiter<P> cw_;
  waiter<P>& w_ = cw_.get();
  wait_entry<P> entries_[N];
  bool registered_ = false;  // SAFETY: owner-only (the coroutine that waits)
};

}  // namespace sluice::detail
