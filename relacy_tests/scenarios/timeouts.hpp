// relacy_tests/scenarios/timeouts.hpp — timed and cancellable operations racing the operation
// that would complete them. Under the model the timeout firing (or not) is a choice of the
// checker's virtual clock, so both branches are explored at every point; on real threads the
// timeout is random in [0, real_max_timeout].
#pragma once

#include <stop_token>
#include <utility>

#include "support/common.hpp"
#include "delivery.hpp"
#include "disconnect.hpp"

namespace sluice::verif {

// A receiver waits with recv_for while a sender sends one message. If the wait times out,
// the receiver then waits without a timeout. Proves: recv_for fails only with `timed_out`;
// a timed-out receive consumes nothing (the message is received exactly once, later); a
// timed-out receiver leaves no stale registration that swallows the message.
template <class P, class F>
void recv_for_racing_send_times_out_or_receives_never_loses(const config&) {
  ledger led(1);
  auto ch = make_channel<msg, P, F>();
  auto tr = harness<P>::spawn([&led, r = std::move(ch.second)]() mutable {
    auto m = r.recv_for(harness<P>::timeout());
    if (!m.has_value()) {
      SLUICE_VERIFY(m.error() == errc::timed_out);
      m = r.recv();
    }
    SLUICE_VERIFY(m.has_value());
    take<P>(led, *m);
  });
  auto ts = harness<P>::spawn([&led, s = std::move(ch.first)]() mutable {
    SLUICE_VERIFY(s.send(msg(led, 0)).has_value());
  });
  tr.join();
  ts.join();
  SLUICE_VERIFY(led.received(0) == 1);
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

// The channel is full (rendezvous: empty, no receiver waiting); a sender waits with send_for
// while a receiver takes every message. If send_for times out it must hand the same message
// back, and the sender then sends it without a timeout. Proves: send_for fails only with
// `timed_out` (never on unbounded, which is never full); a timed-out send leaves nothing
// behind in the channel; all messages arrive once, in FIFO order.
template <class P, class F>
void send_for_racing_recv_times_out_or_sends_never_loses(const config&) {
  constexpr int cap = F::is_unbounded ? 1 : static_cast<int>(F::capacity);
  ledger led(cap + 1);
  auto ch = make_channel<msg, P, F>();
  auto tx = std::move(ch.first);
  for (int i = 0; i < cap; ++i) SLUICE_VERIFY(tx.try_send(msg(led, i)).has_value());
  std::vector<int> order;
  auto tr = harness<P>::spawn([&led, &order, r = std::move(ch.second)]() mutable {
    for (int i = 0; i <= cap; ++i) {
      auto m = r.recv();
      SLUICE_VERIFY(m.has_value());
      take<P>(led, *m);
      order.push_back(m->id());
    }
  });
  auto ts = harness<P>::spawn([&led, s = std::move(tx)]() mutable {
    auto r = s.send_for(msg(led, cap), harness<P>::timeout());
    if (!r.has_value()) {
      SLUICE_VERIFY(!F::is_unbounded);
      SLUICE_VERIFY(r.error().code == errc::timed_out);
      SLUICE_VERIFY(r.error().message.id() == cap);
      SLUICE_VERIFY(s.send(std::move(r.error().message)).has_value());
    }
  });
  tr.join();
  ts.join();
  for (int i = 0; i <= cap; ++i) SLUICE_VERIFY(order[static_cast<std::size_t>(i)] == i);
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

// A receiver waits in recv(stop_token) while a sender sends one message and a third party
// requests stop. If cancelled, the receiver then receives without a token. Proves: the
// cancellable recv fails only with `cancelled`; a cancelled receive consumes nothing and
// leaves no registration behind; the message is received exactly once.
template <class P, class F>
void stop_token_cancel_recv_racing_send_never_loses(const config&) {
  ledger led(1);
  std::stop_source stop;
  auto ch = make_channel<msg, P, F>();
  auto tr = harness<P>::spawn([&led, token = stop.get_token(), r = std::move(ch.second)]() mutable {
    auto m = r.recv(token);
    if (!m.has_value()) {
      SLUICE_VERIFY(m.error() == errc::cancelled);
      m = r.recv();
    }
    SLUICE_VERIFY(m.has_value());
    take<P>(led, *m);
  });
  auto ts = harness<P>::spawn([&led, s = std::move(ch.first)]() mutable {
    SLUICE_VERIFY(s.send(msg(led, 0)).has_value());
  });
  stop.request_stop();
  tr.join();
  ts.join();
  SLUICE_VERIFY(led.received(0) == 1);
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

// The channel is full (rendezvous: nobody waiting); a sender waits in send(msg, stop_token)
// while a receiver takes every message and a third party requests stop. Proves: the
// cancellable send fails only with `cancelled` and then hands back the very message; a
// cancelled send leaves nothing behind; everything arrives once, in order.
template <class P, class F>
void stop_token_cancel_send_racing_recv_never_loses(const config&) {
  constexpr int cap = F::is_unbounded ? 1 : static_cast<int>(F::capacity);
  ledger led(cap + 1);
  std::stop_source stop;
  auto ch = make_channel<msg, P, F>();
  auto tx = std::move(ch.first);
  for (int i = 0; i < cap; ++i) SLUICE_VERIFY(tx.try_send(msg(led, i)).has_value());
  std::vector<int> order;
  auto tr = harness<P>::spawn([&led, &order, r = std::move(ch.second)]() mutable {
    for (int i = 0; i <= cap; ++i) {
      auto m = r.recv();
      SLUICE_VERIFY(m.has_value());
      take<P>(led, *m);
      order.push_back(m->id());
    }
  });
  auto ts = harness<P>::spawn([&led, token = stop.get_token(), s = std::move(tx)]() mutable {
    auto r = s.send(msg(led, cap), token);
    if (!r.has_value()) {
      SLUICE_VERIFY(r.error().code == errc::cancelled);
      SLUICE_VERIFY(r.error().message.id() == cap);
      SLUICE_VERIFY(s.send(std::move(r.error().message)).has_value());
    }
  });
  stop.request_stop();
  tr.join();
  ts.join();
  for (int i = 0; i <= cap; ++i) SLUICE_VERIFY(order[static_cast<std::size_t>(i)] == i);
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

}  // namespace sluice::verif
