// relacy_tests/scenarios/select.hpp — blocking select (sluice/select.hpp) over two channels,
// against concurrent senders, receivers, close, a timeout/default case and a second select; a
// select with cases switched off.
//
// What every scenario proves (issue 6, "Model-checked"):
//  - exactly one case fires per select: exactly one handler runs, and it is the case whose
//    index select() returns;
//  - a case that did not fire leaves its channel as it was: every message is received exactly
//    once, by the select or by the drain that follows it (a blocking receive on the channel
//    the select did not take from), and a send case's message that was not sent is destroyed
//    once with the select, never received;
//  - each message is destroyed exactly once (ledger), and, under the model, no wake-up is lost
//    (a lost one is a deadlock), nothing leaks, no registration outlives its select (a stale
//    one is a use after free of the select's waiter).
//
// Channels A and B may have different flavors (FA, FB): every flavor paired with itself, and
// mixed pairs (a rendezvous channel next to a buffered one in one select).
//
// Every tier runs the fair select() itself: under the model its random order is a recorded
// checker choice (model::platform::random_index, detail/select_random.hpp), so every search
// mode explores both orders and a failing one replays. (Before that choice existed, the model
// tier ran select_biased() in both orders; sel_order keeps the biased forms for such uses.)
//
// Tier wiring: add_select_scenarios<P>(table) appends "select_<what>@<flavors>[.<order>]",
// tagged group select (support/table.hpp): light against one partner, heavy against two.
#pragma once

#include <cstddef>
#include <string>
#include <type_traits>
#include <utility>

#include <sluice/select.hpp>

#include "support/common.hpp"
#include "support/table.hpp"
#include "delivery.hpp"
#include "disconnect.hpp"

namespace sluice::verif {

// Which start the select takes: fair (real-thread tiers) or biased with A's case first or B's.
enum class sel_order { fair, a_first, b_first };

// Runs a select over two channel cases (ca: channel A's, cb: channel B's) and optional extra
// cases (a timeout, deadline or default), in the order `O` says. Returns the index in the
// written order (0 = A's case, 1 = B's case, 2 = the extra case), whatever the order run.
template <sel_order O, class CA, class CB, class... Extra>
std::size_t select_two(CA&& ca, CB&& cb, Extra&&... extra) {
  if constexpr (O == sel_order::fair) {
    return sluice::select(std::forward<CA>(ca), std::forward<CB>(cb), std::forward<Extra>(extra)...);
  } else if constexpr (O == sel_order::a_first) {
    return sluice::select_biased(std::forward<CA>(ca), std::forward<CB>(cb), std::forward<Extra>(extra)...);
  } else {
    const std::size_t i =
        sluice::select_biased(std::forward<CB>(cb), std::forward<CA>(ca), std::forward<Extra>(extra)...);
    return i == 0 ? 1 : i == 1 ? 0 : i;
  }
}

// Channel capacity as a count of messages that fit without a receiver (unbounded: 0, it is
// never full, so nothing needs to be pre-filled to make a send wait).
template <class F>
inline constexpr int fill_to_full = F::is_unbounded ? 0 : static_cast<int>(F::capacity);

// Whether a receive failed with `e` (and not: returned a message, or failed otherwise).
template <class R>
bool failed_with(const R& r, errc e) {
  return !r.has_value() && r.error() == e;
}

// Records a received message (intact, expected id) in the ledger.
template <class P>
void take_expected(ledger& led, const msg& m, int id) {
  SLUICE_VERIFY(m.id() == id);
  take<P>(led, m);
}

// (a) One select receives on A and on B while one sender sends a0 on A and another b0 on B.
// Proves: exactly one case fires, with its channel's message; the other message is still in
// its channel (or its sender still offers it, rendezvous) and the drain receives it; after
// both senders finish, both channels are empty; each message received once.
template <class P, class FA, class FB, sel_order O>
void select_recv_recv_vs_two_senders_one_fires_each_once(const config&) {
  ledger led(2);
  auto cha = make_channel<msg, P, FA>();
  auto chb = make_channel<msg, P, FB>();
  auto ta = harness<P>::spawn([&led, s = std::move(cha.first)]() mutable {
    SLUICE_VERIFY(s.send(msg(led, 0)).has_value());
  });
  auto tb = harness<P>::spawn([&led, s = std::move(chb.first)]() mutable {
    SLUICE_VERIFY(s.send(msg(led, 1)).has_value());
  });
  auto& rxa = cha.second;
  auto& rxb = chb.second;
  int fired_a = 0, fired_b = 0;
  const std::size_t i = select_two<O>(
      on_recv(rxa, [&](recv_result<msg> r) {
        ++fired_a;
        SLUICE_VERIFY(r.has_value());
        take_expected<P>(led, *r, 0);
      }),
      on_recv(rxb, [&](recv_result<msg> r) {
        ++fired_b;
        SLUICE_VERIFY(r.has_value());
        take_expected<P>(led, *r, 1);
      }));
  SLUICE_VERIFY(fired_a + fired_b == 1);  // exactly one case fired...
  SLUICE_VERIFY(i == (fired_a ? 0u : 1u));  // ...the one select() reports
  {  // The drain: the message of the case that did not fire is still there.
    auto rest = (i == 0 ? rxb : rxa).recv();
    SLUICE_VERIFY(rest.has_value());
    take_expected<P>(led, *rest, i == 0 ? 1 : 0);
  }
  ta.join();
  tb.join();
  SLUICE_VERIFY(failed_with(rxa.try_recv(), errc::closed));  // nothing left, nothing doubled
  SLUICE_VERIFY(failed_with(rxb.try_recv(), errc::closed));
  SLUICE_VERIFY(led.received(0) == 1 && led.received(1) == 1);
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

// (b) One select receives on A and sends b0 on B, while a sender sends a0 on A and a receiver
// takes from B. B is full first (bounded: pre-filled; rendezvous: nobody waits; unbounded is
// never full), so the send case waits for the receiver. Proves: exactly one case fires; if
// the receive fired, b0 was not sent (it is destroyed with the select, never received) and
// the receiver gets b1, which the selector sends afterwards; if the send fired, the receiver
// gets b0 and a0 is still in A for the drain; B's receiver sees its messages in FIFO order.
template <class P, class FA, class FB, sel_order O>
void select_recv_send_vs_sender_and_receiver_one_fires_each_once(const config&) {
  constexpr int fill = fill_to_full<FB>;
  // ids: 0 = a0; 1..fill = B's pre-fill; fill+1 = b0 (the send case's); fill+2 = b1.
  const int a0 = 0, b0 = fill + 1, b1 = fill + 2;
  ledger led(fill + 3);
  auto cha = make_channel<msg, P, FA>();
  auto chb = make_channel<msg, P, FB>();
  for (int k = 1; k <= fill; ++k) SLUICE_VERIFY(chb.first.try_send(msg(led, k)).has_value());
  auto ta = harness<P>::spawn([&led, s = std::move(cha.first)]() mutable {
    SLUICE_VERIFY(s.send(msg(led, 0)).has_value());
  });
  int last_b = -1;  // the last id B's receiver got (b0 or b1)
  auto tb = harness<P>::spawn([&led, &last_b, r = std::move(chb.second)]() mutable {
    for (int k = 1; k <= fill + 1; ++k) {
      auto m = r.recv();
      SLUICE_VERIFY(m.has_value());
      if (k <= fill) SLUICE_VERIFY(m->id() == k);  // FIFO: the pre-fill first
      take<P>(led, *m);
      last_b = m->id();
    }
  });
  auto& rxa = cha.second;
  auto& txb = chb.first;
  int fired_recv = 0, fired_send = 0;
  const std::size_t i = select_two<O>(
      on_recv(rxa, [&](recv_result<msg> r) {
        ++fired_recv;
        SLUICE_VERIFY(r.has_value());
        take_expected<P>(led, *r, a0);
      }),
      on_send(txb, msg(led, b0), [&](send_result<msg> r) {
        ++fired_send;
        SLUICE_VERIFY(r.has_value());
      }));
  SLUICE_VERIFY(fired_recv + fired_send == 1);
  SLUICE_VERIFY(i == (fired_recv ? 0u : 1u));
  if (i == 0) {
    SLUICE_VERIFY(led.destroyed(b0) == 1 && led.received(b0) == 0);  // given back, destroyed once
    SLUICE_VERIFY(txb.send(msg(led, b1)).has_value());
  } else {
    auto m = rxa.recv();  // the drain: a0 is still there
    SLUICE_VERIFY(m.has_value());
    take_expected<P>(led, *m, a0);
    msg unused(led, b1);  // b1 is never sent in this branch
  }
  ta.join();
  tb.join();
  SLUICE_VERIFY(last_b == (i == 0 ? b1 : b0));
  SLUICE_VERIFY(led.received(a0) == 1);
  SLUICE_VERIFY(led.received(b0) == (i == 1 ? 1 : 0));
  SLUICE_VERIFY(led.received(b1) == (i == 0 ? 1 : 0));
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

// (c) One select receives on A and on B while one thread closes A (through a sender) and
// another sends b0 on B. Proves: exactly one case fires — A's with `closed` (A never carries
// a message), or B's with b0 — never both; if A's fired, b0 is still in B for the drain; if
// B's fired, A still reports closed once the close is done; b0 is received exactly once.
template <class P, class FA, class FB, sel_order O>
void select_vs_close_closed_xor_other_fires_nothing_lost(const config&) {
  ledger led(1);
  auto cha = make_channel<msg, P, FA>();
  auto chb = make_channel<msg, P, FB>();
  auto tc = harness<P>::spawn([s = std::move(cha.first)]() mutable { SLUICE_VERIFY(s.close()); });
  auto tb = harness<P>::spawn([&led, s = std::move(chb.first)]() mutable {
    SLUICE_VERIFY(s.send(msg(led, 0)).has_value());
  });
  auto& rxa = cha.second;
  auto& rxb = chb.second;
  int fired_a = 0, fired_b = 0;
  const std::size_t i = select_two<O>(
      on_recv(rxa, [&](recv_result<msg> r) {
        ++fired_a;
        SLUICE_VERIFY(failed_with(r, errc::closed));
      }),
      on_recv(rxb, [&](recv_result<msg> r) {
        ++fired_b;
        SLUICE_VERIFY(r.has_value());
        take_expected<P>(led, *r, 0);
      }));
  SLUICE_VERIFY(fired_a + fired_b == 1);
  SLUICE_VERIFY(i == (fired_a ? 0u : 1u));
  if (i == 0) {
    auto m = rxb.recv();  // the drain: b0 was left in B
    SLUICE_VERIFY(m.has_value());
    take_expected<P>(led, *m, 0);
  } else {
    auto m = rxa.recv();  // waits for the close: nothing else can come out of A
    SLUICE_VERIFY(failed_with(m, errc::closed));
  }
  tc.join();
  tb.join();
  SLUICE_VERIFY(failed_with(rxb.try_recv(), errc::closed));
  SLUICE_VERIFY(led.received(0) == 1);
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

enum class sel_extra { timeout, default_case };

// (d) One select receives on A and on B with a timeout (or a default) case, while a sender
// sends a0 on A; B stays idle (its sender is alive and sends nothing). Under the model the
// timeout firing or not is the checker's choice at every wait. Proves: either A's case fires
// with a0, or the timeout/default case fires and a0 stays in A (the drain receives it; on a
// rendezvous channel the sender is still offering it); B's case never fires; the select
// leaves no registration on either channel behind; a0 received exactly once.
template <class P, class FA, class FB, sel_order O, sel_extra X>
void select_timeout_or_default_vs_sender_receives_or_leaves_it(const config&) {
  ledger led(1);
  auto cha = make_channel<msg, P, FA>();
  auto chb = make_channel<msg, P, FB>();
  auto ta = harness<P>::spawn([&led, s = std::move(cha.first)]() mutable {
    SLUICE_VERIFY(s.send(msg(led, 0)).has_value());
  });
  auto& rxa = cha.second;
  auto& rxb = chb.second;
  int fired_a = 0, fired_b = 0, fired_x = 0;
  auto case_a = on_recv(rxa, [&](recv_result<msg> r) {
    ++fired_a;
    SLUICE_VERIFY(r.has_value());
    take_expected<P>(led, *r, 0);
  });
  auto case_b = on_recv(rxb, [&](recv_result<msg>) { ++fired_b; });
  std::size_t i;
  if constexpr (X == sel_extra::timeout)
    i = select_two<O>(std::move(case_a), std::move(case_b), on_timeout(harness<P>::timeout(), [&] { ++fired_x; }));
  else
    i = select_two<O>(std::move(case_a), std::move(case_b), on_default([&] { ++fired_x; }));
  SLUICE_VERIFY(fired_b == 0 && fired_a + fired_x == 1);
  SLUICE_VERIFY(i == (fired_a ? 0u : 2u));
  if (i == 2) {
    auto m = rxa.recv();  // the drain: a0 stayed in A
    SLUICE_VERIFY(m.has_value());
    take_expected<P>(led, *m, 0);
  }
  ta.join();
  SLUICE_VERIFY(failed_with(rxa.try_recv(), errc::closed));
  SLUICE_VERIFY(failed_with(rxb.try_recv(), errc::empty));  // B's sender (chb.first) is alive
  SLUICE_VERIFY(led.received(0) == 1);
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

// (e) Two selects, each receiving on A and on B, compete for a0 (sent on A) and b0 (sent on
// B, after a0) by one sender. Each select blocks until one of its cases fires, and there are
// exactly two messages. Proves: each select fires exactly one case; the two selects receive
// different messages and together both (no message taken twice, none stranded while a select
// waits: a lost wake-up is a deadlock under the model).
template <class P, class FA, class FB, sel_order O1, sel_order O2>
void select_two_selects_compete_each_gets_one_distinct(const config&) {
  ledger led(2);
  auto cha = make_channel<msg, P, FA>();
  auto chb = make_channel<msg, P, FB>();
  int got1 = -1, got2 = -1;
  auto selector = [&led](auto order, int& got, auto rxa, auto rxb) {
    int fired = 0;
    const std::size_t i = select_two<decltype(order)::value>(
        on_recv(rxa, [&](recv_result<msg> r) {
          ++fired;
          SLUICE_VERIFY(r.has_value());
          take_expected<P>(led, *r, 0);
          got = 0;
        }),
        on_recv(rxb, [&](recv_result<msg> r) {
          ++fired;
          SLUICE_VERIFY(r.has_value());
          take_expected<P>(led, *r, 1);
          got = 1;
        }));
    SLUICE_VERIFY(fired == 1 && static_cast<int>(i) == got);
  };
  auto t1 = harness<P>::spawn([&, ra = cha.second, rb = chb.second]() mutable {
    selector(std::integral_constant<sel_order, O1>{}, got1, ra, rb);
  });
  auto t2 = harness<P>::spawn([&, ra = cha.second, rb = chb.second]() mutable {
    selector(std::integral_constant<sel_order, O2>{}, got2, ra, rb);
  });
  SLUICE_VERIFY(cha.first.send(msg(led, 0)).has_value());
  SLUICE_VERIFY(chb.first.send(msg(led, 1)).has_value());
  t1.join();
  t2.join();
  SLUICE_VERIFY(got1 + got2 == 1 && got1 != got2);  // one each, different
  SLUICE_VERIFY(failed_with(cha.second.try_recv(), errc::empty));
  SLUICE_VERIFY(failed_with(chb.second.try_recv(), errc::empty));
  SLUICE_VERIFY(led.received(0) == 1 && led.received(1) == 1);
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

// on_default is linearizable (sluice/select.hpp [D1]): r1 holds m0; thread B fills r2 with m1
// and only then empties r1, so at every instant one of them holds a message, and a fair select
// over both with a default must never take the default (crossbeam-channel's
// linearizable_default, in the model's exhaustive form: the checker chooses the select's order
// and every interleaving of B's two steps with its tries). On the old select (default right
// after one pass) the order r2, r1 with B's steps between the two tries took the default.
// Proves also: m0 and m1 are each received exactly once (by the select, B or the drain).
template <class P, class F>
void select_default_never_fires_while_a_case_is_ready(const config&) {
  ledger led(2);
  auto ch1 = make_channel<msg, P, F>();
  auto ch2 = make_channel<msg, P, F>();
  SLUICE_VERIFY(ch1.first.send(msg(led, 0)).has_value());
  auto tb = harness<P>::spawn([&led, s2 = std::move(ch2.first), r1 = ch1.second]() mutable {
    SLUICE_VERIFY(s2.send(msg(led, 1)).has_value());  // fill r2 first...
    auto m = r1.try_recv();                           // ...then empty r1
    if (m.has_value()) take_expected<P>(led, *m, 0);
  });
  int defaults = 0;
  sluice::select(on_recv(ch1.second,
                         [&](recv_result<msg> r) {
                           SLUICE_VERIFY(r.has_value());
                           take_expected<P>(led, *r, 0);
                         }),
                 on_recv(ch2.second,
                         [&](recv_result<msg> r) {
                           SLUICE_VERIFY(r.has_value());
                           take_expected<P>(led, *r, 1);
                         }),
                 on_default([&] { ++defaults; }));
  SLUICE_VERIFY(defaults == 0);
  tb.join();
  if (auto m = ch2.second.try_recv(); m.has_value()) take_expected<P>(led, *m, 1);
  SLUICE_VERIFY(led.received(0) == 1 && led.received(1) == 1);
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

// (f) A select with two cases switched off (sluice/select.hpp's pointer forms: a receive case
// on an empty receiver, a send case on a null sender holding a1) and a live receive case on a
// channel whose sender sends a0. Proves: the live case fires with a0, also when the select
// waits for it, through the off cases' ports (enrolled, re-checked, withdrawn: they register
// nothing, so no claim can name them, and no stale registration outlives the select); the off
// cases never fire; a1 is destroyed once with the select, never sent.
template <class P, class F>
void select_off_cases_vs_sender_fires_the_live_case(const config&) {
  ledger led(2);
  auto ch = make_channel<msg, P, F>();
  auto ta = harness<P>::spawn([&led, s = std::move(ch.first)]() mutable {
    SLUICE_VERIFY(s.send(msg(led, 0)).has_value());
  });
  basic_receiver<msg, P> off_rx;  // empty
  const basic_sender<msg, P>* off_tx = nullptr;
  int fired_off = 0, fired = 0;
  const std::size_t i = sluice::select(on_recv(&off_rx, [&](recv_result<msg>) { ++fired_off; }),
                                       on_send(off_tx, msg(led, 1), [&](send_result<msg>) { ++fired_off; }),
                                       on_recv(&ch.second, [&](recv_result<msg> r) {
                                         ++fired;
                                         SLUICE_VERIFY(r.has_value());
                                         take_expected<P>(led, *r, 0);
                                       }));
  SLUICE_VERIFY(i == 2 && fired == 1 && fired_off == 0);
  SLUICE_VERIFY(led.destroyed(1) == 1 && led.received(1) == 0);  // destroyed with the select, unsent
  ta.join();
  SLUICE_VERIFY(failed_with(ch.second.try_recv(), errc::closed));
  SLUICE_VERIFY(led.received(0) == 1);
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

// Every scenario for channels A (FA) and B (FB); under the model each select runs in both
// orders (see the header), on real threads fair.
template <class P, class FA, class FB, class Table>
void add_select_pair(Table& out) {
  const std::string flavors = std::string("@") + FA::name + (std::is_same_v<FA, FB> ? "" : std::string("+") + FB::name);
  auto add = [&](const char* what, const char* order, void (*fn)(const config&), weight w) {
    out.push_back({std::string("select_") + what + flavors + order, fn, "select", FA::name, w});
  };
  using so = sel_order;
  // Light: the select against one partner (two busy threads); heavy: against two partners or a
  // close (three threads on the same wait lists).
  auto each_order = [&](const char* what, void (*)(const config&), void (*)(const config&),
                        void (*fair)(const config&), weight w) { add(what, "", fair, w); };
  each_order("recv_recv_vs_two_senders_one_fires_each_once",
             &select_recv_recv_vs_two_senders_one_fires_each_once<P, FA, FB, so::a_first>,
             &select_recv_recv_vs_two_senders_one_fires_each_once<P, FA, FB, so::b_first>,
             &select_recv_recv_vs_two_senders_one_fires_each_once<P, FA, FB, so::fair>,
             weight::heavy);
  each_order("recv_send_vs_sender_and_receiver_one_fires_each_once",
             &select_recv_send_vs_sender_and_receiver_one_fires_each_once<P, FA, FB, so::a_first>,
             &select_recv_send_vs_sender_and_receiver_one_fires_each_once<P, FA, FB, so::b_first>,
             &select_recv_send_vs_sender_and_receiver_one_fires_each_once<P, FA, FB, so::fair>,
             weight::heavy);
  each_order("vs_close_closed_xor_other_fires_nothing_lost",
             &select_vs_close_closed_xor_other_fires_nothing_lost<P, FA, FB, so::a_first>,
             &select_vs_close_closed_xor_other_fires_nothing_lost<P, FA, FB, so::b_first>,
             &select_vs_close_closed_xor_other_fires_nothing_lost<P, FA, FB, so::fair>,
             weight::heavy);
  using X = sel_extra;
  each_order("timeout_vs_sender_receives_or_leaves_it",
             &select_timeout_or_default_vs_sender_receives_or_leaves_it<P, FA, FB, so::a_first, X::timeout>,
             &select_timeout_or_default_vs_sender_receives_or_leaves_it<P, FA, FB, so::b_first, X::timeout>,
             &select_timeout_or_default_vs_sender_receives_or_leaves_it<P, FA, FB, so::fair, X::timeout>,
             weight::light);
  each_order("default_vs_sender_receives_or_leaves_it",
             &select_timeout_or_default_vs_sender_receives_or_leaves_it<P, FA, FB, so::a_first, X::default_case>,
             &select_timeout_or_default_vs_sender_receives_or_leaves_it<P, FA, FB, so::b_first, X::default_case>,
             &select_timeout_or_default_vs_sender_receives_or_leaves_it<P, FA, FB, so::fair, X::default_case>,
             weight::light);
  add("two_selects_compete_each_gets_one_distinct", "",
      &select_two_selects_compete_each_gets_one_distinct<P, FA, FB, so::fair, so::fair>, weight::heavy);
  if constexpr (std::is_same_v<FA, FB> && buffers<FA>)
    add("default_never_fires_while_a_case_is_ready", "", &select_default_never_fires_while_a_case_is_ready<P, FA>,
        weight::light);
}

// One flavor: the scenarios of a select with cases switched off (light: one partner).
template <class P, class F, class Table>
void add_select_off(Table& out) {
  out.push_back({std::string("select_off_cases_vs_sender_fires_the_live_case@") + F::name,
                 &select_off_cases_vs_sender_fires_the_live_case<P, F>, "select", F::name, weight::light});
}

template <class P, class Table>
void add_select_scenarios(Table& out) {
  add_select_off<P, bounded1>(out);
  add_select_off<P, bounded2>(out);
  add_select_off<P, rendezvous>(out);
  add_select_off<P, unbounded>(out);
  add_select_pair<P, bounded1, bounded1>(out);
  add_select_pair<P, bounded2, bounded2>(out);
  add_select_pair<P, rendezvous, rendezvous>(out);
  add_select_pair<P, unbounded, unbounded>(out);
  // Mixed flavors in one select: a rendezvous case next to a buffered one, both ways round.
  add_select_pair<P, rendezvous, unbounded>(out);
  add_select_pair<P, bounded1, rendezvous>(out);
}

}  // namespace sluice::verif
