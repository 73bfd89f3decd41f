// sluice/selector.hpp — select over a set of cases built at run time (crossbeam's `Select`).
//
//   sluice::selector sel;
//   std::vector<std::size_t> ids;
//   for (auto& rx : receivers)                                  // any number, any flavors
//     ids.push_back(sel.recv(rx, [&](sluice::recv_result<int> r) { ... }));
//   std::size_t fired = sel.select();                           // blocks; or try_select(),
//                                                               // select_timeout(d), select_deadline(tp)
//   std::size_t fired = co_await sel.async_select();            // a coroutine's, likewise
//   std::size_t fired = co_await sel.async_select(timer);       // with after/tick cases
//   std::size_t id = sel.ready();                               // a ready case, not completed
// Contract
// --------
// recv(rx, f) and send(tx, msg, f) add a case and return its id (ids are never reused);
// remove(id) takes a case out (Go's "set the channel to nil" idiom: a case switched off).
// select() runs exactly one ready case — its operation completes and its handler runs — and
// returns its id; every other case leaves its channel as it was. try_select() does that only
// if a case is ready now, select_timeout/select_deadline until the deadline; both return
// nullopt when no case fired. Semantics per case are the variadic select's (select.hpp): the
// fired case is uniform among the ready ones, registration order is random, handlers run on
// the selecting thread. A receive case stays armed for the next select(); a send case fires
// once (its message is then delivered, or handed back to its handler with the error) and is
// removed. The handles must outlive the selector; a selector is used by one thread at a time.
// select() with no case throws std::invalid_argument (it would block forever); with a
// deadline and no case it waits for the deadline.
//
// Cases: any receive or send handle select() accepts (on_recv/on_send: receivers, senders,
// the spsc/mpsc handles of spsc.hpp) and the sources of sources.hpp (never, after, tick).
// ready(), try_ready(), ready_timeout/ready_deadline (crossbeam's Select::ready): wait until
// some case is ready and return its id WITHOUT completing its operation (no handler runs);
// uniform among the ready cases as select() is. The operation may still fail when the caller
// then performs it (another party took the message or the slot first), as with crossbeam, and
// a ready() may report a case spuriously: perform the operation with a try form and loop. A
// receive case is ready when a message (or a disconnect) is there; a send case when there is
// room, a waiting receiver, or a disconnect. ready() registers as an observer (wait_port.hpp's
// wait_mode::observe): on a rendezvous channel its send case offers no message, so a receiver
// that arrives wakes it and waits for the send that follows. A coroutine receiver, which a
// try_send cannot pair with either (zero.hpp), does not make a rendezvous send case ready.
// async_select(), async_select_timeout(d, timer), async_select_deadline(tp, timer): select()
// for coroutines, on the coroutine engine (async_port_wait.hpp), with async_select.hpp's
// semantics (cancel-safety, resumption, a timeout on the caller's timer). The selector and its
// handles must outlive the operation, and the selector is not used while it is pending. A timer
// source (after, tick) fires when the caller's timer wakes the wait at its instant:
// async_select(timer) or the timeout forms; async_select() with one throws
// std::invalid_argument.
// Cost: one allocation per added case (the type-erased case and its state), none per select()
// once the selector's buffers have grown to the number of cases.
// Happens-before: as for the channel operations (channel.hpp).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include "sluice/async_select.hpp"
#include "sluice/detail/async_port_wait.hpp"
#include "sluice/detail/async_timer.hpp"
#include "sluice/scheduler.hpp"
#include "sluice/select.hpp"
#include "sluice/sources.hpp"
#include "sluice/spsc.hpp"

namespace sluice {

namespace detail {

// One case behind a virtual interface: its port and its handler, for the engines
// (blocking.hpp, async_port_wait.hpp) through dyn_case_table.
template <class P>
struct dyn_case {
  // Frees the case (allocated through P::allocate, as all of core's memory).
  virtual void destroy() noexcept = 0;
  virtual void reset(wait_mode mode) = 0;  // fresh per-select state; ports for waiters of `mode`
  virtual std::optional<status> try_now() = 0;
  virtual dyn_port<P>& port() = 0;  // made on first use in a select
  virtual void fire(status st) = 0;
  // A send case that has fired (its message is gone, or was handed back to its handler).
  virtual bool spent() const noexcept = 0;
  // The instant at which the case becomes ready by itself (a timer source), or null.
  virtual const typename P::clock::time_point* wake_at() const = 0;

 protected:
  ~dyn_case() = default;  // destroy() frees the concrete case
};

template <class C, class P>
struct dyn_case_of final : dyn_case<P> {
  explicit dyn_case_of(C c) : kase(std::move(c)) {}
  C kase;
  std::optional<case_state<C>> state;  // rebuilt by reset(): its port may hold a packet
  wait_mode mode = wait_mode::select;
  bool fired = false;

  void destroy() noexcept override { destroy_shared<dyn_case_of, P>(this, sizeof(dyn_case_of)); }
  void reset(wait_mode m) override {
    mode = m;
    state.emplace();
  }
  std::optional<status> try_now() override { return state->try_now(kase); }
  dyn_port<P>& port() override { return state->bound_port(kase, mode); }
  void fire(status st) override {
    fired = true;  // before the handler, which may throw
    state->outcome = st;
    state->fire(kase);
  }
  bool spent() const noexcept override { return case_traits<C>::is_send && fired; }
  const typename P::clock::time_point* wake_at() const override {
    if constexpr (requires { case_state<C>::wake_at(kase); })
      return case_state<C>::wake_at(kase);
    else
      return nullptr;
  }
};

template <class P>
struct dyn_case_table {
  dyn_case<P>* const* cases;
  std::optional<status> try_now(std::size_t i) { return cases[i]->try_now(); }
  template <class Fn>
  decltype(auto) at(std::size_t i, Fn&& fn) {
    return fn(cases[i]->port());
  }
};

// ready()'s table: the same ports, but a "try" only asks whether the case is ready (the port's
// re-check, or an earlier sign: its enroll found it ready, or a claim named its registration),
// and completes nothing. The ports are observers (wait_mode::observe): a rendezvous case
// registers without a packet, so no partner completes its operation (zero.hpp).
template <class P>
struct readiness_table {
  dyn_case<P>* const* cases;
  unsigned char* seen;  // per case: found ready while registered

  struct view : quiet_port {
    dyn_port<P>& port;
    unsigned char& seen;
    std::optional<status> try_now() {
      if (seen || port.ready()) return status::ok;
      return std::nullopt;
    }
    bool enroll(wait_entry<P>& e) {
      const bool r = port.enroll(e);
      if (r) seen = 1;
      return r;
    }
    bool ready() { return port.ready(); }
    void withdraw(wait_entry<P>& e) { port.withdraw(e); }
    // An observer's settle completes nothing: a result only says the channel closed.
    std::optional<status> settle(std::uintptr_t sel) {
      const bool closed = port.settle(sel).has_value();
      if (closed || sel >= sel_first_operation) seen = 1;
      // A wake-up meant for an operation the caller may never perform: pass it on, so that
      // another observer of this side is not left asleep (a spurious wake at worst).
      if (!closed && sel >= sel_first_operation) port.forward();
      return std::nullopt;
    }
    void forward() { port.forward(); }
  };

  std::optional<status> try_now(std::size_t i) {
    return at(i, [](view& v) { return v.try_now(); });
  }
  template <class Fn>
  decltype(auto) at(std::size_t i, Fn&& fn) {
    view v{{}, cases[i]->port(), seen[i]};
    return fn(v);
  }
};

}  // namespace detail

template <platform P>
class basic_selector {
  using time_point = typename P::clock::time_point;

 public:
  basic_selector() = default;
  basic_selector(const basic_selector&) = delete;
  basic_selector& operator=(const basic_selector&) = delete;
  basic_selector(basic_selector&&) noexcept = default;
  basic_selector& operator=(basic_selector&&) noexcept = default;

  // A case on any handle select() takes (see the header; an empty one throws
  // empty_handle_error), held by address.
  template <class H, class F>
  std::size_t recv(H& rx, F&& handler) {
    return add(on_recv(rx, std::forward<F>(handler)));
  }
  template <class H, class U, class F>
  std::size_t send(H& tx, U&& msg, F&& handler) {
    return add(on_send(tx, std::forward<U>(msg), std::forward<F>(handler)));
  }
  // Takes the case out; false if there is no such case (never added, fired once, or removed).
  bool remove(std::size_t id) noexcept {
    return std::erase_if(cases_, [id](const entry& e) { return e.id == id; }) != 0;
  }
  std::size_t size() const noexcept { return cases_.size(); }
  bool empty() const noexcept { return cases_.empty(); }

  std::size_t select() {
    if (cases_.empty()) throw std::invalid_argument("sluice::selector::select: no case (it would block forever)");
    return *run(false, false, nullptr);
  }
  std::optional<std::size_t> try_select() { return run(false, true, nullptr); }
  template <class Rep, class Period>
  std::optional<std::size_t> select_timeout(std::chrono::duration<Rep, Period> timeout) {
    return run_until(false, detail::deadline_after<P>(timeout));
  }
  template <class Clock, class Duration>
  std::optional<std::size_t> select_deadline(std::chrono::time_point<Clock, Duration> tp) {
    return run_until(false, detail::to_platform_time<P>(tp));
  }

  // The id of a ready case; its operation is not performed (see the header).
  std::size_t ready() {
    if (cases_.empty()) throw std::invalid_argument("sluice::selector::ready: no case (it would block forever)");
    return *run(true, false, nullptr);
  }
  std::optional<std::size_t> try_ready() { return run(true, true, nullptr); }
  template <class Rep, class Period>
  std::optional<std::size_t> ready_timeout(std::chrono::duration<Rep, Period> timeout) {
    return run_until(true, detail::deadline_after<P>(timeout));
  }
  template <class Clock, class Duration>
  std::optional<std::size_t> ready_deadline(std::chrono::time_point<Clock, Duration> tp) {
    return run_until(true, detail::to_platform_time<P>(tp));
  }

  // select() for a coroutine: co_await it; the result is the id of the case that fired. A timer
  // case (after, tick) needs the second form (see the header).
  detail::async_op<std::size_t, P> async_select() { return async_select_on({}); }
  template <timer_scheduler<typename P::clock> Timer>
  detail::async_op<std::size_t, P> async_select(Timer& timer) {
    return async_select_on(detail::timer_spec_of<P>(&timer));
  }
  // The same until the deadline, kept by the caller's timer; nullopt when no case fired.
  template <class Rep, class Period, timer_scheduler<typename P::clock> Timer>
  detail::async_op<std::optional<std::size_t>, P> async_select_timeout(std::chrono::duration<Rep, Period> timeout,
                                                                       Timer& timer) {
    return async_run<std::optional<std::size_t>>(detail::deadline_after<P>(timeout), detail::timer_spec_of<P>(&timer));
  }
  template <class Clock, class Duration, timer_scheduler<typename P::clock> Timer>
  detail::async_op<std::optional<std::size_t>, P> async_select_deadline(std::chrono::time_point<Clock, Duration> tp,
                                                                        Timer& timer) {
    return async_run<std::optional<std::size_t>>(detail::to_platform_time<P>(tp), detail::timer_spec_of<P>(&timer));
  }

 private:
  struct case_deleter {
    void operator()(detail::dyn_case<P>* c) const noexcept { c->destroy(); }
  };
  struct entry {
    std::size_t id;
    std::unique_ptr<detail::dyn_case<P>, case_deleter> c;
  };
  // Removes the send cases that fired, also when a handler throws: they never fire again.
  struct drop_spent {
    std::vector<entry>& cases;
    ~drop_spent() {
      std::erase_if(cases, [](const entry& e) { return e.c->spent(); });
    }
  };

  template <class C>
  std::size_t add(C&& c) {
    static_assert(std::is_same_v<typename detail::case_traits<std::decay_t<C>>::platform, P>,
                  "sluice::selector: a case on another platform's handle");
    using D = detail::dyn_case_of<std::decay_t<C>, P>;
    std::unique_ptr<detail::dyn_case<P>, case_deleter> dc(detail::create_shared<D, P>(sizeof(D), std::forward<C>(c)));
    cases_.push_back(entry{next_id_, std::move(dc)});
    // Room for a select over every case now, so select() does not allocate.
    active_.reserve(cases_.size());
    order_.reserve(cases_.size());
    entries_.reserve(cases_.size());
    seen_.reserve(cases_.size());
    return next_id_++;
  }

  // Fresh state for every case, in a uniformly random order (select_random.hpp); returns the
  // earliest instant a timer case becomes ready.
  std::optional<time_point> prepare(detail::wait_mode mode) {
    const std::size_t n = cases_.size();
    active_.clear();
    order_.clear();
    std::optional<time_point> wake;
    for (std::size_t i = 0; i < n; ++i) {
      cases_[i].c->reset(mode);
      active_.push_back(cases_[i].c.get());
      order_.push_back(i);
      if (const time_point* at = cases_[i].c->wake_at(); at && (!wake || *at < *wake)) wake = *at;
    }
    entries_.resize(n);
    detail::shuffle_order<P>(order_.data(), n);
    return wake;
  }

  std::optional<std::size_t> run_until(bool ready_only, time_point deadline) { return run(ready_only, false, &deadline); }
  std::optional<std::size_t> run(bool ready_only, bool try_only, const time_point* deadline) {
    const std::size_t n = cases_.size();
    drop_spent drop{cases_};
    const std::optional<time_point> wake = prepare(ready_only ? detail::wait_mode::observe : detail::wait_mode::select);
    const detail::wait_limits<P> limits{deadline, nullptr, try_only, false, wake ? &*wake : nullptr};
    if (ready_only) seen_.assign(n, 0);
    auto wait = [&](auto table) { return detail::block_on<P>(table, n, order_.data(), entries_.data(), limits); };
    const detail::wait_end end = ready_only ? wait(detail::readiness_table<P>{active_.data(), seen_.data()})
                                            : wait(detail::dyn_case_table<P>{active_.data()});
    if (end.index == detail::wait_end::none) return std::nullopt;
    if (!ready_only) active_[end.index]->fire(end.st);
    return cases_[end.index].id;
  }

  // `timer`: the caller's (async_select.hpp's timer_spec_of), or none: then a timer case is an
  // error (nothing would wake the wait at its instant).
  detail::async_op<std::size_t, P> async_select_on(detail::deadline_spec<P> timer) {
    if (cases_.empty()) throw std::invalid_argument("sluice::selector::async_select: no case");
    for (const entry& e : cases_)
      if (!timer && e.c->wake_at())
        throw std::invalid_argument("sluice::selector::async_select: a timer case needs async_select(timer)");
    return async_run<std::size_t>(time_point::max(), timer);
  }

  // The coroutine engine over the cases (async_select.hpp's loop, with a run-time number). The
  // timer (async_timer.hpp's select_timer) ends a wait at the deadline or at a timer case's
  // instant, whichever is first. time_point::max() is no deadline (deadline.hpp).
  template <class R>
  detail::async_op<R, P> async_run(time_point deadline, detail::deadline_spec<P> timer_spec) {
    const std::size_t n = cases_.size();
    drop_spent drop{cases_};
    const std::optional<time_point> wake = prepare(detail::wait_mode::coroutine);
    detail::select_timer<P> timer(timer_spec, deadline, wake ? &*wake : nullptr);
    detail::dyn_case_table<P> table{active_.data()};
    std::optional<std::size_t> woken;  // a claim that woke the last wait without completing it
    for (;;) {
      if (const std::optional<detail::pass_result> r =
              detail::try_pass(order_.data(), n, woken, [&](std::size_t i) { return table.try_now(i); })) {
        active_[r->index]->fire(r->st);
        co_return cases_[r->index].id;
      }
      if (timer.deadline_passed()) co_return R{};
      const auto got = co_await detail::port_wait<P, std::dynamic_extent, detail::dyn_case_table<P>>(
          table, std::span<detail::wait_entry<P>>(entries_.data(), n), order_.data(), nullptr, timer.guard(), false);
      if (timer.timed_out(got.sel)) co_return R{};
      if (got.settled) {
        active_[*got.claimed]->fire(*got.settled);
        co_return cases_[*got.claimed].id;
      }
      woken = got.claimed;
    }
  }

  std::vector<entry> cases_;
  std::vector<detail::dyn_case<P>*> active_;
  std::vector<std::size_t> order_;
  std::vector<detail::wait_entry<P>> entries_;
  std::vector<unsigned char> seen_;  // ready(): per case (not vector<bool>: the table takes a pointer)
  std::size_t next_id_ = 0;
};

using selector = basic_selector<std_platform>;

}  // namespace sluice
