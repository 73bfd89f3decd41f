// sluice/detail/coro_waiter.hpp — the waiter of waiter.hpp, for a suspended coroutine.
//
// Contract: a coro_waiter is a waiter whose notify() resumes a coroutine (through the
// operation's resumer: a scheduler, or the per-thread trampoline) instead of unparking a thread.
// It is shared by every awaitable that waits on channels (async_wait.hpp: one channel;
// async_select_wait.hpp: several).
//
// Phase word, which orders the claimer's notify() against the suspension and against the
// destruction of a coroutine that is destroyed while it waits:
//   registering (0) -> suspended (1)       suspend(), once registered everywhere
//   registering/suspended -> notified (2)  the claimer's notify(): resumes the coroutine only
//                                          if it was already suspended; its last access
//   suspended -> cancelling (3)            wait_notified(), from the destructor of an awaitable
//                                          that lost the claim: waits for the claimer's notify()
// Synchronization
//   [Q1] phase exchange (acq_rel) in notify() pairs with [Q2], the exchanges of suspend() and
//        wait_notified(): whoever comes second sees everything the first did.
//   [Q3] phase load (acquire) — wait_notified() waiting for a claimer's [Q1].
#pragma once

#include <coroutine>
#include <cstdint>

#include "sluice/detail/async_op.hpp"
#include "sluice/detail/waiter.hpp"
#include "sluice/platform.hpp"

namespace sluice::detail {

namespace async_order {
// ORDERING: acq_rel — [Q1]/[Q2].
inline constexpr named_order phase_swap{"async.phase_swap", std::memory_order_acq_rel};
// ORDERING: acquire — [Q3].
inline constexpr named_order phase_wait{"async.phase_wait", std::memory_order_acquire};
}  // namespace async_order

template <class P>
class coro_waiter {
  static constexpr std::uint32_t registering = 0, suspended = 1, notified = 2, cancelling = 3;

 public:
  coro_waiter() noexcept = default;
  coro_waiter(const coro_waiter&) = delete;
  coro_waiter& operator=(const coro_waiter&) = delete;

  waiter<P>& get() noexcept { return w_; }

  // Binds the waiter to the coroutine `h` (an async_op body: its promise holds the resumer).
  template <class Promise>
  void bind(std::coroutine_handle<Promise> h) noexcept {
    h_ = h;
    sched_ = h.promise().sched;
    w_.set_resume_hook(&on_notify, this);
  }

  // Called last in await_suspend, once registered: true = stay suspended; false = a claimer
  // already notified us, go on.
  bool suspend() noexcept {
    // [Q2] ORDERING: async.phase_swap — pairs with [Q1].
    return phase_.exchange(suspended, async_order::phase_swap) != notified;
  }

  // For a destructor that lost the claim: waits until the claimer's notify() is done with us.
  void wait_notified() noexcept {
    // [Q2] ORDERING: async.phase_swap — pairs with [Q1].
    if (phase_.exchange(cancelling, async_order::phase_swap) == notified) return;
    // [Q3] ORDERING: async.phase_wait — pairs with [Q1].
    while (phase_.load(async_order::phase_wait) != notified) P::yield_now();
  }

 private:
  static void on_notify(void* self) noexcept {
    auto* me = static_cast<coro_waiter*>(self);
    const std::coroutine_handle<> h = me->h_;
    const resumer sched = me->sched_;
    // [Q1] ORDERING: async.phase_swap — the last access to *me.
    if (me->phase_.exchange(notified, async_order::phase_swap) == suspended) sched.resume(h);
  }

  waiter<P> w_;
  typename P::template atomic<std::uint32_t> phase_{registering};
  std::coroutine_handle<> h_;  // SAFETY: written by the owner before registering; read by the
  resumer sched_;              // claimer after its claim [W1], which orders it.
};

}  // namespace sluice::detail
