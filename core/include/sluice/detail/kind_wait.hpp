// sluice/detail/kind_wait.hpp — a coroutine waiting on one of the other kinds (oneshot,
// watermark, broadcast): one registration in one place, withdrawn on cancel or destruction.
//
// Contract. A registration policy R (one per kind and side) provides
//   bool enroll(waiter<P>& w)    registers `w` — or, when the operation can proceed now,
//                                registers nothing and returns true. The check and the
//                                registration are one atomic step (oneshot's CAS [O4], or
//                                under the kind's lock), so no wake-up falls between them;
//   void withdraw(waiter<P>& w)  removes a registration nobody else claimed, or one the stop
//                                callback claimed (that claim does not unregister); a no-op
//                                for a registration the claimer already removed.
// co_await kind_wait<P, R>(reg, &stop) returns the claim: sel_aborted when it did not wait;
// sel_cancelled when the stop token fired (already withdrawn); otherwise the kind's wake-up
// claim (sel_disconnected and up), whose meaning the caller knows. The waiter is a
// coro_waiter (coro_waiter.hpp): a claimer's notify() resumes the coroutine through the
// operation's resumer (a scheduler, or inline through the trampoline), and its phase word
// orders that notify() against the suspension and against destruction.
//
// Destruction while waiting (the awaiting coroutine is destroyed): the awaiter claims itself
// (sel_aborted) and withdraws; if a claimer won first, it waits for that claimer's notify() —
// the claimer's last access (waiter.hpp's lifetime rule) — and withdraws a cancelled
// registration. A wake-up it was given is not passed on: every kind here either wakes all the
// waiters of a side (broadcast, watermark producers) or has exactly one waiter (oneshot's
// receiver, watermark's consumer), so nobody else was waiting for that wake-up. What a kind
// does with its message on destruction is the kind's business (each header says).
//
// Synchronization: none of its own beyond waiter.hpp ([W1]/[W2]) and coro_waiter.hpp
// ([Q1]-[Q3]); enroll/withdraw synchronize through the kind.
#pragma once

#include <coroutine>
#include <cstdint>
#include <optional>
#include <stop_token>
#include <type_traits>
#include <utility>

#include "sluice/detail/async_op.hpp"
#include "sluice/detail/blocking.hpp"
#include "sluice/detail/coro_waiter.hpp"
#include "sluice/detail/waiter.hpp"

namespace sluice::detail {

// A counted reference to one side of a kind's shared state (issue 11, item 7): the side's
// handle holds one, and so does each async operation made from it, so an operation may be
// awaited after the handle is gone. `another()` adds one through Retain (made from a live
// reference); the destructor gives it back through Release, the last of which is the side's
// drop. Move-only.
template <class S, void (S::*Retain)() noexcept, void (S::*Release)() noexcept>
class counted_ref {
 public:
  counted_ref() noexcept = default;
  explicit counted_ref(S* s) noexcept : s_(s) {}  // adopts a reference already counted
  counted_ref(counted_ref&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  counted_ref& operator=(counted_ref&& o) noexcept {
    counted_ref gone(std::move(*this));
    s_ = std::exchange(o.s_, nullptr);
    return *this;
  }
  counted_ref(const counted_ref&) = delete;
  counted_ref& operator=(const counted_ref&) = delete;
  ~counted_ref() {
    if (s_) (s_->*Release)();
  }
  counted_ref another() const noexcept {
    (s_->*Retain)();
    return counted_ref(s_);
  }
  S* get() const noexcept { return s_; }

 private:
  S* s_ = nullptr;
};

template <class P, class R>
class kind_wait {
 public:
  kind_wait(R reg, const std::stop_token* stop) noexcept(std::is_nothrow_move_constructible_v<R>)
      : reg_(std::move(reg)), stop_(stop) {}
  kind_wait(const kind_wait&) = delete;
  kind_wait& operator=(const kind_wait&) = delete;

  bool await_ready() const noexcept { return false; }

  template <class Promise>
  bool await_suspend(std::coroutine_handle<Promise> h) {
    cw_.bind(h);
    if (reg_.enroll(cw_.get())) return false;  // ready now: nothing registered
    registered_ = true;
    if (stop_ && stop_->stop_possible()) stop_cb_.emplace(*stop_, cancel_waiter<P>{&cw_.get()});
    P::test_delay();  // race window: the other side acts between registration and suspension
    return cw_.suspend();
  }

  std::uintptr_t await_resume() {
    stop_cb_.reset();
    if (!registered_) return sel_aborted;
    registered_ = false;
    const std::uintptr_t sel = cw_.get().selected();
    if (sel == sel_cancelled) reg_.withdraw(cw_.get());
    return sel;
  }

  ~kind_wait() {
    if (!registered_) return;
    stop_cb_.reset();  // no cancellation claim can start after this (waits for a running one)
    if (cw_.get().try_select_self(sel_aborted)) {
      reg_.withdraw(cw_.get());
      return;
    }
    cw_.wait_notified();  // claimed by someone: their notify() is their last access
    if (cw_.get().selected() == sel_cancelled) reg_.withdraw(cw_.get());
  }

 private:
  R reg_;
  const std::stop_token* stop_;
  coro_waiter<P> cw_;
  bool registered_ = false;  // SAFETY: owner-only (the coroutine that waits)
  std::optional<typename P::template stop_callback<cancel_waiter<P>>> stop_cb_;
};

}  // namespace sluice::detail
