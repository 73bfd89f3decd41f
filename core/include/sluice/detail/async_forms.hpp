// sluice/detail/async_forms.hpp — a handle side's coroutine forms, written once (issue 13,
// item 4): the channels', the spsc/mpsc handles', oneshot's, broadcast's and watermark's.
//
// Contract. A handle derives from async_recv_forms<Handle, P> (or async_send_forms<Handle, T,
// P>) and supplies ONE operation per side, reachable by the mixin (a friend):
//   async_recv_with(std::stop_token, deadline_spec<P>) const         -> async_op<R, P>
//   async_send_with(U&& msg, std::stop_token, deadline_spec<P>) const -> async_op<R, P>
// which throws empty_handle_error on an empty handle and starts nothing until awaited; an empty
// deadline_spec is no deadline. The mixin gives every form of the README's table:
//   async_recv(stop)                  async_send(msg, stop)
//   async_recv(sched, stop)           async_send(msg, sched, stop)       resume through sched
//   async_recv_for(d, timer, stop)    async_send_for(msg, d, timer, stop)
//   async_recv_until(t, timer, stop)  async_send_until(msg, t, timer, stop)
// A timeout or deadline (any clock, saturating: deadline.hpp) is taken when the operation is
// created and kept by the caller's timer (sluice::timer_scheduler, async_timer.hpp): errc::
// timed_out once it passes, unless the operation completes without waiting. Nothing here
// synchronizes.
#pragma once

#include <chrono>
#include <concepts>
#include <stop_token>
#include <utility>

#include "sluice/detail/async_op.hpp"
#include "sluice/detail/async_timer.hpp"
#include "sluice/detail/deadline.hpp"
#include "sluice/scheduler.hpp"

namespace sluice::detail {

template <class Handle, class P>
class async_recv_forms {
 public:
  auto async_recv(std::stop_token stop = {}) const { return self().async_recv_with(std::move(stop), {}); }
  template <scheduler Sched>
  auto async_recv(Sched& sched, std::stop_token stop = {}) const {
    return with_scheduler(async_recv(std::move(stop)), resumer::of(sched));
  }
  template <class Rep, class Period, timer_scheduler<typename P::clock> Timer>
  auto async_recv_for(std::chrono::duration<Rep, Period> timeout, Timer& timer, std::stop_token stop = {}) const {
    return self().async_recv_with(std::move(stop), deadline_spec<P>::of(deadline_after<P>(timeout), timer));
  }
  template <class Clock, class Duration, timer_scheduler<typename P::clock> Timer>
  auto async_recv_until(std::chrono::time_point<Clock, Duration> deadline, Timer& timer,
                        std::stop_token stop = {}) const {
    return self().async_recv_with(std::move(stop), deadline_spec<P>::of(to_platform_time<P>(deadline), timer));
  }

 private:
  const Handle& self() const noexcept { return static_cast<const Handle&>(*this); }
};

template <class Handle, class T, class P>
class async_send_forms {
 public:
  template <class U = T>
    requires std::constructible_from<T, U>
  auto async_send(U&& msg, std::stop_token stop = {}) const {
    return self().async_send_with(std::forward<U>(msg), std::move(stop), {});
  }
  template <scheduler Sched, class U = T>
    requires std::constructible_from<T, U>
  auto async_send(U&& msg, Sched& sched, std::stop_token stop = {}) const {
    return with_scheduler(async_send(std::forward<U>(msg), std::move(stop)), resumer::of(sched));
  }
  template <class U = T, class Rep, class Period, timer_scheduler<typename P::clock> Timer>
    requires std::constructible_from<T, U>
  auto async_send_for(U&& msg, std::chrono::duration<Rep, Period> timeout, Timer& timer,
                      std::stop_token stop = {}) const {
    return self().async_send_with(std::forward<U>(msg), std::move(stop),
                                  deadline_spec<P>::of(deadline_after<P>(timeout), timer));
  }
  template <class U = T, class Clock, class Duration, timer_scheduler<typename P::clock> Timer>
    requires std::constructible_from<T, U>
  auto async_send_until(U&& msg, std::chrono::time_point<Clock, Duration> deadline, Timer& timer,
                        std::stop_token stop = {}) const {
    return self().async_send_with(std::forward<U>(msg), std::move(stop),
                                  deadline_spec<P>::of(to_platform_time<P>(deadline), timer));
  }

 private:
  const Handle& self() const noexcept { return static_cast<const Handle&>(*this); }
};

}  // namespace sluice::detail
