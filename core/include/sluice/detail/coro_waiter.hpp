// sluice/detail/coro_waiter.hpp — the waiter of waiter.hpp, for a suspended coroutine.
//
// Contract: a coro_waiter's notify() resumes a coroutine (through the operation's resumer: a
// scheduler, or the per-thread trampoline) instead of unparking a thread; every awaitable that
// waits uses it (async_port_wait.hpp, kind_wait.hpp). What a claimer posts is never the
// coroutine's own handle but a resume_shim's: a tiny library-allocated (P::allocate) coroutine
// that, run, resumes the operation unless it was destroyed first, then frees itself. So a post
// after the owner destroyed the operation on its executor (allowed by async.hpp) hands the
// executor a live handle whose resumption is a no-op (relacy_tests/README.md, FINDING-2). The
// shim is the owner's until a claimer will post it (its phase exchange found `suspended`), then
// its own; the owner destroys an unposted shim with the coro_waiter.
//
// Phase word (orders notify() against suspension and against destruction while waiting):
//   registering (0) -> suspended (1)       suspend(), once registered everywhere
//   registering/suspended -> notified (2)  the claimer's notify(): posts the shim only if the
//                                          coroutine was suspended; its last access
//   suspended -> cancelling (3)            wait_notified(), from the destructor of an awaitable
//                                          that lost the claim: waits for the claimer's notify()
// Synchronization
//   [Q1] phase exchange (acq_rel) in notify() pairs with [Q2], the exchanges of suspend() and
//        wait_notified(): whoever comes second sees everything the first did.
//   [Q3] phase load (acquire): wait_notified() waiting for a claimer's [Q1].
//   [Q4] the shim's `cancelled` store (release) by an owner destroying the operation after the
//        claimer decided to post, and the shim's load (acquire) when it runs.
#pragma once

#include <coroutine>
#include <cstdint>
#include <exception>

#include "sluice/detail/async_op.hpp"
#include "sluice/detail/await.hpp"
#include "sluice/detail/waiter.hpp"
#include "sluice/platform.hpp"

namespace sluice::detail {
namespace async_order {
// ORDERING: acq_rel — [Q1]/[Q2].
inline constexpr named_order phase_swap{"async.phase_swap", std::memory_order_acq_rel};
// ORDERING: acquire — [Q3].
inline constexpr named_order phase_wait{"async.phase_wait", std::memory_order_acquire};
// ORDERING: relaxed — the owner's own reading of the phase in ~coro_waiter: the value it reads
// is its own store or one that happens-before its resumption ([Q1] through the post).
inline constexpr named_order phase_own{"async.phase_own", std::memory_order_relaxed};
// ORDERING: release / acquire — [Q4].
inline constexpr named_order shim_cancel{"async.shim_cancel", std::memory_order_release};
inline constexpr named_order shim_check{"async.shim_check", std::memory_order_acquire};
}  // namespace async_order

// The library-owned coroutine a claimer posts (see the header). Created suspended; when run,
// resumes `target` unless cancelled, then frees its frame.
template <class P>
class resume_shim {
 public:
  struct promise_type : platform_frame<P> {
    std::coroutine_handle<> target;
    typename P::template atomic<bool> cancelled{false};
    resume_shim get_return_object() noexcept {
      return resume_shim(std::coroutine_handle<promise_type>::from_promise(*this));
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }  // frees itself once run
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }  // resume() of a coroutine does not throw
  };

  static std::coroutine_handle<promise_type> make() { return run().h_; }

 private:
  explicit resume_shim(std::coroutine_handle<promise_type> h) noexcept : h_(h) {}

  static resume_shim run() {
    promise_type& self = co_await own_promise<promise_type>{};
    // [Q4] ORDERING: async.shim_check — pairs with the owner's async.shim_cancel.
    if (!self.cancelled.load(async_order::shim_check)) self.target.resume();
  }

  std::coroutine_handle<promise_type> h_;
};

// False under the structural mutant post_operation_frame (structural_mutants.txt): the claimer
// posts the operation's own frame (the fix removed), which the model must catch.
template <class P>
bool post_resume_shim() noexcept {
  return !mutant<P>("post_operation_frame");
}

template <class P>
class coro_waiter {
  static constexpr std::uint32_t registering = 0, suspended = 1, notified = 2, cancelling = 3;
  using shim_handle = std::coroutine_handle<typename resume_shim<P>::promise_type>;

 public:
  coro_waiter() noexcept = default;
  coro_waiter(const coro_waiter&) = delete;
  coro_waiter& operator=(const coro_waiter&) = delete;
  ~coro_waiter() {
    if (!shim_) return;
    // A shim handed to a claimer's post frees itself; so does a suspended waiter's unless nobody
    // claimed it (the phase is still `suspended`: its owner claimed itself and withdrew).
    // ORDERING: async.phase_own — see its declaration.
    if (shim_posted_ && phase_.load(async_order::phase_own) == suspended) shim_posted_ = false;
    if (!shim_posted_) shim_.destroy();
  }

  waiter<P>& get() noexcept { return w_; }

  // Binds the waiter to the coroutine `h` (an async_op body: its promise holds the resumer).
  // Allocates the resume shim (may throw std::bad_alloc; nothing is registered yet).
  template <class Promise>
  void bind(std::coroutine_handle<Promise> h) {
    if (!shim_) shim_ = resume_shim<P>::make();
    shim_.promise().target = h;
    sched_ = h.promise().sched;
    w_.set_resume_hook(&on_notify, this);
  }
  // Called last in await_suspend, once registered: true = stay suspended; false = a claimer
  // already notified us, go on.
  bool suspend() noexcept {
    // Written before the swap: once it says `suspended`, a claimer may resume us on its thread
    // at once, and ~coro_waiter there reads shim_posted_ ([Q2] releases it, [Q1] acquires it).
    shim_posted_ = post_resume_shim<P>();
    // [Q2] ORDERING: async.phase_swap — pairs with [Q1].
    const bool stay = phase_.exchange(suspended, async_order::phase_swap) != notified;
    if (!stay) shim_posted_ = false;  // notified while registering: nothing was posted
    return stay;
  }
  // For a destructor that lost the claim: waits until the claimer's notify() is done with us.
  // If the claimer posts the shim, cancels it: it will free itself without resuming us.
  void wait_notified() noexcept {
    // [Q2] ORDERING: async.phase_swap — pairs with [Q1].
    if (phase_.exchange(cancelling, async_order::phase_swap) == notified) {
      // [Q4] ORDERING: async.shim_cancel — the post may already be queued; the shim checks.
      if (post_resume_shim<P>()) shim_.promise().cancelled.store(true, async_order::shim_cancel);
      return;
    }
    // [Q3] ORDERING: async.phase_wait — pairs with [Q1] (a side-effect-free wait).
    (void)await_load<P>(phase_, async_order::phase_wait, [](std::uint32_t phase) { return phase == notified; });
    shim_posted_ = false;  // the claimer saw `cancelling`: it posts nothing
  }

 private:
  static void on_notify(void* self) noexcept {
    auto* me = static_cast<coro_waiter*>(self);
    const std::coroutine_handle<> post = post_resume_shim<P>() ? me->shim_ : me->shim_.promise().target;
    const resumer sched = me->sched_;
    // [Q1] ORDERING: async.phase_swap — the last access to *me.
    if (me->phase_.exchange(notified, async_order::phase_swap) == suspended) sched.resume(post);
  }

  waiter<P> w_;
  typename P::template atomic<std::uint32_t> phase_{registering};
  shim_handle shim_;  // SAFETY: written by the owner before registering; read by the
  resumer sched_;     // claimer after its claim [W1], which orders it.
  bool shim_posted_ = false;  // SAFETY: owner-only
};
}  // namespace sluice::detail
