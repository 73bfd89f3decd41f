// sluice/detail/forms.hpp — every operation form of a handle side, written once (issue 13).
//
// Contract. A handle derives from recv_forms<Handle, P> (or send_forms<Handle, T, P>) and gives
// the mixin (a friend) two operations per side, each throwing empty_handle_error when empty:
//   recv_with(Block block, const time_point* deadline, const std::stop_token* stop) const
//   send_with(U&& msg, Block block, const time_point* deadline, const std::stop_token* stop) const
//   async_recv_with(std::stop_token, deadline_spec<P>) const           -> an awaitable of R
//   async_send_with(U&& msg, std::stop_token, deadline_spec<P>) const  -> an awaitable of R
// (async_op<R, P>, or on the MPMC channels chan_async_op, which tries before it makes a frame;
// either has scheduler_slot(), which with_scheduler sets)
// (block: std::true_type or std::false_type, one try; a handle may take it as a bool, or keep
// it constant so that a try form does not instantiate the blocking path beside it and the
// other way round: the compiler then inlines a flavor's one call site; null: none; an async
// one starts nothing until awaited). The mixin
// gives the README's table: recv() recv(stop) try_recv() recv_for(d) recv_until(t),
// async_recv(stop) async_recv(sched, stop) async_recv_for(d, timer, stop) async_recv_until(t,
// timer, stop), and the send forms likewise. Deadlines (any clock, saturating: deadline.hpp)
// are taken at the call; an async one is kept by the caller's timer (async_timer.hpp).
#pragma once

#include <chrono>
#include <concepts>
#include <stop_token>
#include <type_traits>
#include <utility>

#include "sluice/detail/async_op.hpp"
#include "sluice/detail/async_timer.hpp"
#include "sluice/detail/deadline.hpp"
#include "sluice/scheduler.hpp"

namespace sluice::detail {
// A U a send form of T's accepts: T is constructible from it.
inline constexpr std::true_type blocking{};
inline constexpr std::false_type one_try{};

template <class U, class T>
concept sendable = std::constructible_from<T, U>;
template <class Handle, class P>
class recv_forms {
  using time_point = typename P::clock::time_point;

 public:
  auto recv() const { return self().recv_with(blocking, nullptr, nullptr); }
  auto recv(std::stop_token stop) const { return self().recv_with(blocking, nullptr, &stop); }
  auto try_recv() const { return self().recv_with(one_try, nullptr, nullptr); }
  template <class Rep, class Period>
  auto recv_for(std::chrono::duration<Rep, Period> timeout) const {
    const time_point d = deadline_after<P>(timeout);
    return self().recv_with(blocking, &d, nullptr);
  }
  template <class Clock, class Duration>
  auto recv_until(std::chrono::time_point<Clock, Duration> deadline) const {
    const time_point d = to_platform_time<P>(deadline);
    return self().recv_with(blocking, &d, nullptr);
  }

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
class send_forms {
  using time_point = typename P::clock::time_point;

 public:
  template <sendable<T> U = T>
  auto send(U&& msg) const {
    return self().send_with(std::forward<U>(msg), blocking, nullptr, nullptr);
  }
  template <sendable<T> U = T>
  auto send(U&& msg, std::stop_token stop) const {
    return self().send_with(std::forward<U>(msg), blocking, nullptr, &stop);
  }
  template <sendable<T> U = T>
  auto try_send(U&& msg) const {
    return self().send_with(std::forward<U>(msg), one_try, nullptr, nullptr);
  }
  template <sendable<T> U = T, class Rep, class Period>
  auto send_for(U&& msg, std::chrono::duration<Rep, Period> timeout) const {
    const time_point d = deadline_after<P>(timeout);
    return self().send_with(std::forward<U>(msg), blocking, &d, nullptr);
  }
  template <sendable<T> U = T, class Clock, class Duration>
  auto send_until(U&& msg, std::chrono::time_point<Clock, Duration> deadline) const {
    const time_point d = to_platform_time<P>(deadline);
    return self().send_with(std::forward<U>(msg), blocking, &d, nullptr);
  }

  template <sendable<T> U = T>
  auto async_send(U&& msg, std::stop_token stop = {}) const {
    return self().async_send_with(std::forward<U>(msg), std::move(stop), {});
  }
  template <scheduler Sched, sendable<T> U = T>
  auto async_send(U&& msg, Sched& sched, std::stop_token stop = {}) const {
    return with_scheduler(async_send(std::forward<U>(msg), std::move(stop)), resumer::of(sched));
  }
  template <sendable<T> U = T, class Rep, class Period, timer_scheduler<typename P::clock> Timer>
  auto async_send_for(U&& msg, std::chrono::duration<Rep, Period> timeout, Timer& timer,
                      std::stop_token stop = {}) const {
    return self().async_send_with(std::forward<U>(msg), std::move(stop),
                                  deadline_spec<P>::of(deadline_after<P>(timeout), timer));
  }
  template <sendable<T> U = T, class Clock, class Duration, timer_scheduler<typename P::clock> Timer>
  auto async_send_until(U&& msg, std::chrono::time_point<Clock, Duration> deadline, Timer& timer,
                        std::stop_token stop = {}) const {
    return self().async_send_with(std::forward<U>(msg), std::move(stop),
                                  deadline_spec<P>::of(to_platform_time<P>(deadline), timer));
  }

 private:
  const Handle& self() const noexcept { return static_cast<const Handle&>(*this); }
};
}  // namespace sluice::detail
