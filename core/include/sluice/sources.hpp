// sluice/sources.hpp — receivers that no sender feeds: never, after, tick (crossbeam-channel's
// never/after/tick, Go's nil channel and time.After/time.Tick, credited by name).
//
//   auto off = sluice::never<int>();        // never ready: a select case switched off
//   auto timeout = sluice::after(50ms);     // delivers its instant once, 50 ms from now
//   auto beat = sluice::tick(10ms);         // delivers an instant every 10 ms
//   sluice::select(sluice::on_recv(rx, f), sluice::on_recv(beat, [](auto r) { ... }));
//
// Contract
// --------
// A source has a receiver's receive forms — try_recv, recv, recv(stop_token), recv_for,
// recv_until, returning recv_result — and works as a receive case in select, the selector and
// async_select (a timer source in a coroutine's select given a timer, below). never<T>() is
// never ready: try_recv says empty, recv waits until its deadline or stop token (recv() with
// neither waits forever). after(d) delivers the
// platform clock's time point now + d once, at or after that instant, and is then never ready
// again. tick(d) delivers its scheduled instant each time it is due; the next one is due d after
// the delivery, so ticks missed while nobody received are dropped, as crossbeam's are. A source
// never closes.
// A source is a value owned by its user, not a channel: it is not shared between threads (use
// one from one thread at a time, as a spsc handle); a copy of a timer keeps its own schedule.
// A case holds a pointer to its source, which must outlive the select (or the selector).
// Timer sources in the thread engine: a timer case gives its due instant to the wait
// (blocking.hpp's limits.wake), which parks no later than that and then retries, so the case
// fires without any thread of its own. A coroutine select needs the caller's timer for that
// wake-up (async_select.hpp, selector.hpp).
// Why a port and not a flavor: a flavor would add an arm to the channel's type switch that
// every channel operation pays for, and a shared allocation per never() (Go's nil channel is
// free); a source is a port (wait_port.hpp) that the engines already know how to wait on,
// holding one time point at most. The price is its own type: to switch a case off at run time,
// give on_recv/on_send a pointer (select.hpp: null or empty is off), or remove it from a selector.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stop_token>
#include <utility>

#include "sluice/detail/blocking.hpp"
#include "sluice/detail/deadline.hpp"
#include "sluice/detail/status.hpp"
#include "sluice/detail/wait_port.hpp"
#include "sluice/result.hpp"
#include "sluice/select.hpp"
#include "sluice/std_platform.hpp"

namespace sluice {

namespace detail {

// The wait port of a source `Src` (one of the classes below): a try takes what is due into
// `out`; nothing is ever registered (no party will claim the waiter for it), and a timer port
// is ready once its instant has come. Src supplies try_take(out) and due() (its next instant,
// or null: never).
template <class Src, class P>
struct source_port : quiet_port {
  Src& src;
  std::optional<typename Src::value_type>& out;
  source_port(Src& s, std::optional<typename Src::value_type>& o) noexcept : src(s), out(o) {}

  std::optional<status> try_now() { return src.try_take(out); }
  bool ready() const noexcept {
    const auto* due = src.due();
    return due && P::clock::now() >= *due;
  }
  // Ready now: the engine retries (and the try takes it) instead of parking.
  bool enroll(wait_entry<P>&) noexcept { return ready(); }
  void withdraw(wait_entry<P>&) noexcept {}
  std::optional<status> settle(std::uintptr_t) noexcept { return std::nullopt; }
  void forward() noexcept {}
};

// The receive forms every source shares (CRTP over Src).
template <class Src, class T, class P>
class source_receiver {
 public:
  using value_type = T;
  using platform_type = P;
  using time_point = typename P::clock::time_point;

  recv_result<T> try_recv() { return receive(true, nullptr, nullptr); }
  recv_result<T> recv() { return receive(false, nullptr, nullptr); }
  recv_result<T> recv(std::stop_token stop) { return receive(false, nullptr, &stop); }
  template <class Rep, class Period>
  recv_result<T> recv_for(std::chrono::duration<Rep, Period> timeout) {
    const time_point deadline = deadline_after<P>(timeout);
    return receive(false, &deadline, nullptr);
  }
  template <class Clock, class Duration>
  recv_result<T> recv_until(std::chrono::time_point<Clock, Duration> deadline) {
    const time_point at = to_platform_time<P>(deadline);
    return receive(false, &at, nullptr);
  }

 private:
  recv_result<T> receive(bool try_only, const time_point* deadline, const std::stop_token* stop) {
    Src& src = static_cast<Src&>(*this);
    std::optional<T> out;
    std::optional<status> st = src.try_take(out);
    if (!st && try_only) st = status::empty;
    if (!st) {
      source_port<Src, P> port{src, out};
      st = block_one_rest<P>(port, wait_limits<P>{deadline, stop, false, true, src.due()}, first_step::none);
    }
    if (*st != status::ok) return recv_result<T>(in_place_error, to_errc(*st));
    return recv_result<T>(std::in_place, std::move(*out));
  }
};

}  // namespace detail

// Never ready (see the header).
template <class T, platform P = std_platform>
class basic_never : public detail::source_receiver<basic_never<T, P>, T, P> {
 public:
  std::optional<detail::status> try_take(std::optional<T>&) noexcept { return std::nullopt; }
  const typename P::clock::time_point* due() const noexcept { return nullptr; }
};

// Delivers the instant it was made for, once (see the header).
template <platform P = std_platform>
class basic_after : public detail::source_receiver<basic_after<P>, typename P::clock::time_point, P> {
 public:
  using time_point = typename P::clock::time_point;
  explicit basic_after(time_point at) noexcept : at_(at) {}

  std::optional<detail::status> try_take(std::optional<time_point>& out) {
    if (delivered_ || P::clock::now() < at_) return std::nullopt;
    delivered_ = true;
    out = at_;
    return detail::status::ok;
  }
  const time_point* due() const noexcept { return delivered_ ? nullptr : &at_; }

 private:
  time_point at_;
  bool delivered_ = false;
};

// Delivers its scheduled instant every period, dropping missed ones (see the header).
template <platform P = std_platform>
class basic_tick : public detail::source_receiver<basic_tick<P>, typename P::clock::time_point, P> {
 public:
  using time_point = typename P::clock::time_point;
  using duration = typename P::clock::duration;
  basic_tick(time_point first, duration period) noexcept : next_(first), period_(period) {}

  std::optional<detail::status> try_take(std::optional<time_point>& out) {
    if (P::clock::now() < next_) return std::nullopt;
    out = next_;
    next_ = detail::deadline_after<P>(period_);  // d after this delivery: missed ticks dropped
    return detail::status::ok;
  }
  const time_point* due() const noexcept { return &next_; }

 private:
  time_point next_;
  duration period_;
};

template <class T, platform P = std_platform>
basic_never<T, P> never() noexcept {
  return {};
}
template <platform P = std_platform, class Rep, class Period>
basic_after<P> after(std::chrono::duration<Rep, Period> d) {
  return basic_after<P>(detail::deadline_after<P>(d));
}
template <platform P = std_platform, class Rep, class Period>
basic_tick<P> tick(std::chrono::duration<Rep, Period> d) {
  const auto period = detail::saturating_ceil<typename P::clock::duration>(d);
  return basic_tick<P>(detail::deadline_after<P>(period), period);
}

namespace detail {

// A receive case on a source: the source's own port, its value, the outcome.
template <class Src, class F>
struct source_case {
  Src* src;
  F handler;
};
template <class Src, class F>
struct case_traits<source_case<Src, F>> {
  static constexpr bool is_channel = true, is_send = false;
  using platform = typename Src::platform_type;
};
template <class Src>
inline constexpr bool is_timer_source_v = true;
template <class T, class P>
inline constexpr bool is_timer_source_v<basic_never<T, P>> = false;

template <class Src, class F>
struct case_state<source_case<Src, F>> {
  using T = typename Src::value_type;
  using P = typename Src::platform_type;
  std::optional<T> out;
  std::optional<port_adapter<source_port<Src, P>, P>> port;
  std::optional<status> outcome;

  std::optional<status> try_now(source_case<Src, F>& c) { return c.src->try_take(out); }
  dyn_port<P>& bound_port(source_case<Src, F>& c, wait_mode) {
    if (!port) port.emplace(*c.src, out);
    return *port;
  }
  // A timer source's next instant (never() has none: it needs no timer).
  static const typename P::clock::time_point* wake_at(const source_case<Src, F>& c) noexcept
    requires is_timer_source_v<Src>
  {
    return c.src->due();
  }
  void fire(source_case<Src, F>& c) {
    if (*outcome == status::ok)
      c.handler(recv_result<T>(std::in_place, std::move(*out)));
    else
      c.handler(recv_result<T>(in_place_error, to_errc(*outcome)));
  }
};

// async_select keeps the pointer (the source must outlive the operation); a timer source's
// wake-up needs the caller's timer (async_select.hpp checks it is given).
template <class Src, class F>
source_case<Src, F> owning_case(source_case<Src, F>&& c) {
  return std::move(c);
}

}  // namespace detail

// A receive case on a source (never, after, tick).
template <class Src, class F>
  requires requires(Src& s, std::optional<typename Src::value_type>& out) { s.try_take(out); }
detail::source_case<Src, std::decay_t<F>> on_recv(Src& src, F&& handler) {
  return {&src, std::forward<F>(handler)};
}

}  // namespace sluice
