// relacy_tests/scenarios/kinds_oneshot.hpp — the oneshot channel: every pair
// (sender action: send, drop) x (receiver action: drop, recv, recv_for, try_recv,
// recv with a stop token that a third thread stops), each side on its own thread.
//
// What every pair proves:
//  - a sent message is received exactly once, or handed back by send() with errc::closed
//    (only when the receiver is gone), or destroyed with the channel — never two of these;
//  - a receiver that stays until it gets an answer (recv, recv_for then recv, recv with stop
//    then recv) gets the message if it was sent, and errc::closed if the sender was dropped;
//  - a timed-out or cancelled receive consumes nothing and leaves no registration behind
//    (the following recv still gets the message; under the model, a stale registration would
//    show as a deadlock or a use after free of the waiter);
//  - the shared state is freed exactly once (model: leak / double free; ASan, valgrind);
//  - send's happens-before claim: a plain P::cell written before send() and read after the
//    receive returns is not a data race (the model's vector clocks check it); and drop's:
//    one written before an unsent drop and read after a receive returned closed.
//
// Tier wiring (one line per pair): add_oneshot_scenarios<P>(table) appends every pair as
// "oneshot_<sender>_vs_<receiver>_..." entries, tagged group oneshot, light (support/table.hpp).
#pragma once

#include <stop_token>
#include <string>
#include <utility>

#include <sluice/oneshot.hpp>

#include "support/common.hpp"
#include "support/table.hpp"
#include "delivery.hpp"
#include "disconnect.hpp"

namespace sluice::verif {

enum class oneshot_tx { send, drop };
enum class oneshot_rx { drop, recv, recv_for, try_recv, recv_stop };

template <class P, oneshot_tx S, oneshot_rx R>
void oneshot_pair_accounts_for_the_message(const config&) {
  ledger led(1);
  auto ch = basic_oneshot<msg, P>();
  typename P::template cell<int> side(0);  // user data published by send (HB check)
  std::stop_source stop;
  bool accepted = false;   // written by the sender thread, read after join
  bool received = false;   // written by the receiver thread, read after join
  bool saw_closed = false; // the receiver's final answer was errc::closed

  auto ts = harness<P>::spawn([&, s = std::move(ch.first)]() mutable {
    if constexpr (S == oneshot_tx::send) {
      // SAFETY (test): written before send; read by the receiver only after its receive
      // returned this message — the channel's happens-before edge orders the two.
      side.with_mut([](int* v) { *v = 42; });
      auto r = std::move(s).send(msg(led, 0));
      accepted = settle_send<P>(led, r, 0, errc::closed);
    } else {
      // SAFETY (test): written before the drop; read by the receiver only after its receive
      // returned closed — oneshot.hpp's second happens-before promise orders the two.
      side.with_mut([](int* v) { *v = 7; });
      drop(s);
    }
  });
  auto tr = harness<P>::spawn([&, token = stop.get_token(), r = std::move(ch.second)]() mutable {
    auto on_message = [&](msg& m) {
      take<P>(led, m);
      received = true;
      // SAFETY (test): see the sender; a race here is the bug the model would report.
      side.with([](const int* v) { SLUICE_VERIFY(*v == 42); });
    };
    auto on_closed = [&] {  // closed only comes from an unsent drop here (the sender never fails)
      // SAFETY (test): see the sender's drop branch; a race here is the bug.
      if constexpr (S == oneshot_tx::drop) side.with([](const int* v) { SLUICE_VERIFY(*v == 7); });
    };
    if constexpr (R == oneshot_rx::drop) {
      drop(r);
      return;
    } else if constexpr (R == oneshot_rx::try_recv) {
      auto m = r.try_recv();
      if (m.has_value()) {
        on_message(*m);
      } else {
        SLUICE_VERIFY(m.error() == errc::empty || m.error() == errc::closed);
        saw_closed = m.error() == errc::closed;
        if (saw_closed) on_closed();
      }
      return;  // dropping r: an unreceived message is handed back or destroyed with the state
    } else {
      recv_result<msg> m = [&] {
        if constexpr (R == oneshot_rx::recv) return r.recv();
        else if constexpr (R == oneshot_rx::recv_for) return r.recv_for(harness<P>::timeout());
        else return r.recv(token);
      }();
      if (!m.has_value() && (m.error() == errc::timed_out || m.error() == errc::cancelled)) {
        SLUICE_VERIFY(R != oneshot_rx::recv);
        SLUICE_VERIFY(m.error() == (R == oneshot_rx::recv_for ? errc::timed_out : errc::cancelled));
        m = r.recv();  // nothing was consumed: the answer is still to come
      }
      if (m.has_value()) {
        on_message(*m);
      } else {
        SLUICE_VERIFY(m.error() == errc::closed);
        saw_closed = true;
        on_closed();
      }
      // Taken once: a second receive reports closed.
      SLUICE_VERIFY(r.try_recv().error() == errc::closed);
    }
  });
  if constexpr (R == oneshot_rx::recv_stop) stop.request_stop();
  ts.join();
  tr.join();

  if constexpr (S == oneshot_tx::drop) {
    SLUICE_VERIFY(!received);
    SLUICE_VERIFY(led.destroyed(0) == 0);  // never constructed
    if constexpr (R != oneshot_rx::drop && R != oneshot_rx::try_recv) SLUICE_VERIFY(saw_closed);
  } else {
    SLUICE_VERIFY_LEDGER_CLOSED(led);
    SLUICE_VERIFY(!saw_closed);  // a sender that sends never makes the receiver see closed
    if constexpr (R == oneshot_rx::drop) {
      SLUICE_VERIFY(!received);
    } else if constexpr (R == oneshot_rx::try_recv) {
      // received, or accepted and destroyed with the state, or handed back: exactly one
      if (received) SLUICE_VERIFY(accepted);
    } else {
      // The receiver waited for an answer, so the send was accepted and received.
      SLUICE_VERIFY(accepted && received);
    }
  }
}

// The receiver blocks in recv_for while the sender is dropped unsent; under the model the
// deadline firing (or not) is explored at each point. Proves the receiver ends with
// timed_out-then-closed or closed, never hangs, and the state is freed once.
template <class P>
void oneshot_sender_drop_racing_recv_for_ends_closed(const config&) {
  auto ch = basic_oneshot<msg, P>();
  auto ts = harness<P>::spawn([s = std::move(ch.first)]() mutable { drop(s); });
  auto r = ch.second.recv_for(harness<P>::timeout());
  if (!r.has_value() && r.error() == errc::timed_out) r = ch.second.recv();
  SLUICE_VERIFY(!r.has_value() && r.error() == errc::closed);
  ts.join();
}

template <class P, class Table>
void add_oneshot_scenarios(Table& out) {
  auto add = [&](const char* name, void (*fn)(const config&)) {
    out.push_back({name, fn, "oneshot", "", weight::light});
  };
  using tx = oneshot_tx;
  using rx = oneshot_rx;
  add("oneshot_send_vs_drop_accepts_xor_hands_back",
      &oneshot_pair_accounts_for_the_message<P, tx::send, rx::drop>);
  add("oneshot_send_vs_recv_delivers_once_with_happens_before",
      &oneshot_pair_accounts_for_the_message<P, tx::send, rx::recv>);
  add("oneshot_send_vs_recv_for_times_out_or_delivers_never_loses",
      &oneshot_pair_accounts_for_the_message<P, tx::send, rx::recv_for>);
  add("oneshot_send_vs_try_recv_delivers_or_leaves_once",
      &oneshot_pair_accounts_for_the_message<P, tx::send, rx::try_recv>);
  add("oneshot_send_vs_stop_cancelled_recv_never_loses",
      &oneshot_pair_accounts_for_the_message<P, tx::send, rx::recv_stop>);
  add("oneshot_drop_vs_drop_frees_once",
      &oneshot_pair_accounts_for_the_message<P, tx::drop, rx::drop>);
  add("oneshot_drop_vs_recv_wakes_with_closed",
      &oneshot_pair_accounts_for_the_message<P, tx::drop, rx::recv>);
  add("oneshot_drop_vs_recv_for_wakes_with_closed",
      &oneshot_pair_accounts_for_the_message<P, tx::drop, rx::recv_for>);
  add("oneshot_drop_vs_try_recv_sees_empty_or_closed",
      &oneshot_pair_accounts_for_the_message<P, tx::drop, rx::try_recv>);
  add("oneshot_drop_vs_stop_cancelled_recv_ends_closed",
      &oneshot_pair_accounts_for_the_message<P, tx::drop, rx::recv_stop>);
  add("oneshot_sender_drop_racing_recv_for_ends_closed",
      &oneshot_sender_drop_racing_recv_for_ends_closed<P>);
}

}  // namespace sluice::verif
