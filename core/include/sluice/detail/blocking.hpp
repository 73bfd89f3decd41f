// sluice/detail/blocking.hpp — the blocking loop over the two-phase protocol, written once.
//
// Contract: a flavor F that exposes
//   bool start_send(token&) / status write(token&, stored&)     (reserve, then commit)
//   bool start_recv(token&) / status read(token&, uninit<stored>&)
//   bool send_ready() / bool recv_ready()     (seq_cst re-checks: "would not block now")
//   sync_wait_list<P>& senders() / receivers()
// gets blocking send/recv with a deadline and a stop token from this file. The loop: retry
// with backoff — unless others already wait on the same side: then a newcomer queues behind
// them (FIFO) without trying, since trying would barge ahead of parked waiters and starve
// them, and spinning would burn a CPU their partners need; then register a waiter, re-check readiness (the re-check after [L1] is what
// makes the lock-free "nobody waits" fast path safe, see waiter.hpp), and park until a peer
// claims the waiter, the deadline passes, the stop token fires, or the channel disconnects.
// A claim by a peer only means "retry now": the message itself always moves through the
// flavor's slots, so a timed-out or cancelled wait leaves no message behind.
#pragma once

#include <cstdint>
#include <optional>
#include <stop_token>

#include "sluice/detail/backoff.hpp"
#include "sluice/detail/message.hpp"
#include "sluice/detail/status.hpp"
#include "sluice/detail/waiter.hpp"

namespace sluice::detail {

// Claims the waiter as cancelled and wakes it; runs on the thread that requests the stop.
template <class P>
struct cancel_waiter {
  waiter<P>* w;
  void operator()() const noexcept {
    if (w->try_select(sel_cancelled)) w->notify();
  }
};

// Parks on `w` until it is claimed; a stop request claims it as cancelled.
template <class P>
std::uintptr_t wait_for_claim(waiter<P>& w, const typename P::clock::time_point* deadline,
                              const std::stop_token* stop) {
  if (stop && stop->stop_possible()) {
    typename P::template stop_callback<cancel_waiter<P>> cb(*stop, cancel_waiter<P>{&w});
    return w.wait_until(deadline);
  }
  return w.wait_until(deadline);
}

inline bool stop_requested(const std::stop_token* stop) noexcept {
  return stop && stop->stop_requested();
}

template <class P, class F>
status blocking_send(F& f, typename F::stored& msg, const typename P::clock::time_point* deadline,
                     const std::stop_token* stop) {
  typename F::token t;
  bool first_round = true;
  for (;;) {
    backoff<P> b;
    // A newcomer queues behind earlier waiters; a woken waiter (second round) always tries.
    const bool queue_up = first_round && f.senders().has_waiters();
    first_round = false;
    while (!queue_up) {
      if (f.start_send(t)) return f.write(t, msg);
      if (b.is_completed()) break;
      b.snooze();
    }
    if (stop_requested(stop)) return status::cancelled;
    if (deadline && P::clock::now() >= *deadline) return status::timed_out;

    waiter<P> w;
    wait_entry<P> e;
    e.w = &w;
    if constexpr (requires { typename F::send_packet; }) {
      // The flavor lets a receiver complete our send: we wait with the message in a packet.
      typename F::send_packet pk;
      F::offer(pk, msg);
      e.packet = &pk;
      f.senders().register_entry(e);
      P::test_delay();  // race window: a receiver frees a slot between our try and registration
      if (f.send_ready()) w.try_select_self(sel_aborted);
      const std::uintptr_t sel = wait_for_claim<P>(w, deadline, stop);
      if (sel < sel_first_operation) f.senders().unregister_entry(e);
      if (F::delivered_or_take_back(pk, msg)) return status::ok;
      if (sel == sel_cancelled) return status::cancelled;
    } else {
      f.senders().register_entry(e);
      P::test_delay();  // race window: a receiver frees a slot between our try and registration
      if (f.send_ready()) w.try_select_self(sel_aborted);
      const std::uintptr_t sel = wait_for_claim<P>(w, deadline, stop);
      if (sel < sel_first_operation) f.senders().unregister_entry(e);
      if (sel == sel_cancelled) return status::cancelled;
    }
  }
}

template <class P, class F>
status blocking_recv(F& f, uninit<typename F::stored>& out,
                     const typename P::clock::time_point* deadline, const std::stop_token* stop) {
  typename F::token t;
  bool first_round = true;
  for (;;) {
    backoff<P> b;
    // A newcomer queues behind earlier waiters; a woken waiter (second round) always tries.
    const bool queue_up = first_round && f.receivers().has_waiters();
    first_round = false;
    while (!queue_up) {
      if (f.start_recv(t)) return f.read(t, out);
      if (b.is_completed()) break;
      b.snooze();
    }
    if (stop_requested(stop)) return status::cancelled;
    if (deadline && P::clock::now() >= *deadline) return status::timed_out;

    waiter<P> w;
    wait_entry<P> e;
    e.w = &w;
    f.receivers().register_entry(e);
    P::test_delay();  // race window: a sender publishes between our try and registration
    if (f.recv_ready()) w.try_select_self(sel_aborted);
    const std::uintptr_t sel = wait_for_claim<P>(w, deadline, stop);
    if (sel < sel_first_operation) f.receivers().unregister_entry(e);
    if (sel == sel_cancelled) return status::cancelled;
  }
}

}  // namespace sluice::detail
