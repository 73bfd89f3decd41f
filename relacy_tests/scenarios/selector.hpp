// relacy_tests/scenarios/selector.hpp — the run-time selector (sluice/selector.hpp) against a
// concurrent sender: select() and ready() over two receive cases; ready() on a send case against
// a concurrent receiver.
//
// What every scenario proves: the selector's select fires exactly one case, the one whose id
// it returns, with its channel's message, and leaves the other channel as it was; ready()
// reports the case whose channel got the message and takes nothing (the caller's receive then
// gets it); each message is destroyed once (ledger); under the model no wake-up is lost (a lost
// one is a deadlock) and no registration outlives its wait (a stale one is a use after free of
// the selector's waiter).
// Recorded choices: the selector draws its try and registration order with shuffle_order
// (detail/select_random.hpp), i.e. platform random_index, which the model platform makes a
// recorded, replayable choice (models/include/sluice/model/platform.hpp), so every search mode
// explores both orders, as for the variadic select.
// Tier wiring: add_selector_scenarios<P>(table) appends "selector_<what>@<flavor>", group
// select, weight light (two threads), so model.select runs them exhaustively at bound 2.
#pragma once

#include <cstddef>
#include <string>

#include <sluice/selector.hpp>

#include "support/common.hpp"
#include "support/table.hpp"
#include "delivery.hpp"
#include "select.hpp"

namespace sluice::verif {

// (a) A selector with receive cases on A and on B selects while a sender sends a0 on A; B's
// sender is alive and idle. Proves: A's case fires once with a0, select() returns its id, B's
// case never fires and B is left empty.
template <class P, class F>
void selector_select_vs_sender_fires_the_ready_case(const config&) {
  ledger led(1);
  auto cha = make_channel<msg, P, F>();
  auto chb = make_channel<msg, P, F>();
  auto ta = harness<P>::spawn([&led, s = std::move(cha.first)]() mutable {
    SLUICE_VERIFY(s.send(msg(led, 0)).has_value());
  });
  int fired_a = 0, fired_b = 0;
  basic_selector<P> sel;
  const std::size_t ia = sel.recv(cha.second, [&](recv_result<msg> r) {
    ++fired_a;
    SLUICE_VERIFY(r.has_value());
    take_expected<P>(led, *r, 0);
  });
  sel.recv(chb.second, [&](recv_result<msg>) { ++fired_b; });
  SLUICE_VERIFY(sel.select() == ia);
  SLUICE_VERIFY(fired_a == 1 && fired_b == 0);
  ta.join();
  SLUICE_VERIFY(failed_with(cha.second.try_recv(), errc::closed));
  SLUICE_VERIFY(failed_with(chb.second.try_recv(), errc::empty));
  SLUICE_VERIFY(led.received(0) == 1);
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

// (b) The same wait through ready(): it returns A's id and completes nothing; the receive that
// follows gets a0 (on a rendezvous channel the sender is still offering it).
template <class P, class F>
void selector_ready_vs_sender_reports_and_takes_nothing(const config&) {
  ledger led(1);
  auto cha = make_channel<msg, P, F>();
  auto chb = make_channel<msg, P, F>();
  auto ta = harness<P>::spawn([&led, s = std::move(cha.first)]() mutable {
    SLUICE_VERIFY(s.send(msg(led, 0)).has_value());
  });
  int fired = 0;
  basic_selector<P> sel;
  const std::size_t ia = sel.recv(cha.second, [&](recv_result<msg>) { ++fired; });
  sel.recv(chb.second, [&](recv_result<msg>) { ++fired; });
  SLUICE_VERIFY(sel.ready() == ia);
  SLUICE_VERIFY(fired == 0);
  {
    auto m = cha.second.recv();  // still there
    SLUICE_VERIFY(m.has_value());
    take_expected<P>(led, *m, 0);
  }
  ta.join();
  SLUICE_VERIFY(failed_with(chb.second.try_recv(), errc::empty));
  SLUICE_VERIFY(led.received(0) == 1);
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

// (c) ready() on a SEND case while a receiver receives: it reports the case and sends nothing
// (its handler does not run); the select() that follows delivers a0 to the receiver. On a
// rendezvous channel ready() waits as an observer (wait_mode::observe) and the receiver, whether
// it queues first (ready() then sees it) or after (it wakes ready()), waits for that select():
// a receiver that took the message from ready()'s registration would fire the case inside
// ready() (fired == 1, checked), and a receiver that failed to wake ready() would deadlock.
template <class P, class F>
void selector_ready_send_vs_receiver_sends_nothing(const config&) {
  ledger led(1);
  auto ch = make_channel<msg, P, F>();
  auto tr = harness<P>::spawn([&led, r = std::move(ch.second)]() mutable {
    auto m = r.recv();  // the message exists once, in the case: only select() can deliver it
    SLUICE_VERIFY(m.has_value());
    take_expected<P>(led, *m, 0);
  });
  int fired = 0;
  basic_selector<P> sel;
  const std::size_t id = sel.send(ch.first, msg(led, 0), [&](send_result<msg> r) {
    ++fired;
    SLUICE_VERIFY(r.has_value());
  });
  SLUICE_VERIFY(sel.ready() == id);
  SLUICE_VERIFY(fired == 0);
  SLUICE_VERIFY(sel.select() == id);
  SLUICE_VERIFY(fired == 1);
  tr.join();
  SLUICE_VERIFY(led.received(0) == 1);
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

template <class P, class F, class Table>
void add_selector_flavor(Table& out) {
  auto add = [&](const char* what, void (*fn)(const config&)) {
    out.push_back({std::string("selector_") + what + "@" + F::name, fn, "select", F::name, weight::light});
  };
  add("select_vs_sender_fires_the_ready_case", &selector_select_vs_sender_fires_the_ready_case<P, F>);
  add("ready_vs_sender_reports_and_takes_nothing", &selector_ready_vs_sender_reports_and_takes_nothing<P, F>);
  add("ready_send_vs_receiver_sends_nothing", &selector_ready_send_vs_receiver_sends_nothing<P, F>);
}

template <class P, class Table>
void add_selector_scenarios(Table& out) {
  add_selector_flavor<P, bounded1>(out);
  add_selector_flavor<P, bounded2>(out);
  add_selector_flavor<P, rendezvous>(out);
  add_selector_flavor<P, unbounded>(out);
}

}  // namespace sluice::verif
