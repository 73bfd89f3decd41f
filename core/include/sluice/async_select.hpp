// sluice/async_select.hpp — select for coroutines: co_await over receive and send cases.
//
//   std::size_t fired = co_await sluice::async_select(
//       sluice::on_recv(rx_a, [](sluice::recv_result<int> r) { ... }),
//       sluice::on_send(tx_b, msg, [](sluice::send_result<Msg> r) { ... }),
//       sluice::on_timeout(50ms, timer, [] { ... }));   // or on_deadline(tp, timer, f), on_default(f)
//
// The cases are select.hpp's; the semantics are select()'s: exactly one case fires (its
// operation completes, or fails with closed, and its handler runs, on the coroutine's side,
// before co_await returns), every other case leaves its channel as it was; the result is the
// index of the case that fired (the number of channel cases for the timeout or default case).
// Fair (random order, select.hpp) by default; async_select_biased() uses the order written;
// on_default is linearizable as select()'s is.
// A timeout or deadline case needs the caller's timer (sluice::timer_scheduler): sluice has no
// timer thread (async_timer.hpp).
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
#include <cstdint>
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

template <class P, class Extra>
deadline_spec<P> spec_of(Extra& extra) {
  if constexpr (is_timer_case_v<Extra>) {
    static_assert(timer_scheduler<std::remove_cvref_t<decltype(*extra.timer)>, typename P::clock>,
                  "sluice::async_select: the timer must offer schedule_at(time_point, coroutine_handle<>)");
    return deadline_spec<P>::of(extra.template platform_deadline<P>(), *extra.timer);
  } else {
    static_assert(!is_deadline_case_v<Extra>,
                  "sluice::async_select: a timeout or deadline case needs the caller's timer: "
                  "on_timeout(d, timer, f) or on_deadline(tp, timer, f)");
    return {};
  }
}

// A case that owns a clone of its handle (select.hpp's owned_handle).
template <class T, class P, class F>
recv_case<T, P, F, owned_handle<basic_receiver<T, P>>> owning_case(recv_case<T, P, F>&& c) {
  return {{*c.rx}, std::move(c.handler)};
}
template <class T, class P, class F>
send_case<T, P, F, owned_handle<basic_sender<T, P>>> owning_case(send_case<T, P, F>&& c) {
  return {{*c.tx}, std::move(c.msg), std::move(c.handler)};
}

template <class P, bool Fair, class... Chans, class... Extra>
async_op<std::size_t, P> async_select_body(std::tuple<Chans...> cases, std::tuple<Extra...> extras) {
  constexpr std::size_t n = sizeof...(Chans);
  using states_t = std::tuple<case_state<Chans>...>;
  states_t states;
  using table_t = tuple_case_table<std::tuple<Chans...>, states_t>;
  table_t table{cases, states, wait_mode::coroutine};  // a rendezvous receive waits as an observer (zero.hpp)
  constexpr bool has_default = (is_default_case_v<Extra> || ...);
  constexpr bool has_deadline = (is_deadline_case_v<Extra> || ...);
  deadline_spec<P> spec;
  if constexpr (has_deadline) spec = spec_of<P>(std::get<0>(extras));
  deadline_guard<P> guard(spec);

  const std::array<std::size_t, n> order = case_order<P, n, Fair>();
  for (;;) {
    for (const std::size_t i : order) {
      if (const std::optional<status> st = table.try_now(i)) {
        table.fire(i, *st);
        co_return i;
      }
    }
    if constexpr (has_deadline) {
      if (guard.passed()) {
        std::get<0>(extras).handler();
        co_return n;
      }
    }
    // With a default case the wait only probes (select.hpp [D1]): it never suspends unclaimed.
    const auto got = co_await port_wait<P, n, table_t>(table, order.data(), nullptr,
                                                       has_deadline ? &guard : nullptr, /*probe=*/has_default);
    if (got.sel == sel_timed_out) {
      if constexpr (has_deadline || has_default) std::get<0>(extras).handler();
      co_return n;
    }
    if (got.settled) {
      table.fire(*got.claimed, *got.settled);
      co_return *got.claimed;
    }
  }
}

template <bool Fair, class... Cases>
auto async_select_impl(Cases&&... cases) {
  using all = std::tuple<std::remove_cvref_t<Cases>...>;
  constexpr std::size_t total = sizeof...(Cases);
  constexpr std::size_t channels = count_channel_cases<std::remove_cvref_t<Cases>...>();
  static_assert(channels >= 1, "sluice::async_select: at least one receive or send case");
  static_assert(channels + 1 >= total, "sluice::async_select: at most one timeout, deadline or default case");
  all tuple(std::forward<Cases>(cases)...);
  return [&]<std::size_t... I, std::size_t... J>(std::index_sequence<I...>, std::index_sequence<J...>) {
    static_assert((case_traits<std::tuple_element_t<I, all>>::is_channel && ...),
                  "sluice::async_select: put the timeout, deadline or default case last");
    using P = typename first_platform<std::tuple_element_t<I, all>...>::type;
    return async_select_body<P, Fair>(
        std::tuple<decltype(owning_case(std::move(std::get<I>(tuple))))...>(owning_case(std::move(std::get<I>(tuple)))...),
        std::tuple<std::tuple_element_t<channels + J, all>...>(std::move(std::get<channels + J>(tuple))...));
  }(std::make_index_sequence<channels>{}, std::make_index_sequence<total - channels>{});
}

}  // namespace detail

// Fair async select: cases tried and registered in a random order. co_await it; the result is the index of
// the case that fired.
template <class... Cases>
auto async_select(Cases&&... cases) {
  return detail::async_select_impl<true>(std::forward<Cases>(cases)...);
}
// Biased async select: cases tried in the order written.
template <class... Cases>
auto async_select_biased(Cases&&... cases) {
  return detail::async_select_impl<false>(std::forward<Cases>(cases)...);
}

}  // namespace sluice
