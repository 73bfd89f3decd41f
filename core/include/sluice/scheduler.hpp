// sluice/scheduler.hpp — what an async operation needs from the caller's executor and timer.
//
// Contract: sluice::scheduler<S>: `s.schedule(h)` resumes `h` on S's executor (now or later, on
// any of its threads); every handle sluice gives it must be run once (async.hpp).
// sluice::timer_scheduler<S, Clock>: also `s.schedule_at(tp, h)`, resuming `h` at or after `tp`
// on its executor; the async `_for` / `_until` forms hand it one small deadline task
// (detail/async_timer.hpp). Plain concepts on the caller's types; nothing here synchronizes.
#pragma once

#include <chrono>
#include <coroutine>

namespace sluice {
// Anything that can resume a coroutine on its executor.
template <class S>
concept scheduler = requires(S& s, std::coroutine_handle<> h) { s.schedule(h); };

// A scheduler that can also resume a coroutine at a time point of Clock.
template <class S, class Clock = std::chrono::steady_clock>
concept timer_scheduler = scheduler<S> && requires(S& s, typename Clock::time_point tp, std::coroutine_handle<> h) {
  s.schedule_at(tp, h);
};
}  // namespace sluice
