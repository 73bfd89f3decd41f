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
// Why a variadic function and not a builder (crossbeam's Select, flume's Selector): the cases
// of a C++ select usually have different message types, which a variadic call keeps typed with
// no type erasure and no allocation; a builder would need virtual dispatch per case.
//
// Algorithm (crossbeam-channel's select, credited by name): try every case; if none is ready,
// register ONE waiter in the wait list of every case's channel, re-check readiness, park. The
// first party to claim the waiter (waiter.hpp [W1]) wins for its case. For bounded and
// unbounded channels a claim means "retry": the loop tries every case again. For rendezvous
// channels the claimer has already completed the hand-off through the case's packet, so that
// case fires. After waking, every registration that was not claimed is removed; a rendezvous
// send case takes its message back from its packet.
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
#include "sluice/detail/select_random.hpp"
#include "sluice/detail/status.hpp"

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

// Per-case state across one select: the flavor's token/packet, the outcome.
template <class C>
struct case_state;

template <class T, class P, class F, class R>
struct case_state<recv_case<T, P, F, R>> {
  using S = stored_t<T, P>;
  uninit<S> out;
  typename zero_flavor<S, P>::packet packet{out};  // a rendezvous sender moves straight into `out`
  std::optional<status> outcome;
  bool observer = false;  // async select: a rendezvous receive waits as an observer (zero.hpp)

  bool try_now(recv_case<T, P, F, R>& c) {
    return c.rx->ref().visit([&](auto& st) {
      const status s = st.chan.try_recv(out);
      if (s == status::empty) return false;
      outcome = s;
      return true;
    });
  }
  // Registers; returns whether the case is ready now.
  bool enroll(recv_case<T, P, F, R>& c, wait_entry<P>& e) {
    return c.rx->ref().visit([&](auto& st) {
      if constexpr (is_zero<std::remove_cvref_t<decltype(st)>>) {
        return st.chan.register_recv(e, observer ? nullptr : &packet);
      } else {
        st.chan.receivers().register_entry(e);
        return false;
      }
    });
  }
  bool ready(recv_case<T, P, F, R>& c) {
    return c.rx->ref().visit([&](auto& st) {
      if constexpr (is_zero<std::remove_cvref_t<decltype(st)>>)
        return false;  // decided under the lock by register_recv
      else
        return st.chan.recv_ready();
    });
  }
  void withdraw(recv_case<T, P, F, R>& c, wait_entry<P>& e) {
    c.rx->ref().visit([&](auto& st) {
      if constexpr (is_zero<std::remove_cvref_t<decltype(st)>>)
        st.chan.unregister_recv(e);
      else
        st.chan.receivers().unregister_entry(e);
    });
  }
  // After this case's entry was claimed: does the claim complete it (rendezvous hand-off)?
  bool complete_on_claim(recv_case<T, P, F, R>& c) {
    return c.rx->ref().visit([&](auto& st) {
      if constexpr (is_zero<std::remove_cvref_t<decltype(st)>>) {
        if (observer) return false;  // woken to retry, not handed a message
        zero_flavor<S, P>::complete_recv(packet, out);
        outcome = status::ok;
        return true;
      } else {
        return false;
      }
    });
  }
  // A claim this case cannot use (its async select is being destroyed) goes to the next waiter.
  void forward_wakeup(recv_case<T, P, F, R>& c) {
    c.rx->ref().visit([&](auto& st) {
      if constexpr (is_zero<std::remove_cvref_t<decltype(st)>>)
        st.chan.wake_observer();
      else
        st.chan.receivers().notify_one();
    });
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
  template <class State>
  static constexpr bool is_zero = std::is_same_v<State, zero_state<T, P>>;
};

template <class T, class P, class F, class R>
struct case_state<send_case<T, P, F, R>> {
  using S = stored_t<T, P>;
  typename zero_flavor<S, P>::packet packet;
  std::optional<status> outcome;

  bool try_now(send_case<T, P, F, R>& c) {
    return c.tx->ref().visit([&](auto& st) {
      const status s = st.chan.try_send(c.msg);
      if (s == status::full) return false;
      outcome = s;
      return true;
    });
  }
  bool enroll(send_case<T, P, F, R>& c, wait_entry<P>& e) {
    return c.tx->ref().visit([&](auto& st) {
      if constexpr (is_zero<std::remove_cvref_t<decltype(st)>>) {
        return st.chan.register_send(e, packet, c.msg);
      } else if constexpr (std::is_same_v<std::remove_cvref_t<decltype(st)>, list_state<T, P>>) {
        (void)e;
        return true;  // an unbounded channel is always ready to send
      } else {
        st.chan.senders().register_entry(e);
        return false;
      }
    });
  }
  bool ready(send_case<T, P, F, R>& c) {
    return c.tx->ref().visit([&](auto& st) {
      if constexpr (is_zero<std::remove_cvref_t<decltype(st)>>)
        return false;
      else
        return st.chan.send_ready();
    });
  }
  void withdraw(send_case<T, P, F, R>& c, wait_entry<P>& e) {
    c.tx->ref().visit([&](auto& st) {
      if constexpr (is_zero<std::remove_cvref_t<decltype(st)>>)
        st.chan.unregister_send(e, packet, c.msg);
      else if constexpr (!std::is_same_v<std::remove_cvref_t<decltype(st)>, list_state<T, P>>)
        st.chan.senders().unregister_entry(e);
    });
  }
  bool complete_on_claim(send_case<T, P, F, R>& c) {
    return c.tx->ref().visit([&](auto& st) {
      if constexpr (is_zero<std::remove_cvref_t<decltype(st)>>) {
        outcome = status::ok;  // the receiver took the message from our packet
        return true;
      } else {
        return false;
      }
    });
  }
  // A claim this case cannot use goes to the next waiter. (A rendezvous claim took the message:
  // the send counts as delivered, there is nothing to pass on.)
  void forward_wakeup(send_case<T, P, F, R>& c) {
    c.tx->ref().visit([&](auto& st) {
      using state = std::remove_cvref_t<decltype(st)>;
      if constexpr (!is_zero<state> && !std::is_same_v<state, list_state<T, P>>) st.chan.senders().notify_one();
    });
  }
  [[gnu::noinline]] void fire(send_case<T, P, F, R>& c) {  // not inlined: see the receive case
    if (*outcome == status::ok)
      c.handler(send_result<T>());
    else
      c.handler(send_result<T>(in_place_error, construct_with, [&] {
        return send_error<T>{to_errc(*outcome), from_stored<T, P>(std::move(c.msg))};
      }));
  }
  template <class State>
  static constexpr bool is_zero = std::is_same_v<State, zero_state<T, P>>;
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

// The blocking select engine over n channel cases, reached through a table (the variadic
// select's tuple below, or a selector's cases: selector.hpp) that offers, per case index,
// try_now, enroll, ready, withdraw, complete_on_claim and fire. `order` is the order cases are
// tried and registered in; `entries` holds one wait entry per case. Returns the index of the
// case that fired, or nullopt when the default case (has_default) or the deadline won instead:
// running that handler is the caller's.
template <class P, class Table>
std::optional<std::size_t> run_cases(Table& t, const std::size_t* order, wait_entry<P>* entries, std::size_t n,
                                     bool has_default, const typename P::clock::time_point* deadline) {
  for (;;) {
    for (std::size_t k = 0; k < n; ++k) {
      if (t.try_now(order[k])) {
        t.fire(order[k]);
        return order[k];
      }
    }
    if (deadline && P::clock::now() >= *deadline) return std::nullopt;

    waiter<P> w;
    bool ready = false;
    // In `order`: a rendezvous partner takes the oldest registration, so registering in the
    // order written would always give it the first of two cases on one channel.
    for (std::size_t k = 0; k < n; ++k) {
      wait_entry<P>& e = entries[order[k]];
      e = wait_entry<P>{};
      e.w = &w;
      ready |= t.enroll(order[k], e);
    }
    P::test_delay();  // race window: a partner arrives between the tries and the registrations
    for (std::size_t k = 0; k < n && !ready; ++k) ready = t.ready(order[k]);
    if (ready)
      w.try_select_self(sel_aborted);
    else if (has_default)
      w.try_select_self(sel_timed_out);  // [D1] no case ready now (see the header); fails if claimed
    const std::uintptr_t sel = w.wait_until(deadline);

    std::optional<std::size_t> claimed;
    for (std::size_t i = 0; i < n; ++i) {
      if (entries[i].operation() == sel)
        claimed = i;  // the claimer dequeued it
      else
        t.withdraw(i, entries[i]);
    }
    if (has_default && sel == sel_timed_out) return std::nullopt;
    if (claimed && t.complete_on_claim(*claimed)) {
      t.fire(*claimed);
      return *claimed;
    }
  }
}

// The variadic select's table: a tuple of cases and their per-select states.
template <class Cases, class States>
struct tuple_case_table {
  using seq = std::make_index_sequence<std::tuple_size_v<Cases>>;
  Cases& cases;
  States& states;
  bool try_now(std::size_t i) { return with_case(cases, states, i, [](auto& c, auto& s) { return s.try_now(c); }, seq{}); }
  void fire(std::size_t i) { with_case(cases, states, i, [](auto& c, auto& s) { s.fire(c); }, seq{}); }
  template <class E>
  bool enroll(std::size_t i, E& e) {
    return with_case(cases, states, i, [&](auto& c, auto& s) { return s.enroll(c, e); }, seq{});
  }
  bool ready(std::size_t i) { return with_case(cases, states, i, [](auto& c, auto& s) { return s.ready(c); }, seq{}); }
  template <class E>
  void withdraw(std::size_t i, E& e) {
    with_case(cases, states, i, [&](auto& c, auto& s) { s.withdraw(c, e); }, seq{});
  }
  bool complete_on_claim(std::size_t i) {
    return with_case(cases, states, i, [](auto& c, auto& s) { return s.complete_on_claim(c); }, seq{});
  }
};

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
  wait_entry<P> entries[n];
  tuple_case_table<std::tuple<Chans&...>, std::tuple<case_state<Chans>...>> table{cases, states};
  const std::optional<std::size_t> fired =
      run_cases<P>(table, order.data(), entries, n, has_default, deadline ? &*deadline : nullptr);
  if constexpr (sizeof...(Extra) == 0) {
    return *fired;  // with no default or deadline, a channel case always fires
  } else {
    if (fired) return *fired;
    std::get<0>(extras).handler();
    return n;
  }
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
