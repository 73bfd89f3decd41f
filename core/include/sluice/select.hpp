// sluice/select.hpp — blocking select over receive and send cases on any flavors.
//
//   std::size_t fired = sluice::select(
//       sluice::on_recv(rx_a, [](sluice::recv_result<int> r) { ... }),
//       sluice::on_send(tx_b, msg, [](sluice::send_result<Msg> r) { ... }),
//       sluice::on_timeout(50ms, [] { ... }));       // or on_deadline(tp, f) or on_default(f)
//
// Exactly one case fires: its operation completes (or fails with closed) and its handler runs;
// every other case leaves its channel as it was (a send case's message is given back to the
// select, and destroyed with it). select() returns the index of the case that fired. select()
// tries and registers its cases in a uniformly random order, so the case that fires is uniform
// among the ready ones, and among waiting registrations a partner may take (select_random.hpp);
// select_biased() uses the order written.
// on_default is linearizable: it fires only if there was an instant at which no case was ready.
// After a pass finds nothing, the select registers on every channel as if to wait, re-checks
// every case, and then claims its own waiter as `timed_out` [D1]; a case that became ready
// after its registration has claimed the waiter first (the select then retries), so the
// default's instant is that claim (exact as long as the select's registration is the oldest
// claimable one on each channel, i.e. no other waiter there is notified in its place).
// (crossbeam-channel's select registers before giving up in the same way; its
// linearizable_default test is the model of this one.)
// A case switched off at run time (Go's nil channel): on_recv(&rx, f) / on_send(&tx, msg, f),
// given a pointer, make a case that is off when the pointer is null or its handle empty:
// never ready, it fires nothing and leaves its channel alone; an off send case's message is
// destroyed with the select, unsent, as any send case's that did not fire. A select whose every
// case is off and that has no timeout, deadline or default case throws std::invalid_argument
// (it would wait forever; as selector::select() with no case; Go blocks, crossbeam panics).
// Why a pointer, not an empty handle given by reference or a `.when(bool)`: an empty handle
// given by reference stays an error (empty_handle_error, as for every operation on it: there,
// a moved-from handle is a bug), and a flag would need a valid handle even when off; a pointer
// says "this case may be off" in the type the caller writes, so the reference forms' cases
// keep their type and pay nothing for the switch (detail/switchable_case.hpp).
// Why a variadic function and not a builder (crossbeam's Select, flume's Selector): the cases
// of a C++ select usually have different message types, which a variadic call keeps typed with
// no type erasure and no allocation; a builder would need virtual dispatch per case.
//
// Algorithm (crossbeam-channel's select, credited by name): the thread engine over one port
// per case (detail/blocking.hpp): try every case, else register one waiter on every channel,
// re-check, park; the first claimer decides the case.
// Happens-before: as for the channel operations (channel.hpp).
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

#include "sluice/channel.hpp"
#include "sluice/channel/any_port.hpp"
#include "sluice/detail/blocking.hpp"
#include "sluice/detail/select_random.hpp"
#include "sluice/detail/status.hpp"
#include "sluice/detail/switchable_case.hpp"

namespace sluice {

namespace detail {

// A case reaches its handle through `Ref`: a pointer for select() (the handle outlives the
// call), an owned_handle for async_select (async_select.hpp: the operation owns a clone).
template <class T, class P, class F, class Ref = const basic_receiver<T, P>*>
struct recv_case {
  Ref rx;
  F handler;
};
template <class T, class P, class F, class Ref = const basic_sender<T, P>*>
struct send_case {
  Ref tx;
  stored_t<T, P> msg;
  F handler;
};
// A handle clone a case owns, reached like a pointer.
template <class H>
struct owned_handle {
  H h;
  const H* operator->() const noexcept { return &h; }
};
template <class Clock, class Duration, class F>
struct deadline_case {
  std::chrono::time_point<Clock, Duration> deadline;
  F handler;
  template <class P>
  typename P::clock::time_point platform_deadline() const {
    return to_platform_time<P>(deadline);
  }
};
template <class Rep, class Period, class F>
struct timeout_case {
  std::chrono::duration<Rep, Period> timeout;
  F handler;
  template <class P>
  typename P::clock::time_point platform_deadline() const {
    return deadline_after<P>(timeout);
  }
};
template <class F>
struct default_case {
  F handler;
};
// Timeout and deadline cases that carry the caller's timer, for async_select (async_select.hpp);
// the blocking select accepts them too and ignores the timer.
template <class Clock, class Duration, class Timer, class F>
struct timer_deadline_case : deadline_case<Clock, Duration, F> {
  Timer* timer;
};
template <class Rep, class Period, class Timer, class F>
struct timer_timeout_case : timeout_case<Rep, Period, F> {
  Timer* timer;
};

template <class C>
struct case_traits {
  static constexpr bool is_channel = false;
};
template <class T, class P, class F, class R>
struct case_traits<recv_case<T, P, F, R>> {
  static constexpr bool is_channel = true;
  using platform = P;
};
template <class T, class P, class F, class R>
struct case_traits<send_case<T, P, F, R>> {
  static constexpr bool is_channel = true;
  using platform = P;
};

// A case's switchable form (the pointer forms of on_recv/on_send): built from the case a
// reference form makes, or off.
template <class C>
struct switched;
template <class T, class P, class F>
struct switched<recv_case<T, P, F>> {
  using type = recv_case<T, P, F, switchable_ref<basic_receiver<T, P>>>;
  static type on(recv_case<T, P, F>&& c) { return {{c.rx}, std::move(c.handler)}; }
  template <class G>
  static type off(G&& handler) {
    return {{nullptr}, std::forward<G>(handler)};
  }
};
template <class T, class P, class F>
struct switched<send_case<T, P, F>> {
  using type = send_case<T, P, F, switchable_ref<basic_sender<T, P>>>;
  static type on(send_case<T, P, F>&& c) { return {{c.tx}, std::move(c.msg), std::move(c.handler)}; }
  template <class U, class G>
  static type off(U&& msg, G&& handler) {
    return {{nullptr}, to_stored<T, P>(std::forward<U>(msg)), std::forward<G>(handler)};
  }
};

template <class C>
inline constexpr bool is_deadline_case_v = false;
template <class Clock, class Duration, class F>
inline constexpr bool is_deadline_case_v<deadline_case<Clock, Duration, F>> = true;
template <class Rep, class Period, class F>
inline constexpr bool is_deadline_case_v<timeout_case<Rep, Period, F>> = true;
template <class Clock, class Duration, class Timer, class F>
inline constexpr bool is_deadline_case_v<timer_deadline_case<Clock, Duration, Timer, F>> = true;
template <class Rep, class Period, class Timer, class F>
inline constexpr bool is_deadline_case_v<timer_timeout_case<Rep, Period, Timer, F>> = true;
template <class C>
inline constexpr bool is_timer_case_v = false;
template <class Clock, class Duration, class Timer, class F>
inline constexpr bool is_timer_case_v<timer_deadline_case<Clock, Duration, Timer, F>> = true;
template <class Rep, class Period, class Timer, class F>
inline constexpr bool is_timer_case_v<timer_timeout_case<Rep, Period, Timer, F>> = true;
template <class C>
inline constexpr bool is_default_case_v = false;
template <class F>
inline constexpr bool is_default_case_v<default_case<F>> = true;

// Per-case state across one select: the case's wait port (channel/any_port.hpp, made by
// bound_port() when the select first registers, and kept: it may hold a packet that must not
// move; a try needs no port), the receive's destination, the outcome.
template <class C>
struct case_state;

template <class T, class P, class F, class R>
struct case_state<recv_case<T, P, F, R>> {
  using S = stored_t<T, P>;
  // User-provided: value-initializing a select's tuple of states must not zero them (an
  // aggregate would be zero-filled first: a rep stos over every port, and over `out`).
  case_state() noexcept {}
  uninit<S> out;  // a rendezvous sender moves straight into it (zero.hpp)
  std::optional<any_port<T, P, false>> port;
  std::optional<status> outcome;
  [[no_unique_address]] off_port_for<P, R> off;

  std::optional<status> try_now(recv_case<T, P, F, R>& c) {
    if constexpr (switchable<R>)
      if (!c.rx.on()) return std::nullopt;
    return try_recv_through(c.rx->ref(), out);
  }
  dyn_port<P>& bound_port(recv_case<T, P, F, R>& c, wait_mode mode) {
    if constexpr (switchable<R>)
      if (!c.rx.on()) return off;
    if (!port) port.emplace(c.rx->ref(), out, mode);
    return port->port();
  }
  // Not inlined: a handler's argument holds the message by value, and clang gives each inlined
  // fire of a select its own stack slot for it (a 1 MiB message took 2 MiB over two cases).
  [[gnu::noinline]] void fire(recv_case<T, P, F, R>& c) {
    if (*outcome == status::ok) {
      destroy_at_exit<S> done{out};
      c.handler(recv_result<T>(std::in_place, std::move(stored_value<T, P>(*out.get()))));
    } else {
      c.handler(recv_result<T>(in_place_error, to_errc(*outcome)));
    }
  }
};

template <class T, class P, class F, class R>
struct case_state<send_case<T, P, F, R>> {
  case_state() noexcept {}  // not zero-filled: see the receive case
  std::optional<any_port<T, P, true>> port;
  std::optional<status> outcome;
  [[no_unique_address]] off_port_for<P, R> off;

  std::optional<status> try_now(send_case<T, P, F, R>& c) {
    if constexpr (switchable<R>)
      if (!c.tx.on()) return std::nullopt;
    return try_send_through(c.tx->ref(), c.msg);
  }
  dyn_port<P>& bound_port(send_case<T, P, F, R>& c, wait_mode mode) {
    if constexpr (switchable<R>)
      if (!c.tx.on()) return off;
    if (!port) port.emplace(c.tx->ref(), c.msg, mode);
    return port->port();
  }
  [[gnu::noinline]] void fire(send_case<T, P, F, R>& c) {  // not inlined: see the receive case
    if (*outcome == status::ok)
      c.handler(send_result<T>());
    else
      c.handler(send_result<T>(in_place_error, construct_with, [&] {
        return send_error<T>{to_errc(*outcome), from_stored<T, P>(std::move(c.msg))};
      }));
  }
};

// Applies f(case, state, index) to the case with runtime index i.
template <class Cases, class States, class Fn, std::size_t... I>
decltype(auto) with_case(Cases& cases, States& states, std::size_t i, Fn&& fn, std::index_sequence<I...>) {
  using R = decltype(fn(std::get<0>(cases), std::get<0>(states)));
  if constexpr (std::is_void_v<R>) {
    ((i == I ? (fn(std::get<I>(cases), std::get<I>(states)), 0) : 0), ...);
  } else {
    R r{};
    ((i == I ? (r = fn(std::get<I>(cases), std::get<I>(states)), 0) : 0), ...);
    return r;
  }
}

template <class... Cs>
constexpr std::size_t count_channel_cases() {
  return (std::size_t{0} + ... + (case_traits<Cs>::is_channel ? 1 : 0));
}

// The variadic select's table (blocking.hpp's engine and async_port_wait.hpp's awaiter): case
// i's try, its port (made on first use, for waiters of `mode`), its state.
template <class Cases, class States>
struct tuple_case_table {
  using seq = std::make_index_sequence<std::tuple_size_v<Cases>>;
  Cases& cases;
  States& states;
  wait_mode mode;
  std::optional<status> try_now(std::size_t i) {
    return with_case(cases, states, i, [](auto& c, auto& s) { return s.try_now(c); }, seq{});
  }
  template <class Fn>
  decltype(auto) at(std::size_t i, Fn&& fn) {
    return with_case(
        cases, states, i, [&](auto& c, auto& s) -> decltype(auto) { return fn(s.bound_port(c, mode)); }, seq{});
  }
  // Records the outcome of case i and runs its handler.
  void fire(std::size_t i, status st) {
    with_case(cases, states, i, [&](auto& c, auto& s) {
      s.outcome = st;
      s.fire(c);
    }, seq{});
  }
};

// The earliest instant at which a case becomes ready by itself (a timer source, sources.hpp):
// the thread engine parks no later (blocking.hpp's limits.wake).
template <class P, class Cases, class States>
std::optional<typename P::clock::time_point> earliest_wake(Cases& cases, States& states) {
  std::optional<typename P::clock::time_point> wake;
  auto consider = [&](auto& c, auto& s) {
    if constexpr (requires { s.wake_at(c); })
      if (const auto* at = s.wake_at(c); at && (!wake || *at < *wake)) wake = *at;
  };
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (consider(std::get<I>(cases), std::get<I>(states)), ...);
  }(std::make_index_sequence<std::tuple_size_v<Cases>>{});
  return wake;
}

template <class P, bool Fair, class... Chans, class... Extra>
std::size_t run_select(std::tuple<Chans&...>& cases, std::tuple<Extra&...>& extras) {
  constexpr std::size_t n = sizeof...(Chans);
  static_assert(sizeof...(Extra) <= 1, "sluice::select: at most one timeout, deadline or default case");
  std::tuple<case_state<Chans>...> states;
  using time_point = typename P::clock::time_point;

  constexpr bool has_default = (is_default_case_v<Extra> || ...);
  constexpr bool has_deadline = (is_deadline_case_v<Extra> || ...);
  std::optional<time_point> deadline;
  if constexpr (has_deadline) deadline = std::get<0>(extras).template platform_deadline<P>();

  const std::array<std::size_t, n> order = case_order<P, n, Fair>();
  unenrolled_entries<P, n> entries;
  tuple_case_table<std::tuple<Chans&...>, std::tuple<case_state<Chans>...>> table{cases, states, wait_mode::select};
  const std::optional<time_point> wake = earliest_wake<P>(cases, states);
  const wait_limits<P> limits{deadline ? &*deadline : nullptr, nullptr, has_default, false, wake ? &*wake : nullptr};
  const wait_end end = block_on<P>(table, n, order.data(), entries.at, limits);
  // With no default or deadline case, a channel case always fires.
  if (sizeof...(Extra) == 0 || end.index != wait_end::none) {
    table.fire(end.index, end.st);
    return end.index;
  }
  if constexpr (sizeof...(Extra) != 0) std::get<0>(extras).handler();
  return n;
}

template <class C>
constexpr bool is_extra_case_v = is_default_case_v<C> || is_deadline_case_v<C>;

template <class First, class... Rest>
struct first_platform {
  using type = typename case_traits<First>::platform;
};

template <bool Fair, class... Cases>
std::size_t select_impl(Cases&&... cases) {
  using all = std::tuple<std::remove_cvref_t<Cases>...>;
  constexpr std::size_t total = sizeof...(Cases);
  constexpr std::size_t channels = count_channel_cases<std::remove_cvref_t<Cases>...>();
  static_assert(channels >= 1, "sluice::select: at least one receive or send case");
  static_assert(channels + 1 >= total, "sluice::select: at most one timeout, deadline or default case");
  all tuple(std::forward<Cases>(cases)...);
  // Channel cases first, the optional extra case last.
  return [&]<std::size_t... I, std::size_t... J>(std::index_sequence<I...>, std::index_sequence<J...>) {
    static_assert((case_traits<std::tuple_element_t<I, all>>::is_channel && ...),
                  "sluice::select: put the timeout, deadline or default case last");
    using P = typename first_platform<std::tuple_element_t<I, all>...>::type;
    if constexpr (total == channels) require_a_case_on("sluice::select", std::get<I>(tuple)...);
    std::tuple<std::tuple_element_t<I, all>&...> chans(std::get<I>(tuple)...);
    std::tuple<std::tuple_element_t<channels + J, all>&...> extras(std::get<channels + J>(tuple)...);
    return run_select<P, Fair>(chans, extras);
  }(std::make_index_sequence<channels>{}, std::make_index_sequence<total - channels>{});
}

}  // namespace detail

template <class T, platform P, class F>
detail::recv_case<T, P, std::decay_t<F>> on_recv(const basic_receiver<T, P>& rx, F&& handler) {
  if (!rx) throw empty_handle_error("select: on_recv");
  return {&rx, std::forward<F>(handler)};
}
template <class T, platform P, class U, class F>
detail::send_case<T, P, std::decay_t<F>> on_send(const basic_sender<T, P>& tx, U&& msg, F&& handler) {
  if (!tx) throw empty_handle_error("select: on_send");
  return {&tx, detail::to_stored<T, P>(std::forward<U>(msg)), std::forward<F>(handler)};
}
// A case that may be switched off at run time (Go's nil channel): off when the pointer is null
// or its handle is empty (moved from, default-constructed); an off case is never ready and
// never fires, and an off send case's message is destroyed with the select, unsent. Any
// handle the reference forms take (receivers, senders, the spsc handles).
template <class H, class F>
auto on_recv(const H* rx, F&& handler)
    -> typename detail::switched<decltype(on_recv(std::declval<const H&>(), std::forward<F>(handler)))>::type {
  using sw = detail::switched<decltype(on_recv(*rx, std::forward<F>(handler)))>;
  if (!rx || !*rx) return sw::off(std::forward<F>(handler));
  return sw::on(on_recv(*rx, std::forward<F>(handler)));
}
template <class H, class U, class F>
auto on_send(const H* tx, U&& msg, F&& handler) -> typename detail::switched<
    decltype(on_send(std::declval<const H&>(), std::forward<U>(msg), std::forward<F>(handler)))>::type {
  using sw = detail::switched<decltype(on_send(*tx, std::forward<U>(msg), std::forward<F>(handler)))>;
  if (!tx || !*tx) return sw::off(std::forward<U>(msg), std::forward<F>(handler));
  return sw::on(on_send(*tx, std::forward<U>(msg), std::forward<F>(handler)));
}
// The deadline is taken when select() starts, on the channels' platform clock.
template <class Rep, class Period, class F>
detail::timeout_case<Rep, Period, std::decay_t<F>> on_timeout(std::chrono::duration<Rep, Period> d, F&& handler) {
  return {d, std::forward<F>(handler)};
}
template <class Clock, class Duration, class F>
detail::deadline_case<Clock, Duration, std::decay_t<F>> on_deadline(std::chrono::time_point<Clock, Duration> tp,
                                                                    F&& handler) {
  return {tp, std::forward<F>(handler)};
}
// The same, with the caller's timer (sluice::timer_scheduler) keeping the deadline: needed by
// async_select (async_select.hpp), accepted by select.
template <class Rep, class Period, scheduler Timer, class F>
detail::timer_timeout_case<Rep, Period, Timer, std::decay_t<F>> on_timeout(std::chrono::duration<Rep, Period> d,
                                                                           Timer& timer, F&& handler) {
  return {{d, std::forward<F>(handler)}, &timer};
}
template <class Clock, class Duration, scheduler Timer, class F>
detail::timer_deadline_case<Clock, Duration, Timer, std::decay_t<F>> on_deadline(
    std::chrono::time_point<Clock, Duration> tp, Timer& timer, F&& handler) {
  return {{tp, std::forward<F>(handler)}, &timer};
}
template <class F>
detail::default_case<std::decay_t<F>> on_default(F&& handler) {
  return {std::forward<F>(handler)};
}

// Fair select: cases tried and registered in a random order. Returns the index of the case that fired.
template <class... Cases>
std::size_t select(Cases&&... cases) {
  return detail::select_impl<true>(std::forward<Cases>(cases)...);
}
// Biased select: cases tried in the order written.
template <class... Cases>
std::size_t select_biased(Cases&&... cases) {
  return detail::select_impl<false>(std::forward<Cases>(cases)...);
}

}  // namespace sluice
