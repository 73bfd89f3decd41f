// relacy_tests/scenarios/disconnect.hpp — sends and receives racing close() and the drop of
// the last handle on the other side; blocked parties woken by disconnect; a channel that dies
// with messages in it.
//
// The accounting rule every scenario here checks: a message given to send() is either
// accepted (send returns a value; the message is then received, or destroyed with the
// channel) or handed back (send returns `closed` with that same message) — never both, never
// neither — and each message is destroyed exactly once.
#pragma once

#include <optional>
#include <utility>

#include "support/common.hpp"
#include "delivery.hpp"

namespace sluice::verif {

// Receives whatever try_recv still yields, recording each message; returns how many.
template <class P, class Rx>
int drain_with_try_recv(ledger& led, Rx& rx) {
  int n = 0;
  for (;;) {
    auto r = rx.try_recv();
    if (!r.has_value()) {
      SLUICE_VERIFY(r.error() == errc::empty || r.error() == errc::closed);
      return n;
    }
    take<P>(led, *r);
    ++n;
  }
}

// Records the outcome of a send: true if accepted; false if handed back as `expected`.
template <class P, class R>
bool settle_send(ledger& led, R& r, int id, errc expected) {
  if (r.has_value()) return true;
  SLUICE_VERIFY(r.error().code == expected);
  SLUICE_VERIFY(r.error().message.intact());
  SLUICE_VERIFY(r.error().message.id() == id);  // the very message given to send()
  led.on_handed_back(id);
  return false;
}

enum class closer { receiver, sender };

// One thread sends one message while another closes the channel (through a receiver or
// through a second sender). Proves: the send is accepted xor handed back with `closed`; on a
// rendezvous channel nobody receives, so it must be handed back; a message accepted before
// the close is still received afterwards, whichever side closed (channel.hpp: "messages
// already buffered stay receivable"); each message destroyed once.
template <class P, class F, closer By>
void send_racing_close_accepts_xor_hands_back(const config&) {
  ledger led(1);
  auto ch = make_channel<msg, P, F>();
  auto tx = std::move(ch.first);
  auto rx = std::move(ch.second);
  bool accepted = false;
  auto ts = harness<P>::spawn([&led, &accepted, s = tx]() mutable {
    auto r = s.send(msg(led, 0));
    accepted = settle_send<P>(led, r, 0, errc::closed);
  });
  auto tc = harness<P>::spawn([&] {
    if constexpr (By == closer::receiver)
      rx.close();
    else
      tx.close();
  });
  ts.join();
  tc.join();
  if constexpr (!buffers<F>) SLUICE_VERIFY(!accepted);
  drain_with_try_recv<P>(led, rx);
  SLUICE_VERIFY(rx.try_recv().error() == errc::closed);
  if (accepted) SLUICE_VERIFY(led.received(0) == 1);
  drop(tx);
  drop(rx);
  SLUICE_VERIFY(accepted == (led.handed_back(0) == 0));
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

// One thread sends one message while another drops the only receiver. Proves: accepted xor
// handed back with `closed` (rendezvous: always handed back, nobody can take it); an accepted
// message dies with the channel, once.
template <class P, class F>
void send_racing_last_receiver_drop_accepts_xor_hands_back(const config&) {
  ledger led(1);
  auto ch = make_channel<msg, P, F>();
  auto tx = std::move(ch.first);
  bool accepted = false;
  auto ts = harness<P>::spawn([&] {
    auto r = tx.send(msg(led, 0));
    accepted = settle_send<P>(led, r, 0, errc::closed);
  });
  auto td = harness<P>::spawn([r = std::move(ch.second)]() mutable { drop(r); });
  ts.join();
  td.join();
  if constexpr (!buffers<F>) SLUICE_VERIFY(!accepted);
  SLUICE_VERIFY(tx.is_disconnected());
  SLUICE_VERIFY(led.received(0) == 0);
  drop(tx);
  SLUICE_VERIFY(accepted == (led.handed_back(0) == 0));
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

// A sender sends `n` messages and drops the last sender while the receiver receives until
// closed. Proves: every message sent before the drop is received, in order, before the
// receiver sees `closed`; the receiver is not left blocked.
template <class P, class F>
void recv_racing_last_sender_drop_gets_everything_then_closed(const config& cfg) {
  const int n = cfg.per_producer;
  ledger led(n);
  auto ch = make_channel<msg, P, F>();
  std::vector<int> order;
  auto ts = harness<P>::spawn([&led, n, s = std::move(ch.first)]() mutable {
    for (int i = 0; i < n; ++i) SLUICE_VERIFY(s.send(msg(led, i, 0, i)).has_value());
    drop(s);
  });
  auto tr = harness<P>::spawn([&led, &order, r = std::move(ch.second)]() mutable {
    for (;;) {
      auto m = r.recv();
      if (!m.has_value()) {
        SLUICE_VERIFY(m.error() == errc::closed);
        break;
      }
      take<P>(led, *m);
      order.push_back(m->seq());
    }
  });
  ts.join();
  tr.join();
  SLUICE_VERIFY(static_cast<int>(order.size()) == n);
  for (int i = 0; i < static_cast<int>(order.size()); ++i) SLUICE_VERIFY(order[static_cast<std::size_t>(i)] == i);
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

enum class disconnect_by { close, drop };

// The channel is full (rendezvous: nobody receives); a sender blocks in send() while the
// receiver side closes or drops. Proves: the blocked sender wakes and gets its message back
// with `closed` (it cannot have been accepted); the buffered messages are each destroyed once.
template <class P, class F, disconnect_by How>
void disconnect_wakes_blocked_sender(const config&) {
  static_assert(can_block_sender<F>);
  constexpr int cap = static_cast<int>(F::capacity);
  ledger led(cap + 1);
  auto ch = make_channel<msg, P, F>();
  auto tx = std::move(ch.first);
  auto rx = std::move(ch.second);
  for (int i = 0; i < cap; ++i) SLUICE_VERIFY(tx.try_send(msg(led, i)).has_value());
  SLUICE_VERIFY(tx.is_full());
  auto ts = harness<P>::spawn([&led, s = std::move(tx)]() mutable {
    auto r = s.send(msg(led, cap));
    SLUICE_VERIFY(!settle_send<P>(led, r, cap, errc::closed));
  });
  auto td = harness<P>::spawn([&rx] {
    if constexpr (How == disconnect_by::close)
      rx.close();
    else
      drop(rx);
  });
  ts.join();
  td.join();
  SLUICE_VERIFY(led.handed_back(cap) == 1);
  drop(rx);
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

// The channel is empty; a receiver blocks in recv() while the sender side closes or drops the
// last sender. Proves: the blocked receiver wakes with `closed`.
template <class P, class F, disconnect_by How>
void disconnect_wakes_blocked_receiver(const config&) {
  auto ch = make_channel<int, P, F>();
  auto tx = std::move(ch.first);
  auto tr = harness<P>::spawn([r = std::move(ch.second)]() mutable {
    auto m = r.recv();
    SLUICE_VERIFY(!m.has_value());
    SLUICE_VERIFY(m.error() == errc::closed);
  });
  auto td = harness<P>::spawn([&tx] {
    if constexpr (How == disconnect_by::close)
      tx.close();
    else
      drop(tx);
  });
  tr.join();
  td.join();
}

// A sender fills the channel (bounded: to capacity; unbounded: cfg.buffered messages;
// rendezvous: one blocking send) and drops its sender, racing a receiver that takes at most
// one message with try_recv and drops the last receiver. The shared state dies in whichever
// thread drops last. Proves: every message is destroyed exactly once (the buffered ones with
// the channel), none is both received and handed back, and (under the model, ASan, valgrind)
// the shared state is freed once and not leaked.
template <class P, class F>
void channel_dropped_with_buffered_messages_destroys_each_once(const config& cfg) {
  int n = F::is_unbounded ? cfg.buffered : F::capacity == 0 ? 1 : static_cast<int>(F::capacity);
  ledger led(n);
  auto ch = make_channel<msg, P, F>();
  auto ts = harness<P>::spawn([&led, n, s = std::move(ch.first)]() mutable {
    for (int i = 0; i < n; ++i) {
      // Once the receiver is gone every later send is handed back too: keep going, so each
      // of the n messages exists and must be accounted for.
      auto r = s.send(msg(led, i));
      settle_send<P>(led, r, i, errc::closed);
    }
    drop(s);
  });
  auto tr = harness<P>::spawn([&led, r = std::move(ch.second)]() mutable {
    auto m = r.try_recv();
    if (m.has_value()) {
      take<P>(led, *m);
      SLUICE_VERIFY(m->id() == 0);  // FIFO: the first message out is the first sent
    } else {
      SLUICE_VERIFY(m.error() == errc::empty || m.error() == errc::closed);
    }
    drop(r);
  });
  ts.join();
  tr.join();
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

// A sender writes plain shared memory (a P::cell) and then drops the last sender; the
// receiver waits until recv() reports `closed` and then reads that memory. Proves (when it
// passes): everything the last sender did before it went away happens-before a recv() that
// returns `closed` because of it — Go's "the closing of a channel is synchronized before a
// receive that returns because the channel is closed". Under the model a missing edge is a
// data race on the cell. FINDING-1 (relacy_tests/README.md): core does not give this edge;
// the model tier runs this scenario as an expected failure (data_race) until it does.
template <class P, class F>
void recv_closed_happens_after_last_sender_drop(const config&) {
  auto ch = make_channel<int, P, F>();
  typename P::template cell<int> shared(0);
  auto ts = harness<P>::spawn([&shared, s = std::move(ch.first)]() mutable {
    // SAFETY: written before the drop; read by the receiver only after it saw `closed`.
    shared.with_mut([](int* v) { *v = 42; });
    drop(s);
  });
  auto tr = harness<P>::spawn([&shared, r = std::move(ch.second)]() mutable {
    auto m = r.recv();
    SLUICE_VERIFY(!m.has_value() && m.error() == errc::closed);
    int seen = 0;
    // SAFETY: the claim under test: the sender's write happens-before this read.
    shared.with([&](const int* v) { seen = *v; });
    SLUICE_VERIFY(seen == 42);
  });
  ts.join();
  tr.join();
}

// A sender writes plain shared memory and drops the last sender; the receiver asks
// is_disconnected() once and, on `true`, reads that memory. Proves: a `true` answer
// happens-after the close that made it true (the query's half of the edge above; the zero
// flavor mirrors `disconnected` in an atomic flag for it, zero.hpp [Z3]). Written by the
// ordering study: it catches zero.closed_store and zero.closed_load weakened to relaxed.
template <class P, class F>
void is_disconnected_true_happens_after_last_sender_drop(const config&) {
  auto ch = make_channel<int, P, F>();
  typename P::template cell<int> shared(0);
  auto ts = harness<P>::spawn([&shared, s = std::move(ch.first)]() mutable {
    // SAFETY: written before the drop; read by the receiver only after is_disconnected().
    shared.with_mut([](int* v) { *v = 42; });
    drop(s);
  });
  auto tr = harness<P>::spawn([&shared, r = std::move(ch.second)]() mutable {
    if (!r.is_disconnected()) return;
    int seen = 0;
    // SAFETY: the claim under test: the sender's write happens-before this read.
    shared.with([&](const int* v) { seen = *v; });
    SLUICE_VERIFY(seen == 42);
  });
  ts.join();
  tr.join();
}

}  // namespace sluice::verif
