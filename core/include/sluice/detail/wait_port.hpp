// sluice/detail/wait_port.hpp — the wait port: what an engine needs from one side of a flavor
// to wait on it, and the port every flavor with a sync_wait_list builds on.
//
// Contract. A port is a small per-wait object a flavor makes for one operation (a send of
// `msg`, a receive into `out`) and one kind of waiter (`wait_mode`): it holds whatever that
// wait needs (a rendezvous packet, a bounded sender's hand-off packet) and nothing else, so no
// engine carries a member for one flavor's sake. The engines (blocking.hpp: a thread over N
// ports; async_port_wait.hpp: a coroutine over one) speak only this:
//   std::optional<status> try_now()   one attempt; nullopt: it would block now
//   bool enroll(wait_entry<P>& e)     registers `e`; true: ready now (or never waits), so the
//                                     engine claims its own waiter as aborted and retries
//   bool ready()                      the seq_cst re-check after every enroll ([L1], waiter.hpp)
//   void withdraw(wait_entry<P>& e)   removes an entry nobody claimed for an operation
//   std::optional<status> settle(sel) after a wait that ended with claim `sel` (for this
//                                     entry, or, with one port, any claim): the operation's
//                                     result when the claim decided it (a rendezvous hand-off, a
//                                     bounded send completed by a receiver), else nullopt: retry
//   void forward()                    passes on a wake-up this wait was given but cannot use
//   bool others_wait()                whether others already wait on this side (a newcomer
//                                     queues behind them instead of trying: FIFO)
//   static constexpr bool spins       whether a lone thread tries with backoff before it waits
// and, instead or as well, a fused step for ports whose try and registration are one critical
// section (fused_wait_port; a lone thread then needs only it, withdraw and settle):
//   std::optional<status> try_or_enroll(wait_entry<P>& e, GiveUp give_up)
//                                     tries; if it would block, asks give_up() (stop token,
//                                     deadline) and otherwise registers `e`; nullopt: registered.
// A port that never waits (an unbounded send) says so by `try_now` always completing, and
// `enroll` returning true: no flavor keeps a wait list for a side that never waits.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>

#include "sluice/detail/message.hpp"
#include "sluice/detail/status.hpp"
#include "sluice/detail/waiter.hpp"

namespace sluice::detail {

// Who waits: one thread on one operation; one thread on several (select, whose registrations
// must not complete an operation while another case may already have been claimed); a
// coroutine (which is never handed a message directly: it may be destroyed before it resumes);
// or an observer (the selector's ready(): woken when its operation may proceed, it offers and
// takes nothing).
enum class wait_mode { one_thread, select, coroutine, observe };

template <class Port, class P>
concept wait_port = requires(Port& port, wait_entry<P>& e, std::uintptr_t sel) {
  { port.try_now() } -> std::same_as<std::optional<status>>;
  { port.enroll(e) } -> std::same_as<bool>;
  { port.ready() } -> std::same_as<bool>;
  port.withdraw(e);
  { port.settle(sel) } -> std::same_as<std::optional<status>>;
  port.forward();
  { port.others_wait() } -> std::same_as<bool>;
  { Port::spins } -> std::convertible_to<bool>;
};

// What a lone thread needs from a port whose try and registration are one step (the
// rendezvous flavor under its lock; the other kinds: oneshot, broadcast, watermark).
template <class Port, class P>
concept fused_wait_port = requires(Port& port, wait_entry<P>& e, std::uintptr_t sel) {
  { port.try_or_enroll(e, [] { return std::optional<status>(); }) } -> std::same_as<std::optional<status>>;
  port.withdraw(e);
  { port.settle(sel) } -> std::same_as<std::optional<status>>;
};

// One pass of a wait over several ports: tries them in `order`, but the port whose claim woke
// the previous wait without completing it (`woken`: a peer had something for this wait and
// chose it) first. Taking another case first would swallow the wake-up that peer spent on
// this wait, and a second waiter on that port could sleep beside a ready message
// (relacy_tests/README.md, FINDING-3). If that port fails, its message went to someone else and
// no wake-up is owed. try_one(i) -> std::optional<status>; returns {index, status} or nullopt.
struct pass_result {
  std::size_t index;
  status st;
};
template <class TryOne>
std::optional<pass_result> try_pass(const std::size_t* order, std::size_t n, std::optional<std::size_t> woken,
                                    TryOne&& try_one) {
  if (woken)
    if (std::optional<status> r = try_one(*woken)) return pass_result{*woken, *r};
  for (std::size_t k = 0; k < n; ++k) {
    if (order[k] == woken) continue;
    if (std::optional<status> r = try_one(order[k])) return pass_result{order[k], *r};
  }
  return std::nullopt;
}

// A try's result as try_now reports it: nullopt when it would block (`would_block`: empty or
// full), else the status.
inline std::optional<status> unless_would_block(status s, status would_block) noexcept {
  return s == would_block ? std::nullopt : std::optional<status>(s);
}

// A port that never spins and never makes a newcomer queue behind earlier waiters: only a
// lone thread spins, on its flavor's listed port.
struct quiet_port {
  static constexpr bool spins = false;
  bool others_wait() const noexcept { return false; }
};

// The side of a flavor that waits in a sync_wait_list (waiter.hpp) and completes only through
// its slots: a claim means "retry". The flavor's port derives from it and adds try_now and
// ready (and may override enroll/settle to hand off through a packet).
template <class P>
struct listed_port {
  sync_wait_list<P>& list;

  static constexpr bool spins = true;
  bool others_wait() const noexcept { return list.has_waiters(); }
  bool enroll(wait_entry<P>& e) noexcept {
    list.register_entry(e);
    return false;
  }
  void withdraw(wait_entry<P>& e) noexcept { list.unregister_entry(e); }
  std::optional<status> settle(std::uintptr_t) noexcept { return std::nullopt; }
  void forward() noexcept { list.notify_one(); }
};

// The ports of a flavor F whose waiters wait in its sync_wait_lists (F::receivers(),
// F::senders()) and whose re-checks are F::recv_ready() / F::send_ready().
template <class F, class P>
struct listed_recv_port : listed_port<P> {
  F& f;
  uninit<typename F::stored>& out;
  listed_recv_port(F& fl, uninit<typename F::stored>& o, wait_mode) noexcept
      : listed_port<P>{fl.receivers()}, f(fl), out(o) {}
  std::optional<status> try_now() noexcept { return unless_would_block(f.try_recv(out), status::empty); }
  bool ready() const noexcept { return f.recv_ready(); }
};
template <class F, class P>
struct listed_send_port : listed_port<P> {
  F& f;
  typename F::stored& msg;
  listed_send_port(F& fl, typename F::stored& m, wait_mode) noexcept : listed_port<P>{fl.senders()}, f(fl), msg(m) {}
  std::optional<status> try_now() noexcept { return unless_would_block(f.try_send(msg), status::full); }
  bool ready() const noexcept { return f.send_ready(); }
};

// The send side of a flavor that never waits (unbounded): try_now always completes.
template <class F>
struct never_waits_send_port : quiet_port {
  F& f;
  typename F::stored& msg;
  never_waits_send_port(F& fl, typename F::stored& m, wait_mode) noexcept : f(fl), msg(m) {}
  std::optional<status> try_now() { return f.try_send(msg); }
  template <class E>
  bool enroll(E&) noexcept {
    return true;
  }
  bool ready() const noexcept { return true; }
  template <class E>
  void withdraw(E&) noexcept {}
  std::optional<status> settle(std::uintptr_t) noexcept { return std::nullopt; }
  void forward() noexcept {}
};

// Registers one entry per port of table `t` (the engines' tables: `at(i, fn)` calls fn(port))
// for waiter `w`, in `order`: true if a port was ready at its registration, or never waits.
template <class P, class Table>
bool enroll_all(Table& t, std::size_t n, const std::size_t* order, wait_entry<P>* entries, waiter<P>& w) {
  bool ready = false;
  for (std::size_t k = 0; k < n; ++k) {
    wait_entry<P>& e = *std::construct_at(&entries[order[k]]);  // begins (again) here
    e.w = &w;
    ready |= t.at(order[k], [&](auto& port) { return port.enroll(e); });
  }
  return ready;
}
// Storage for N wait entries that enroll_all constructs: a wait that ends on its first try
// (most do) pays nothing for them.
template <class P, std::size_t N>
struct unenrolled_entries {
  unenrolled_entries() noexcept {}
  union {
    wait_entry<P> at[N];
  };
};
// The re-check after every enroll ([L1], waiter.hpp): whether a port is ready now.
template <class Table>
bool any_ready(Table& t, std::size_t n, const std::size_t* order) {
  for (std::size_t k = 0; k < n; ++k)
    if (t.at(order[k], [](auto& port) { return port.ready(); })) return true;
  return false;
}

// A port reached through a virtual interface: what a run-time set of cases (selector.hpp) and
// a channel whose flavor is known only at run time (channel/any_port.hpp) wait on.
template <class P>
class dyn_port : public quiet_port {
 public:
  virtual std::optional<status> try_now() = 0;
  virtual bool enroll(wait_entry<P>& e) = 0;
  virtual bool ready() = 0;
  virtual void withdraw(wait_entry<P>& e) = 0;
  virtual std::optional<status> settle(std::uintptr_t sel) = 0;
  virtual void forward() = 0;

 protected:
  ~dyn_port() = default;
};

// A flavor's own port behind dyn_port's interface.
template <class Port, class P>
class port_adapter final : public dyn_port<P> {
 public:
  template <class... Args>
  explicit port_adapter(Args&&... args) : port_(std::forward<Args>(args)...) {}
  std::optional<status> try_now() override { return port_.try_now(); }
  bool enroll(wait_entry<P>& e) override { return port_.enroll(e); }
  bool ready() override { return port_.ready(); }
  void withdraw(wait_entry<P>& e) override { port_.withdraw(e); }
  std::optional<status> settle(std::uintptr_t sel) override { return port_.settle(sel); }
  void forward() override { port_.forward(); }

 private:
  Port port_;
};

}  // namespace sluice::detail
