// relacy_tests/scenarios/try_ops.hpp — try_send / try_recv never block and never lie.
//
// "Never lie" is stated against happens-before: if a completed send (resp. a completed
// receive that freed a slot) happens-before a try_recv (resp. try_send), the try operation
// must see it. The scenarios build that edge with a P::atomic flag (release store after the
// operation, acquire load before the try), so under the model the checker knows the edge too
// and explores every execution where the flag was or was not seen.
#pragma once

#include <cstdint>
#include <utility>

#include "support/common.hpp"
#include "delivery.hpp"
#include "disconnect.hpp"

namespace sluice::verif {

// One thread sends a message and then raises a flag; another reads the flag, then try_recv.
// Proves: try_recv fails only with `empty` while the sender lives; if the flag was seen it
// must return the message; whatever it did not take is still there afterwards (len() agrees)
// and is received once. On a rendezvous channel, where no receiver ever waits here, try_send
// must fail with `full` (handing the message back) and try_recv with `empty`: neither blocks,
// neither invents a partner.
template <class P, class F>
void try_recv_sees_every_completed_send(const config&) {
  ledger led(1);
  auto ch = make_channel<msg, P, F>();
  auto tx = std::move(ch.first);
  auto rx = std::move(ch.second);
  typename P::template atomic<bool> sent{false};
  auto ts = harness<P>::spawn([&] {
    if constexpr (buffers<F>) {
      SLUICE_VERIFY(tx.send(msg(led, 0)).has_value());  // never blocks: the channel has room
    } else {
      auto r = tx.try_send(msg(led, 0));
      SLUICE_VERIFY(!settle_send<P>(led, r, 0, errc::full));
    }
    sent.store(true, std::memory_order_release);
  });
  auto tr = harness<P>::spawn([&] {
    const bool seen = sent.load(std::memory_order_acquire);
    auto m = rx.try_recv();
    if (m.has_value()) {
      SLUICE_VERIFY(buffers<F>);
      take<P>(led, *m);
    } else {
      SLUICE_VERIFY(m.error() == errc::empty);
      SLUICE_VERIFY(!(seen && buffers<F>));  // a visible completed send must be seen
    }
  });
  ts.join();
  tr.join();
  if constexpr (buffers<F>) {
    SLUICE_VERIFY(rx.len() == static_cast<std::size_t>(1 - led.received(0)));
    drain_with_try_recv<P>(led, rx);
    SLUICE_VERIFY(led.received(0) == 1);
  } else {
    SLUICE_VERIFY(led.handed_back(0) == 1);
  }
  drop(tx);
  drop(rx);
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

// The channel starts full; one thread takes a message with try_recv (which must succeed: the
// fill happens-before it) and raises a flag; another reads the flag, then try_send. Proves:
// try_send fails only with `full`, handing the message back; if the freed slot is visible
// (flag seen) it must succeed; the channel holds exactly what the two operations imply and
// FIFO order holds. Unbounded: try_send always succeeds.
template <class P, class F>
void try_send_sees_every_completed_recv(const config&) {
  static_assert(buffers<F>, "a rendezvous channel has no slot to free");
  constexpr int cap = F::is_unbounded ? 1 : static_cast<int>(F::capacity);
  ledger led(cap + 1);
  auto ch = make_channel<msg, P, F>();
  auto tx = std::move(ch.first);
  auto rx = std::move(ch.second);
  for (int i = 0; i < cap; ++i) SLUICE_VERIFY(tx.try_send(msg(led, i)).has_value());
  typename P::template atomic<bool> freed{false};
  bool accepted = false;
  auto tr = harness<P>::spawn([&] {
    auto m = rx.try_recv();
    SLUICE_VERIFY(m.has_value());
    SLUICE_VERIFY(m->id() == 0);
    take<P>(led, *m);
    freed.store(true, std::memory_order_release);
  });
  auto ts = harness<P>::spawn([&] {
    const bool seen = freed.load(std::memory_order_acquire);
    auto r = tx.try_send(msg(led, cap));
    accepted = settle_send<P>(led, r, cap, errc::full);
    if (seen || F::is_unbounded) SLUICE_VERIFY(accepted);
  });
  tr.join();
  ts.join();
  SLUICE_VERIFY(rx.len() == static_cast<std::size_t>(cap - 1 + (accepted ? 1 : 0)));
  for (int i = 1; i <= cap; ++i) {
    auto m = rx.try_recv();
    if (i == cap && !accepted) {
      SLUICE_VERIFY(!m.has_value() && m.error() == errc::empty);
      break;
    }
    SLUICE_VERIFY(m.has_value() && m->id() == i);
    take<P>(led, *m);
  }
  drop(tx);
  drop(rx);
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

// Store buffering through the channel: thread A sends, then reads a seq_cst flag; thread B
// sets the flag (seq_cst), then calls try_recv(). Proves: never both "A read the flag unset"
// and "B's try_recv reported empty". A's load precedes B's store in the single total order S,
// so the send's seq_cst claim ([A1], [B1]) precedes B's full/empty decision, which reads the
// tail after a seq_cst fence (array.hpp [A6], list.hpp [B8]) and so sees the claim. "Before"
// is established through S alone here, not through happens-before: the one shape the fence
// serves. Written by the ordering study: it catches *.decide_fence weakened.
template <class P, class F>
void try_recv_empty_is_ordered_in_S_after_a_send(const config&) {
  auto ch = make_channel<int, P, F>();
  auto tx = ch.first;   // clones held here: neither thread's handle is the last, so nothing
  auto rx = ch.second;  // closes the channel while the two race
  typename P::template atomic<std::uint32_t> flag{0};
  std::uint32_t a_saw = 2;  // written by A, read after the joins
  bool b_empty = false;     // written by B, read after the joins
  auto ta = harness<P>::spawn([&, s = std::move(ch.first)]() mutable {
    SLUICE_VERIFY(s.send(1).has_value());
    a_saw = flag.load(std::memory_order_seq_cst);
  });
  auto tb = harness<P>::spawn([&, r = std::move(ch.second)]() mutable {
    flag.store(1, std::memory_order_seq_cst);
    auto m = r.try_recv();
    b_empty = !m.has_value() && m.error() == errc::empty;
  });
  ta.join();
  tb.join();
  SLUICE_VERIFY(!(a_saw == 0 && b_empty));
}

}  // namespace sluice::verif
