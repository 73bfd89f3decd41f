// sluice/selector.hpp — select over a set of cases built at run time (crossbeam's `Select`).
//
//   sluice::selector sel;
//   std::vector<std::size_t> ids;
//   for (auto& rx : receivers)                                  // any number, any flavors
//     ids.push_back(sel.recv(rx, [&](sluice::recv_result<int> r) { ... }));
//   std::size_t fired = sel.select();                           // blocks; or try_select(),
//                                                               // select_timeout(d), select_deadline(tp)
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
// Cost: one allocation per added case (the type-erased case and its state), none per select()
// once the selector's buffers have grown to the number of cases.
// Happens-before: as for the channel operations (channel.hpp).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include "sluice/select.hpp"

namespace sluice {

namespace detail {

// One case behind a virtual interface: its port and its handler, for the thread engine
// (blocking.hpp) through dyn_case_table.
template <class P>
struct dyn_case {
  // Frees the case (allocated through P::allocate, as all of core's memory).
  virtual void destroy() noexcept = 0;
  virtual void reset() = 0;  // fresh per-select state
  virtual std::optional<status> try_now() = 0;
  virtual dyn_port<P>& port() = 0;  // made on first use in a select
  virtual void fire(status st) = 0;
  // A send case that has fired (its message is gone, or was handed back to its handler).
  virtual bool spent() const noexcept = 0;

 protected:
  ~dyn_case() = default;  // destroy() frees the concrete case
};

template <class C>
inline constexpr bool is_send_case_v = false;
template <class T, class P, class F, class R>
inline constexpr bool is_send_case_v<send_case<T, P, F, R>> = true;

template <class C, class P>
struct dyn_case_of final : dyn_case<P> {
  explicit dyn_case_of(C c) : kase(std::move(c)) {}
  C kase;
  std::optional<case_state<C>> state;  // rebuilt by reset(): its port may hold a packet
  bool fired = false;

  void destroy() noexcept override { destroy_shared<dyn_case_of, P>(this, sizeof(dyn_case_of)); }
  void reset() override { state.emplace(); }
  std::optional<status> try_now() override { return state->try_now(kase); }
  dyn_port<P>& port() override { return state->bound_port(kase, wait_mode::select); }
  void fire(status st) override {
    fired = true;  // before the handler, which may throw
    state->outcome = st;
    state->fire(kase);
  }
  bool spent() const noexcept override { return is_send_case_v<C> && fired; }
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

}  // namespace detail

template <platform P>
class basic_selector {
 public:
  basic_selector() = default;
  basic_selector(const basic_selector&) = delete;
  basic_selector& operator=(const basic_selector&) = delete;
  basic_selector(basic_selector&&) noexcept = default;
  basic_selector& operator=(basic_selector&&) noexcept = default;

  template <class T, class F>
  std::size_t recv(const basic_receiver<T, P>& rx, F&& handler) {
    if (!rx) throw empty_handle_error("selector: recv");
    return add(detail::recv_case<T, P, std::decay_t<F>>{&rx, std::forward<F>(handler)});
  }
  template <class T, class U, class F>
  std::size_t send(const basic_sender<T, P>& tx, U&& msg, F&& handler) {
    if (!tx) throw empty_handle_error("selector: send");
    return add(detail::send_case<T, P, std::decay_t<F>>{&tx, detail::to_stored<T, P>(std::forward<U>(msg)),
                                                        std::forward<F>(handler)});
  }
  // Takes the case out; false if there is no such case (never added, fired once, or removed).
  bool remove(std::size_t id) noexcept {
    for (std::size_t i = 0; i < cases_.size(); ++i)
      if (cases_[i].id == id) {
        cases_.erase(cases_.begin() + static_cast<std::ptrdiff_t>(i));
        return true;
      }
    return false;
  }
  std::size_t size() const noexcept { return cases_.size(); }
  bool empty() const noexcept { return cases_.empty(); }

  std::size_t select() {
    if (cases_.empty()) throw std::invalid_argument("sluice::selector::select: no case (it would block forever)");
    return *run(false, nullptr);
  }
  std::optional<std::size_t> try_select() { return run(true, nullptr); }
  template <class Rep, class Period>
  std::optional<std::size_t> select_timeout(std::chrono::duration<Rep, Period> timeout) {
    const auto deadline = detail::deadline_after<P>(timeout);
    return run(false, &deadline);
  }
  template <class Clock, class Duration>
  std::optional<std::size_t> select_deadline(std::chrono::time_point<Clock, Duration> tp) {
    const auto deadline = detail::to_platform_time<P>(tp);
    return run(false, &deadline);
  }

 private:
  struct case_deleter {
    void operator()(detail::dyn_case<P>* c) const noexcept { c->destroy(); }
  };
  struct entry {
    std::size_t id;
    std::unique_ptr<detail::dyn_case<P>, case_deleter> c;
  };

  template <class C>
  std::size_t add(C&& c) {
    using D = detail::dyn_case_of<std::decay_t<C>, P>;
    std::unique_ptr<detail::dyn_case<P>, case_deleter> dc(detail::create_shared<D, P>(sizeof(D), std::forward<C>(c)));
    cases_.push_back(entry{next_id_, std::move(dc)});
    // Room for a select over every case now, so select() does not allocate.
    active_.reserve(cases_.size());
    order_.reserve(cases_.size());
    entries_.reserve(cases_.size());
    return next_id_++;
  }

  std::optional<std::size_t> run(bool try_only, const typename P::clock::time_point* deadline) {
    const std::size_t n = cases_.size();
    active_.clear();
    order_.clear();
    for (std::size_t i = 0; i < n; ++i) {
      cases_[i].c->reset();
      active_.push_back(cases_[i].c.get());
      order_.push_back(i);
    }
    entries_.resize(n);
    detail::shuffle_order<P>(order_.data(), n);
    detail::dyn_case_table<P> table{active_.data()};
    struct drop_spent {  // also when a handler throws: a fired send case never fires again
      std::vector<entry>& cases;
      ~drop_spent() { std::erase_if(cases, [](const entry& e) { return e.c->spent(); }); }
    } drop{cases_};
    const detail::wait_limits<P> limits{deadline, nullptr, try_only, false};
    const detail::wait_end end = detail::block_on<P>(table, n, order_.data(), entries_.data(), limits);
    if (end.index == detail::wait_end::none) return std::nullopt;
    active_[end.index]->fire(end.st);
    return cases_[end.index].id;
  }

  std::vector<entry> cases_;
  std::vector<detail::dyn_case<P>*> active_;
  std::vector<std::size_t> order_;
  std::vector<detail::wait_entry<P>> entries_;
  std::size_t next_id_ = 0;
};

using selector = basic_selector<std_platform>;

}  // namespace sluice
