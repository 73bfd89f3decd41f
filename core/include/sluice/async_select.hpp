// sluice/async_select.hpp — select for coroutines: co_await over receive and send cases.
//
//   std::size_t fired = co_await sluice::async_select(
//       sluice::on_recv(rx_a, [](sluice::recv_result<int> r) { ... }),
//       sluice::on_send(tx_b, msg, [](sluice::send_result<Msg> r) { ... }),
//       sluice::on_timeout(50ms, timer, [] { ... }));   // or on_deadline(tp, timer, f), on_default(f)
//   co_await sluice::async_select(timer, sluice::on_recv(rx, f), sluice::on_recv(beat, g),
//                                 sluice::on_timeout(1s, h));   // timer cases (sources.hpp)
//
// The cases are select.hpp's; the semantics are select()'s: exactly one case fires (its
// operation completes, or fails with closed, and its handler runs, on the coroutine's side,
// before co_await returns), every other case leaves its channel as it was; the result is the
// index of the case that fired (the number of channel cases for the timeout or default case).
// Fair (random order, select.hpp) by default; async_select_biased() uses the order written;
// on_default is linearizable as select()'s is.
// A timeout or deadline case, and a timer case (sources.hpp: after, tick), need the caller's
// timer (sluice::timer_scheduler): sluice has no timer thread (async_timer.hpp). Give it as the
// first argument, async_select(timer, cases...), or with the timeout/deadline case (on_timeout(d,
// timer, f)), not both. One deadline task per wait wakes the select at the earlier of the
// deadline and the first timer case's instant (async_timer.hpp's select_timer, shared with the
// coroutine selector); with a default case the select never waits, and needs no timer.
// A switched-off case (select.hpp) is as in select(); async_select() throws at once when
// select() would.
// Why a separate name and not `co_await sluice::select(...)`: select() runs at once and blocks
// its thread; an awaitable must not start before it is awaited. Naming it like async_recv
// keeps the blocking call cheap and the two unmistakable.
//
// Cancel-safety: destroying a coroutine suspended in async_select (or never awaiting the
// returned operation) fires no case and leaves every channel as it was — a message a send case
// holds is destroyed with the operation, unless a rendezvous receiver already took it, in
// which case the send counts as delivered (its handler does not run). Receive cases never
// take a message they cannot deliver: a rendezvous receive waits as an observer (zero.hpp).
// Resumption follows async.hpp (the awaiting promise's scheduler, else the waking thread).
// Lifetimes: async_select() clones the handle of every case when it is called (the returned
// operation owns the clones, as async_recv/async_send own theirs), so the caller's handles may
// go before the co_await; the channels stay alive, and open on those sides, until the
// operation is destroyed.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

#include "sluice/async.hpp"
#include "sluice/detail/async_port_wait.hpp"
#include "sluice/detail/async_timer.hpp"
#include "sluice/select.hpp"

namespace sluice {
namespace detail {

// The timer a select was given, type-erased with its instant unset (select_timer sets it): the
// first argument of async_select(timer, cases...), else the one a timeout or deadline case
// carries, else none.
template <class P, class Timer>
deadline_spec<P> timer_spec_of(Timer* timer) {
  if constexpr (std::is_void_v<Timer>) {
    return {};
  } else {
    static_assert(timer_scheduler<Timer, typename P::clock>,
                  "sluice::async_select: the timer must offer schedule_at(time_point, coroutine_handle<>)");
    return deadline_spec<P>::of(typename P::clock::time_point{}, *timer);
  }
}
// The timer type the extra case (if any) carries, or void.
template <class... Extra>
struct carried_timer {
  using type = void;
};
template <class Extra>
  requires is_deadline_case_v<Extra>
struct carried_timer<Extra> {
  using type = typename Extra::deadline_timer;
};

// A case whose own instant makes it ready (a timer source, sources.hpp): it needs a timer to
// wake the coroutine.
template <class C>
inline constexpr bool has_wake_v = requires(const C& c) { case_state<C>::wake_at(c); };

// A case that owns a clone of its handle (switchable_case.hpp's owned_handle); a switchable
// case an empty clone when off.
template <class T, class P, class F, bool Send, class R>
auto owning_case(chan_case<T, P, F, Send, R>&& c) {
  using H = typename chan_case<T, P, F, Send, R>::handle_type;
  return chan_case<T, P, F, Send, owned_handle<H, switchable<R>>>{
      {case_on(c) ? H(*c.h) : H()}, std::move(c.msg), std::move(c.handler)};
}

template <class P, bool Fair, class... Chans, class... Extra>
async_op<std::size_t, P> async_select_body(deadline_spec<P> timer_spec, std::tuple<Chans...> cases,
                                           std::tuple<Extra...> extras) {
  constexpr std::size_t n = sizeof...(Chans);
  using states_t = std::tuple<case_state<Chans>...>;
  using time_point = typename P::clock::time_point;
  states_t states;
  using table_t = tuple_case_table<std::tuple<Chans...>, states_t>;
  table_t table{cases, states, wait_mode::coroutine};  // a rendezvous receive waits as an observer (zero.hpp)
  constexpr bool has_default = (is_default_case_v<Extra> || ...);
  constexpr bool has_deadline = (is_deadline_case_v<Extra> || ...);
  time_point deadline = time_point::max();
  if constexpr (has_deadline) deadline = std::get<0>(extras).template platform_deadline<P>();
  // With a default case the wait only probes (select.hpp [D1]): it never suspends, so it needs
  // no timer.
  const std::optional<time_point> wake = has_default ? std::nullopt : earliest_wake<P>(cases, states);
  select_timer<P> timer(has_default ? deadline_spec<P>{} : timer_spec, deadline, wake ? &*wake : nullptr);

  const std::array<std::size_t, n> order = case_order<P, n, Fair>();
  std::optional<std::size_t> woken;  // a claim that woke the last wait without completing it
  for (;;) {
    if (const std::optional<pass_result> r =
            try_pass(order.data(), n, woken, [&](std::size_t i) { return table.try_now(i); })) {
      table.fire(r->index, r->st);
      co_return r->index;
    }
    if (timer.deadline_passed()) {
      if constexpr (has_deadline) std::get<0>(extras).handler();
      co_return n;
    }
    const auto got = co_await port_wait<P, n, table_t>(table, order.data(), nullptr, timer.guard(),
                                                       /*probe=*/has_default);
    if (has_default ? got.sel == sel_timed_out : timer.timed_out(got.sel)) {
      if constexpr (has_deadline || has_default) std::get<0>(extras).handler();
      co_return n;
    }
    if (got.settled) {
      table.fire(*got.claimed, *got.settled);
      co_return *got.claimed;
    }
    woken = got.claimed;
  }
}

template <bool Fair, class Timer, class... Cases>
auto async_select_impl(Timer* timer, Cases&&... cases) {
  using all_t = std::tuple<std::remove_cvref_t<Cases>...>;
  all_t all(std::forward<Cases>(cases)...);
  return split_cases("sluice::async_select", all, [&]<std::size_t... I, std::size_t... J>(std::index_sequence<I...>,
                                                                                            std::index_sequence<J...>) {
    using P = cases_platform<all_t>;
    using carried = typename carried_timer<std::tuple_element_t<J, all_t>...>::type;
    constexpr bool has_default = (is_default_case_v<std::tuple_element_t<J, all_t>> || ...);
    constexpr bool has_deadline = (is_deadline_case_v<std::tuple_element_t<J, all_t>> || ...);
    constexpr bool has_timer = !std::is_void_v<Timer> || !std::is_void_v<carried>;
    static_assert(std::is_void_v<Timer> || std::is_void_v<carried>,
                  "sluice::async_select: give the timer once: async_select(timer, ..., on_timeout(d, f))");
    static_assert(!has_deadline || has_timer,
                  "sluice::async_select: a timeout or deadline case needs the caller's timer: "
                  "async_select(timer, ...), or on_timeout(d, timer, f) / on_deadline(tp, timer, f)");
    static_assert(!(has_wake_v<std::tuple_element_t<I, all_t>> || ...) || has_timer || has_default,
                  "sluice::async_select: a timer case (after, tick) needs the caller's timer: "
                  "async_select(timer, cases...)");
    deadline_spec<P> spec = timer_spec_of<P>(timer);
    if constexpr (!std::is_void_v<carried>) spec = timer_spec_of<P>((std::get<J>(all).timer, ...));
    return async_select_body<P, Fair>(
        spec, std::tuple<decltype(owning_case(std::move(std::get<I>(all))))...>(owning_case(std::move(std::get<I>(all)))...),
        std::tuple<std::tuple_element_t<J, all_t>...>(std::move(std::get<J>(all))...));
  });
}

// Whether the first argument of async_select is a case (else: the caller's timer).
template <class C, class D = std::remove_cvref_t<C>>
concept select_case_arg = case_traits<D>::is_channel || is_default_case_v<D> || is_deadline_case_v<D>;

}  // namespace detail

// Fair async select: cases tried and registered in a random order. co_await it; the result is the index of
// the case that fired.
template <class... Cases>
auto async_select(Cases&&... cases) {
  return detail::async_select_impl<true>(static_cast<void*>(nullptr), std::forward<Cases>(cases)...);
}
// The same, with the caller's timer (sluice::timer_scheduler): it wakes the select at a timer
// case's instant (after, tick) and keeps a timeout or deadline case given without one.
template <scheduler Timer, class... Cases>
  requires(!detail::select_case_arg<Timer>)
auto async_select(Timer& timer, Cases&&... cases) {
  return detail::async_select_impl<true>(&timer, std::forward<Cases>(cases)...);
}
// Biased async select: cases tried in the order written.
template <class... Cases>
auto async_select_biased(Cases&&... cases) {
  return detail::async_select_impl<false>(static_cast<void*>(nullptr), std::forward<Cases>(cases)...);
}
template <scheduler Timer, class... Cases>
  requires(!detail::select_case_arg<Timer>)
auto async_select_biased(Timer& timer, Cases&&... cases) {
  return detail::async_select_impl<false>(&timer, std::forward<Cases>(cases)...);
}

}  // namespace sluice
