// sluice/detail/async_timer.hpp — deadlines for async operations, on the caller's timer.
//
// Contract. sluice owns no timer thread: an operation with a deadline hands one small coroutine
// (the "deadline task") to the caller's timer_scheduler (scheduler.hpp) when it first waits (one
// that completes without waiting costs nothing); the task, run, claims the operation's waiter as
// timed_out (waiter.hpp) if it still waits. The task lives until the timer runs it, even if the
// operation finished long before (the concept has no cancellation); a timer that never runs a
// task leaks it.
//
// The link between operation and task (deadline_link), a state word:
//   idle (0)    not waiting          -> armed by arm(w), or expired by the task
//   armed (1)   waiting on `w`       -> idle by disarm(), or firing by the task
//   firing (2)  the task claims `w`  -> expired by the task
//   expired (3) final
// and a reference count of 2 (operation, task): the last destroys the task's frame (the link).
// Synchronization
//   [T1] arm's compare-exchange (release) publishes `w` to the task's [T2].
//   [T2] the task's compare-exchange armed -> firing (acquire) reads `w`.
//   [T3] the task's store of expired (release) pairs with disarm's [T4] (acquire), which waits
//        while the task is firing: the waiter outlives every access the task makes to it.
//   [T5] reference count decrement (acq_rel): the last one sees every access of the other.
#pragma once

#include <coroutine>
#include <cstdint>
#include <exception>
#include <optional>

#include "sluice/detail/async_op.hpp"
#include "sluice/detail/await.hpp"
#include "sluice/detail/waiter.hpp"
#include "sluice/platform.hpp"
#include "sluice/scheduler.hpp"

namespace sluice::detail {
namespace timer_order {
// ORDERING: release — [T1] publishes the waiter pointer to the task's [T2].
inline constexpr named_order arm{"async.timer_arm", std::memory_order_release};
// ORDERING: acquire — [T2] reads what [T1] published.
inline constexpr named_order fire{"async.timer_fire", std::memory_order_acquire};
// ORDERING: release — [T3] the task is done with the waiter; pairs with [T4].
inline constexpr named_order expire{"async.timer_expire", std::memory_order_release};
// ORDERING: acquire — [T4] disarm's reads of the state, pairing with [T3].
inline constexpr named_order observe{"async.timer_observe", std::memory_order_acquire};
// ORDERING: relaxed — a failed compare-exchange whose value is only re-examined by [T4].
inline constexpr named_order relaxed{"async.timer_relaxed", std::memory_order_relaxed};
// ORDERING: acq_rel — [T5] the reference count.
inline constexpr named_order release_ref{"async.timer_ref", std::memory_order_acq_rel};
}  // namespace timer_order

template <class P>
class deadline_link {
 public:
  static constexpr std::uint32_t idle = 0, armed = 1, firing = 2, expired = 3;

  // The operation, about to wait on `w`: false if the deadline has already passed.
  bool arm(waiter<P>& w) noexcept {
    // SAFETY: idle: the task does not read the pointer until [T2] sees armed, after [T1].
    w_.with_mut([&](waiter<P>** p) { *p = &w; });
    std::uint32_t expected = idle;
    // [T1] ORDERING: async.timer_arm — publishes w_ to [T2].
    return state_.compare_exchange_strong(expected, armed, timer_order::arm, timer_order::relaxed);
  }
  // The operation's wait is over: returns whether the deadline has passed. After it returns,
  // the task no longer touches the waiter.
  bool disarm() noexcept {
    std::uint32_t expected = armed;
    // [T4] ORDERING: async.timer_observe — on failure, pairs with [T3].
    if (state_.compare_exchange_strong(expected, idle, timer_order::observe, timer_order::observe))
      return false;
    // [T4] ORDERING: async.timer_observe — waits for the task's [T3] (a side-effect-free wait).
    if (expected == firing)
      expected = await_load<P>(state_, timer_order::observe, [](std::uint32_t s) { return s != firing; });
    return expected == expired;
  }

  bool has_expired() const noexcept {
    // [T4] ORDERING: async.timer_observe — pairs with [T3].
    return state_.load(timer_order::observe) == expired;
  }
  // The task, at the deadline.
  void fire() noexcept {
    std::uint32_t s = idle;
    // ORDERING: async.timer_expire — idle -> expired publishes nothing the operation needs
    // beyond the flag itself; release keeps it paired with [T4] like [T3].
    if (state_.compare_exchange_strong(s, expired, timer_order::expire, timer_order::relaxed)) return;
    // [T2] ORDERING: async.timer_fire — acquires the waiter pointer published by [T1].
    if (s != armed || !state_.compare_exchange_strong(s, firing, timer_order::fire, timer_order::relaxed)) {
      // The state moved (armed -> idle) between the two attempts: try again from idle.
      if (s == idle) return fire();
      return;  // already expired
    }
    waiter<P>* w = nullptr;
    // SAFETY: [T2] ordered us after [T1]; the operation does not move on before [T3].
    w_.with([&](waiter<P>* const* p) { w = *p; });
    const bool won = w->try_select(sel_timed_out);
    // [T3] ORDERING: async.timer_expire — our last access to w except the notify below, which
    // the waiter itself waits for (waiter.hpp's lifetime rule).
    state_.store(expired, timer_order::expire);
    if (won) w->notify();
  }
  // Drops one reference; true for the last one.
  bool release() noexcept {
    // [T5] ORDERING: async.timer_ref — the last holder sees all the other's accesses.
    return refs_.fetch_sub(1, timer_order::release_ref) == 1;
  }

 private:
  typename P::template atomic<std::uint32_t> state_{idle};
  typename P::template atomic<std::uint32_t> refs_{2};
  typename P::template cell<waiter<P>*> w_;
};

// The coroutine handed to the caller's timer: its frame holds the link.
template <class P>
class deadline_task {
 public:
  struct promise_type {
    deadline_link<P> link;
    deadline_task get_return_object() noexcept {
      return deadline_task(std::coroutine_handle<promise_type>::from_promise(*this));
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    auto final_suspend() noexcept {
      struct release_frame {
        bool await_ready() noexcept { return false; }
        void await_suspend(std::coroutine_handle<promise_type> h) noexcept {
          if (h.promise().link.release()) h.destroy();
        }
        void await_resume() noexcept {}
      };
      return release_frame{};
    }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }
  };
  std::coroutine_handle<promise_type> handle() const noexcept { return h_; }

 private:
  explicit deadline_task(std::coroutine_handle<promise_type> h) noexcept : h_(h) {}
  std::coroutine_handle<promise_type> h_;
};

template <class P>
deadline_task<P> deadline_body() {
  auto& promise = co_await own_promise<typename deadline_task<P>::promise_type>{};
  promise.link.fire();
}

// A deadline and the timer that keeps it, type-erased (empty: no deadline).
template <class P>
struct deadline_spec {
  using time_point = typename P::clock::time_point;
  time_point at{};
  void* timer = nullptr;
  void (*schedule_at)(void*, time_point, std::coroutine_handle<>) = nullptr;

  template <class Timer>
  static deadline_spec of(time_point tp, Timer& t) noexcept {
    if (tp == time_point::max()) return {};  // beyond the clock's range: never (deadline.hpp)
    return {tp, &t, [](void* o, time_point when, std::coroutine_handle<> h) {
              static_cast<Timer*>(o)->schedule_at(when, h);
            }};
  }
  explicit operator bool() const noexcept { return schedule_at != nullptr; }
};

// The operation's side: lives in the operation's frame; schedules the task on the first wait.
template <class P>
class deadline_guard {
 public:
  explicit deadline_guard(deadline_spec<P> spec) noexcept : spec_(spec) {}
  deadline_guard(const deadline_guard&) = delete;
  deadline_guard& operator=(const deadline_guard&) = delete;
  ~deadline_guard() {
    if (task_ && task_.promise().link.release()) task_.destroy();
  }

  bool active() const noexcept { return static_cast<bool>(spec_); }

  // Whether the deadline has passed (by the clock, or by the timer having run).
  bool passed() const noexcept {
    if (task_ && task_.promise().link.has_expired()) return true;
    return P::clock::now() >= spec_.at;
  }
  // Before waiting on `w`: false if the deadline has passed. Schedules the task the first time.
  bool arm(waiter<P>& w) {
    if (!task_) {
      task_ = deadline_body<P>().handle();
      // The timer may run the task at once (the deadline is close): the link copes.
      spec_.schedule_at(spec_.timer, spec_.at, task_);
    }
    return task_.promise().link.arm(w);
  }
  // After the wait: whether the deadline has passed. The task no longer touches the waiter.
  bool disarm() noexcept { return task_ && task_.promise().link.disarm(); }

 private:
  deadline_spec<P> spec_;
  std::coroutine_handle<typename deadline_task<P>::promise_type> task_;
};

// The timer of a coroutine select (async_select.hpp, the coroutine selector in selector.hpp):
// one deadline task per wait, at the earlier of the select's deadline and the first instant at
// which one of its timer cases (sources.hpp: after, tick) becomes ready. A wake-up that is not
// the deadline ends the wait like a claim meaning "retry": the select's tries then fire the
// due timer case. A task the timer ran before the clock got to the instant is replaced by a
// fresh one at the same instant, so the coroutine never spins and always waits with one task.
template <class P>
class select_timer {
 public:
  using time_point = typename P::clock::time_point;
  // `timer`: the caller's timer, its instant unset (empty: none); `deadline`: time_point::max()
  // for none (deadline.hpp); `wake`: the first timer case's instant, or null.
  select_timer(deadline_spec<P> timer, time_point deadline, const time_point* wake) noexcept
      : deadline_first_(!wake || deadline <= *wake) {
    timer.at = deadline_first_ ? deadline : *wake;
    if (timer && timer.at != time_point::max()) {
      spec_ = timer;
      guard_.emplace(spec_);
    }
  }
  select_timer(const select_timer&) = delete;
  select_timer& operator=(const select_timer&) = delete;

  // After tries that completed nothing: whether the deadline has passed. A timer case's
  // instant that passed without the case firing (the timer ran early) is asked for again.
  bool deadline_passed() {
    if (!guard_ || !guard_->passed()) return false;
    if (deadline_first_) return true;
    guard_.emplace(spec_);
    return false;
  }
  // What the wait hands its timer (null: nothing to wake it).
  deadline_guard<P>* guard() noexcept { return guard_ ? &*guard_ : nullptr; }
  // Whether a wait that ended with claim `sel` ended by the deadline (otherwise: retry).
  bool timed_out(std::uintptr_t sel) const noexcept { return sel == sel_timed_out && deadline_first_; }

 private:
  bool deadline_first_;
  deadline_spec<P> spec_;
  std::optional<deadline_guard<P>> guard_;
};
}  // namespace sluice::detail
