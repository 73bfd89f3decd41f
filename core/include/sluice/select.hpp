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
// after a wait, a select woken by one case's peer tries that case first (try_pass,
// detail/wait_port.hpp: the wake-up is that case's, FINDING-3), the others in the same order;
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
// Why a variadic function beside the builder (selector.hpp, crossbeam's Select): the cases of a
// C++ select usually have different message types, which a variadic call keeps typed with no
// type erasure and no allocation; the builder dispatches through a virtual table per case.
//
// Algorithm (crossbeam-channel's select, credited by name): the thread engine over one port
// per case (detail/blocking.hpp): try every case, else register one waiter on every channel,
// re-check, park; the first claimer decides the case.
// Happens-before: as for the channel operations (channel.hpp).
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
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

// A receive (Send false) or send case. It reaches its handle through `Ref`: a pointer for
// select() (the handle outlives the call), an owned_handle for async_select (async_select.hpp:
// the operation owns a clone), a switchable one for the pointer forms (switchable_case.hpp).
template <class T, class P, class F, bool Send, class Ref>
struct chan_case {
  using handle_type = std::conditional_t<Send, basic_sender<T, P>, basic_receiver<T, P>>;
  Ref h;
  [[no_unique_address]] std::conditional_t<Send, stored_t<T, P>, no_msg> msg;
  F handler;
};
template <class T, class P, class F, class Ref = const basic_receiver<T, P>*>
using recv_case = chan_case<T, P, F, false, Ref>;
template <class T, class P, class F, class Ref = const basic_sender<T, P>*>
using send_case = chan_case<T, P, F, true, Ref>;
// A timeout (When: a duration, from the select's start) or deadline (a time point) case; with
// a Timer (the caller's timer_scheduler), for async_select (async_select.hpp): the blocking
// select accepts it too and ignores the timer.
template <class When, class F, class Timer = void>
struct deadline_case {
  using deadline_timer = Timer;  // marks a deadline case
  When when;
  F handler;
  Timer* timer = nullptr;
  template <class P>
  typename P::clock::time_point platform_deadline() const {
    if constexpr (requires { when.time_since_epoch(); })
      return to_platform_time<P>(when);
    else
      return deadline_after<P>(when);
  }
};
template <class F>
struct default_case {
  F handler;
};

template <class C>
struct case_traits {
  static constexpr bool is_channel = false;
};
template <class T, class P, class F, bool Send, class R>
struct case_traits<chan_case<T, P, F, Send, R>> {
  static constexpr bool is_channel = true, is_send = Send;
  using platform = P;
};
template <class C>
inline constexpr bool is_deadline_case_v = requires { typename C::deadline_timer; };
template <class C>
inline constexpr bool is_default_case_v = false;
template <class F>
inline constexpr bool is_default_case_v<default_case<F>> = true;

// A case's switchable form (the pointer forms of on_recv/on_send): built from the case a
// reference form makes, or off.
template <class C>
struct switched;
template <class T, class P, class F, bool Send, class R>
struct switched<chan_case<T, P, F, Send, R>> {
  using type = chan_case<T, P, F, Send, switchable_ref<typename chan_case<T, P, F, Send, R>::handle_type>>;
  static type on(chan_case<T, P, F, Send, R>&& c) { return {{c.h}, std::move(c.msg), std::move(c.handler)}; }
  template <class G, class... U>
  static type off(G&& handler, U&&... msg) {
    if constexpr (Send)
      return {{nullptr}, to_stored<T, P>(std::forward<U>(msg)...), std::forward<G>(handler)};
    else
      return {{nullptr}, {}, std::forward<G>(handler)};
  }
};

// Per-case state across one select: the case's wait port (channel/any_port.hpp, made by
// bound_port() when the select first registers, and kept: it may hold a packet that must not
// move; a try needs no port), a receive's destination, the outcome.
template <class C>
struct case_state;

template <class T, class P, class F, bool Send, class R>
struct case_state<chan_case<T, P, F, Send, R>> {
  using C = chan_case<T, P, F, Send, R>;
  using S = stored_t<T, P>;
  // User-provided: value-initializing a select's tuple of states must not zero them (an
  // aggregate would be zero-filled first: a rep stos over every port, and over `out`).
  case_state() noexcept {}
  // A receive's destination: a rendezvous sender moves straight into it (zero.hpp).
  [[no_unique_address]] std::conditional_t<Send, no_msg, uninit<S>> out;
  std::optional<any_port<T, P, Send>> port;
  std::optional<status> outcome;
  [[no_unique_address]] off_port_for<P, R> off;

  // What the try and the port work on: the message being sent, or the destination.
  auto& buffer(C& c) noexcept {
    if constexpr (Send)
      return c.msg;
    else
      return out;
  }
  std::optional<status> try_now(C& c) {
    if constexpr (switchable<R>)
      if (!c.h.on()) return std::nullopt;
    return try_through<Send>(c.h->ref(), buffer(c));
  }
  dyn_port<P>& bound_port(C& c, wait_mode mode) {
    if constexpr (switchable<R>)
      if (!c.h.on()) return off;
    if (!port) port.emplace(c.h->ref(), buffer(c), mode);
    return port->port();
  }
  // Not inlined: a handler's argument holds the message by value, and clang gives each inlined
  // fire of a select its own stack slot for it (a 1 MiB message took 2 MiB over two cases).
  [[gnu::noinline]] void fire(C& c) {
    if constexpr (Send)
      c.handler(*outcome == status::ok ? send_result<T>()
                                       : send_result<T>(handed_back<T, P>(to_errc(*outcome), c.msg)));
    else if (*outcome == status::ok)
      c.handler(recv_result<T>(take_received<T, P>(out)));
    else
      c.handler(recv_result<T>(in_place_error, to_errc(*outcome)));
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
std::size_t run_select(std::tuple<Chans&...> cases, std::tuple<Extra&...> extras) {
  constexpr std::size_t n = sizeof...(Chans);
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

// The arguments of select/async_select (`what`), as a tuple `all`: checks that the channel
// cases come first and at most one timeout, deadline or default case last, and that a select
// with no such case has a case on (switchable_case.hpp); then returns fn(the channel cases'
// indices, the extra case's), each an index_sequence.
template <class All, class Fn>
decltype(auto) split_cases(const char* what, All& all, Fn&& fn) {
  constexpr std::size_t total = std::tuple_size_v<All>;
  constexpr std::size_t channels = []<std::size_t... K>(std::index_sequence<K...>) {
    return (std::size_t{0} + ... + (case_traits<std::tuple_element_t<K, All>>::is_channel ? 1 : 0));
  }(std::make_index_sequence<total>{});
  static_assert(channels >= 1, "sluice::select, async_select: at least one receive or send case");
  static_assert(channels + 1 >= total, "sluice::select, async_select: at most one timeout, deadline or default case");
  return [&]<std::size_t... I, std::size_t... J>(std::index_sequence<I...> chans, std::index_sequence<J...>) {
    static_assert((case_traits<std::tuple_element_t<I, All>>::is_channel && ...),
                  "sluice::select, async_select: put the timeout, deadline or default case last");
    if constexpr (total == channels) require_a_case_on(what, std::get<I>(all)...);
    return fn(chans, std::index_sequence<channels + J...>{});
  }(std::make_index_sequence<channels>{}, std::make_index_sequence<total - channels>{});
}
// The platform of a select's cases (the first is a channel case).
template <class All>
using cases_platform = typename case_traits<std::tuple_element_t<0, All>>::platform;

template <bool Fair, class... Cases>
std::size_t select_impl(Cases&&... cases) {
  std::tuple<std::remove_cvref_t<Cases>...> all(std::forward<Cases>(cases)...);
  return split_cases("sluice::select", all, [&]<std::size_t... I, std::size_t... J>(std::index_sequence<I...>,
                                                                                      std::index_sequence<J...>) {
    return run_select<cases_platform<decltype(all)>, Fair>(std::tie(std::get<I>(all)...), std::tie(std::get<J>(all)...));
  });
}

}  // namespace detail

template <class T, platform P, class F>
detail::recv_case<T, P, std::decay_t<F>> on_recv(const basic_receiver<T, P>& rx, F&& handler) {
  if (!rx) throw empty_handle_error("select: on_recv");
  return {&rx, {}, std::forward<F>(handler)};
}
template <class T, platform P, class U, class F>
detail::send_case<T, P, std::decay_t<F>> on_send(const basic_sender<T, P>& tx, U&& msg, F&& handler) {
  if (!tx) throw empty_handle_error("select: on_send");
  return {&tx, detail::to_stored<T, P>(std::forward<U>(msg)), std::forward<F>(handler)};
}
// A case that may be switched off at run time (see the header): off when the pointer is null or
// its handle empty (moved from, default-constructed). Any handle the reference forms take.
template <class H, class F, class C = decltype(on_recv(std::declval<const H&>(), std::declval<F>()))>
typename detail::switched<C>::type on_recv(const H* rx, F&& handler) {
  if (!rx || !*rx) return detail::switched<C>::off(std::forward<F>(handler));
  return detail::switched<C>::on(on_recv(*rx, std::forward<F>(handler)));
}
template <class H, class U, class F,
          class C = decltype(on_send(std::declval<const H&>(), std::declval<U>(), std::declval<F>()))>
typename detail::switched<C>::type on_send(const H* tx, U&& msg, F&& handler) {
  if (!tx || !*tx) return detail::switched<C>::off(std::forward<F>(handler), std::forward<U>(msg));
  return detail::switched<C>::on(on_send(*tx, std::forward<U>(msg), std::forward<F>(handler)));
}
// The deadline is taken when select() starts, on the channels' platform clock.
template <class Rep, class Period, class F>
detail::deadline_case<std::chrono::duration<Rep, Period>, std::decay_t<F>> on_timeout(
    std::chrono::duration<Rep, Period> d, F&& handler) {
  return {d, std::forward<F>(handler), nullptr};
}
template <class Clock, class Duration, class F>
detail::deadline_case<std::chrono::time_point<Clock, Duration>, std::decay_t<F>> on_deadline(
    std::chrono::time_point<Clock, Duration> tp, F&& handler) {
  return {tp, std::forward<F>(handler), nullptr};
}
// The same, with the caller's timer (sluice::timer_scheduler) keeping the deadline: needed by
// async_select (async_select.hpp), accepted by select.
template <class Rep, class Period, scheduler Timer, class F>
detail::deadline_case<std::chrono::duration<Rep, Period>, std::decay_t<F>, Timer> on_timeout(
    std::chrono::duration<Rep, Period> d, Timer& timer, F&& handler) {
  return {d, std::forward<F>(handler), &timer};
}
template <class Clock, class Duration, scheduler Timer, class F>
detail::deadline_case<std::chrono::time_point<Clock, Duration>, std::decay_t<F>, Timer> on_deadline(
    std::chrono::time_point<Clock, Duration> tp, Timer& timer, F&& handler) {
  return {tp, std::forward<F>(handler), &timer};
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
