// relacy_tests/scenarios/spsc.hpp — the single-producer / single-consumer flavors behind the
// spsc handles: the ring (spsc_bounded, capacities 1 and 2) and the block list (spsc_unbounded).
//
// What the scenarios prove, each with the producer and the consumer on their own threads:
//  - hand-off: every message is received exactly once, in order, with the channel's
//    happens-before edge (a P::cell written before send and read after the receive is no data
//    race), and the receive loop ends at `closed` exactly when the sender is gone — at capacity
//    1 and 2 this makes the producer block on a full ring and the consumer on an empty one, so
//    both wake-up paths (the [R2]/[L2] and [R4]+[R5]/[L2] store-buffering pairs) are explored;
//  - close from each side while the other side blocks (or is about to): the blocked side wakes,
//    a send is accepted xor handed back with `closed`, an accepted message is still received
//    after the close (close is exact: no message slips in after it), and `closed` is final;
//  - timeouts and stop tokens racing the partner never lose or duplicate a message;
//  - try_recv / try_send never contradict a completed operation that happens-before them;
//  - buffered messages are destroyed exactly once with the channel, whichever side goes last.
//
//  - the block lists cross a block boundary concurrently (the consumer frees the old block);
//  - mpsc_unbounded (list.hpp with one consumer): two producers, FIFO per producer, exact close.
//
// Tier wiring: add_spsc_scenarios<P>(table) appends "spsc_<scenario>/<flavor>" entries
// (flavor: ring1, ring2, list, mpsc_list), tagged group spsc (light) or mpsc (heavy).
#pragma once

#include <cstddef>
#include <stop_token>
#include <string>
#include <utility>
#include <vector>

#include <sluice/spsc.hpp>

#include "support/common.hpp"
#include "support/table.hpp"
#include "delivery.hpp"
#include "disconnect.hpp"
#include "unreceived.hpp"

namespace sluice::verif {

struct spsc_ring1 {
  static constexpr const char* name = "ring1";
  static constexpr std::size_t capacity = 1;
};
struct spsc_ring2 {
  static constexpr const char* name = "ring2";
  static constexpr std::size_t capacity = 2;
};
struct spsc_list {
  static constexpr const char* name = "list";
  static constexpr std::size_t capacity = 0;  // unbounded
};

template <class F>
inline constexpr bool spsc_bounded_v = F::capacity > 0;

template <class T, class P, class F>
auto make_spsc() {
  if constexpr (spsc_bounded_v<F>)
    return basic_spsc_bounded<T, P>(F::capacity);
  else
    return basic_spsc_unbounded<T, P>();
}

// The producer sends cfg.per_producer + 1 messages (more than a ring of 1 holds), then drops
// its sender; the consumer receives with range-for until closed.
template <class P, class F>
void spsc_handoff_fifo_no_loss(const config& cfg) {
  const int n = cfg.per_producer + 1;
  ledger led(n);
  auto ch = make_spsc<msg, P, F>();
  std::vector<int> order;
  auto tp = harness<P>::spawn([&, tx = std::move(ch.first)]() mutable {
    for (int i = 0; i < n; ++i) SLUICE_VERIFY(tx.send(msg(led, i, 0, i)).has_value());
  });
  auto tc = harness<P>::spawn([&, rx = std::move(ch.second)]() mutable {
    for (auto&& m : rx) {
      take<P>(led, m);
      order.push_back(m.seq());
    }
    SLUICE_VERIFY(rx.is_disconnected());
    SLUICE_VERIFY(rx.try_recv().error() == errc::closed);
  });
  tp.join();
  tc.join();
  SLUICE_VERIFY(static_cast<int>(order.size()) == n);
  for (int i = 0; i < n; ++i) SLUICE_VERIFY(order[static_cast<std::size_t>(i)] == i);
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

// The happens-before edge alone, without a race the edge cannot order: one message, a cell
// written before send and read after the receive.
template <class P, class F>
void spsc_send_happens_before_recv(const config&) {
  ledger led(1);
  auto ch = make_spsc<msg, P, F>();
  typename P::template cell<int> side(0);
  auto tp = harness<P>::spawn([&, tx = std::move(ch.first)]() mutable {
    // SAFETY (test): read by the consumer only after it received the message sent below.
    side.with_mut([](int* v) { *v = 42; });
    SLUICE_VERIFY(tx.send(msg(led, 0)).has_value());
  });
  auto tc = harness<P>::spawn([&, rx = std::move(ch.second)]() mutable {
    auto m = rx.recv();
    SLUICE_VERIFY(m.has_value());
    take<P>(led, *m);
    // SAFETY (test): ordered after the write by the channel; a race here is the bug.
    side.with([](const int* v) { SLUICE_VERIFY(*v == 42); });
  });
  tp.join();
  tc.join();
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

enum class spsc_closer { sender_close, sender_drop, receiver_close, receiver_drop };

// The consumer blocks in recv (the channel is empty) while the sender side closes (close or
// drop) after sending `sent` = 0 or 1 messages. Proves the consumer gets the message (if one
// was sent), then `closed`, and never hangs.
template <class P, class F, spsc_closer By, int Sent>
void spsc_sender_side_close_wakes_receiver(const config&) {
  ledger led(1);
  auto ch = make_spsc<msg, P, F>();
  int got = 0;
  auto tp = harness<P>::spawn([&, tx = std::move(ch.first)]() mutable {
    if constexpr (Sent == 1) SLUICE_VERIFY(tx.send(msg(led, 0)).has_value());
    if constexpr (By == spsc_closer::sender_close)
      SLUICE_VERIFY(tx.close());
    else
      drop(tx);
  });
  auto tc = harness<P>::spawn([&, rx = std::move(ch.second)]() mutable {
    for (;;) {
      auto m = rx.recv();
      if (!m.has_value()) {
        SLUICE_VERIFY(m.error() == errc::closed);
        break;
      }
      take<P>(led, *m);
      ++got;
    }
    SLUICE_VERIFY(rx.recv().error() == errc::closed);  // final
  });
  tp.join();
  tc.join();
  SLUICE_VERIFY(got == Sent);
  if constexpr (Sent == 1) SLUICE_VERIFY_LEDGER_CLOSED(led);
}

// The producer sends `F::capacity + 1` messages on a ring (the last one blocks on the full
// ring) while the receiver side closes or drops without receiving. Proves the blocked send
// wakes and is handed back with `closed` (no slot was ever freed, so it cannot be accepted),
// and every accepted message is received after a close (exact close) or destroyed with the
// channel after a drop, each exactly once.
template <class P, class F, spsc_closer By>
void spsc_receiver_side_close_wakes_full_sender(const config&) {
  constexpr int n = static_cast<int>(F::capacity) + 1;
  ledger led(n);
  auto ch = make_spsc<msg, P, F>();
  auto rx = std::move(ch.second);
  int accepted = 0;
  auto tp = harness<P>::spawn([&, tx = std::move(ch.first)]() mutable {
    for (int i = 0; i < n; ++i) {
      auto r = tx.send(msg(led, i, 0, i));
      if (settle_send<P>(led, r, i, errc::closed)) ++accepted;
    }
  });
  auto tc = harness<P>::spawn([&] {
    if constexpr (By == spsc_closer::receiver_close)
      rx.close();
    else
      drop(rx);
  });
  tp.join();
  tc.join();
  SLUICE_VERIFY(accepted < n);  // nobody received: the last send cannot have found room
  if constexpr (By == spsc_closer::receiver_close) {
    for (int i = 0; i < accepted; ++i) {
      auto m = rx.try_recv();
      SLUICE_VERIFY(m.has_value() && m->seq() == i);  // everything accepted is still there
      take<P>(led, *m);
    }
    SLUICE_VERIFY(rx.try_recv().error() == errc::closed);
    drop(rx);
  }
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

// One send races a close by the receiver (from the consumer's thread, which then drains).
// Proves close is exact: the send is accepted xor handed back; an accepted message is
// received by the drain after the close, and once the receiver has seen `closed` nothing more
// ever arrives (the close mark in tail makes a publish after the close fail).
template <class P, class F>
void spsc_send_racing_receiver_close_is_exact(const config&) {
  ledger led(1);
  auto ch = make_spsc<msg, P, F>();
  auto rx = std::move(ch.second);
  bool accepted = false;
  int received = 0;
  auto tp = harness<P>::spawn([&, tx = std::move(ch.first)]() mutable {
    auto r = tx.send(msg(led, 0));
    accepted = settle_send<P>(led, r, 0, errc::closed);
  });
  auto tc = harness<P>::spawn([&] {
    rx.close();
    for (;;) {
      auto m = rx.try_recv();
      if (!m.has_value()) {
        SLUICE_VERIFY(m.error() == errc::closed);  // never `empty` after the close
        break;
      }
      take<P>(led, *m);
      ++received;
    }
  });
  tp.join();
  tc.join();
  // The sender is done now: `closed` must have been final even if the send was still running
  // when the consumer got its first `closed`.
  SLUICE_VERIFY(rx.try_recv().error() == errc::closed);
  SLUICE_VERIFY(received == (accepted ? 1 : 0));
  drop(rx);
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

// recv_for on an empty channel races one send. Proves: the receive times out or gets the
// message; on a time-out, the message (the send always succeeds) is received next.
template <class P, class F>
void spsc_recv_for_racing_send_never_loses(const config&) {
  ledger led(1);
  auto ch = make_spsc<msg, P, F>();
  auto tp = harness<P>::spawn([&, tx = std::move(ch.first)]() mutable {
    SLUICE_VERIFY(tx.send(msg(led, 0)).has_value());
  });
  auto tc = harness<P>::spawn([&, rx = std::move(ch.second)]() mutable {
    auto m = rx.recv_for(harness<P>::timeout());
    if (!m.has_value()) {
      SLUICE_VERIFY(m.error() == errc::timed_out);
      m = rx.recv();
    }
    SLUICE_VERIFY(m.has_value());
    take<P>(led, *m);
  });
  tp.join();
  tc.join();
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

// send_for on a full ring races one receive. Proves: the send times out (handing the message
// back) or is accepted; nothing is lost or duplicated either way.
template <class P, class F>
void spsc_send_for_on_full_racing_recv_never_loses(const config&) {
  constexpr int n = static_cast<int>(F::capacity) + 1;
  ledger led(n);
  auto ch = make_spsc<msg, P, F>();
  auto tx = std::move(ch.first);
  auto rx = std::move(ch.second);
  for (int i = 0; i + 1 < n; ++i) SLUICE_VERIFY(tx.try_send(msg(led, i, 0, i)).has_value());
  bool accepted = false;
  auto tp = harness<P>::spawn([&] {
    auto r = tx.send_for(msg(led, n - 1, 0, n - 1), harness<P>::timeout());
    accepted = settle_send<P>(led, r, n - 1, errc::timed_out);
  });
  auto tc = harness<P>::spawn([&] {
    auto m = rx.recv();
    SLUICE_VERIFY(m.has_value() && m->seq() == 0);
    take<P>(led, *m);
  });
  tp.join();
  tc.join();
  drop(tx);
  int next = 1;
  for (auto&& m : rx) {
    SLUICE_VERIFY(m.seq() == next++);
    take<P>(led, m);
  }
  SLUICE_VERIFY(next == (accepted ? n : n - 1));
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

// A receive with a stop token races a send and a stop request from a third thread. Proves: a
// cancelled receive consumed nothing (the next recv gets the message).
template <class P, class F>
void spsc_stop_cancel_recv_racing_send_never_loses(const config&) {
  ledger led(1);
  auto ch = make_spsc<msg, P, F>();
  std::stop_source stop;
  auto tp = harness<P>::spawn([&, tx = std::move(ch.first)]() mutable {
    SLUICE_VERIFY(tx.send(msg(led, 0)).has_value());
  });
  auto tc = harness<P>::spawn([&, rx = std::move(ch.second), token = stop.get_token()]() mutable {
    auto m = rx.recv(token);
    if (!m.has_value()) {
      SLUICE_VERIFY(m.error() == errc::cancelled);
      m = rx.recv();
    }
    SLUICE_VERIFY(m.has_value());
    take<P>(led, *m);
  });
  stop.request_stop();
  tp.join();
  tc.join();
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

// try_recv after a completed send that happens-before it (a P::atomic flag) must see it; and
// on a ring, try_send after a completed receive that happens-before it must find room.
template <class P, class F>
void spsc_try_ops_see_every_completed_partner(const config&) {
  constexpr int n = spsc_bounded_v<F> ? static_cast<int>(F::capacity) + 1 : 2;
  ledger led(n);
  auto ch = make_spsc<msg, P, F>();
  auto tx = std::move(ch.first);
  auto rx = std::move(ch.second);
  for (int i = 0; i + 1 < n; ++i) SLUICE_VERIFY(tx.try_send(msg(led, i, 0, i)).has_value());
  typename P::template atomic<bool> received{false};
  typename P::template atomic<bool> sent{false};
  auto tp = harness<P>::spawn([&] {
    const bool room = received.load(std::memory_order_acquire);
    auto r = tx.try_send(msg(led, n - 1, 0, n - 1));
    if (!settle_send<P>(led, r, n - 1, errc::full)) {
      SLUICE_VERIFY(spsc_bounded_v<F> && !room);  // a visible completed receive freed a slot
    } else {
      sent.store(true, std::memory_order_release);
    }
  });
  auto tc = harness<P>::spawn([&] {
    auto m = rx.try_recv();
    SLUICE_VERIFY(m.has_value() && m->seq() == 0);  // n - 1 >= 1 messages were buffered
    take<P>(led, *m);
    received.store(true, std::memory_order_release);
    if (sent.load(std::memory_order_acquire)) {
      for (int i = 1; i < n; ++i) {
        auto k = rx.try_recv();
        SLUICE_VERIFY(k.has_value() && k->seq() == i);  // a visible completed send is seen
        take<P>(led, *k);
      }
    }
  });
  tp.join();
  tc.join();
  drop(tx);
  for (auto&& m : rx) take<P>(led, m);
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

// Both handles are dropped on different threads while messages are buffered. Proves each
// buffered message is destroyed exactly once, by whichever side frees the state.
template <class P, class F>
void spsc_drop_both_with_buffered_messages_destroys_each_once(const config& cfg) {
  const int n = spsc_bounded_v<F> ? static_cast<int>(F::capacity) : cfg.buffered;
  ledger led(n + 1);
  auto ch = make_spsc<msg, P, F>();
  auto tx = std::move(ch.first);
  auto rx = std::move(ch.second);
  SLUICE_VERIFY(tx.try_send(msg(led, n)).has_value());  // moves head off slot 0
  {
    auto first = rx.try_recv();
    SLUICE_VERIFY(first.has_value());
    take<P>(led, *first);
  }
  for (int i = 0; i < n; ++i) SLUICE_VERIFY(tx.try_send(msg(led, i)).has_value());
  auto tp = harness<P>::spawn([t = std::move(tx)]() mutable { drop(t); });
  auto tc = harness<P>::spawn([r = std::move(rx)]() mutable { drop(r); });
  tp.join();
  tc.join();
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

// The block lists at a block boundary (spsc_list: 63 slots a block; mpsc_list = list.hpp with
// one consumer: 63 slots, the 64th position of a lap marks "next block being installed").
// The main thread fills positions 0..61 and receives 0..60, so the consumer stands one slot
// before the block's last; then NP producers send one message each (NP = 1: positions 62 and
// 63 from one producer) while the consumer receives the rest — the last slot is written, the
// next block installed, and the consumer crosses into it and frees the old block, all
// concurrently. Proves: nothing lost or duplicated, FIFO per producer, each block freed once
// and never used after (the model's allocation tracking), every message destroyed once.
template <class P, bool Mpsc>
void list_block_boundary_crossing_frees_each_block_once(const config&) {
  constexpr int prefill = 62;
  constexpr int np = Mpsc ? 2 : 1;
  constexpr int late = 2;  // messages sent concurrently
  ledger led(prefill + late);
  auto ch = [] {
    if constexpr (Mpsc)
      return basic_mpsc_unbounded<msg, P>();
    else
      return basic_spsc_unbounded<msg, P>();
  }();
  auto tx = std::move(ch.first);
  auto rx = std::move(ch.second);
  for (int i = 0; i < prefill; ++i) SLUICE_VERIFY(tx.try_send(msg(led, i, 0, i)).has_value());
  for (int i = 0; i + 1 < prefill; ++i) {
    auto m = rx.try_recv();
    SLUICE_VERIFY(m.has_value() && m->id() == i);
    take<P>(led, *m);
  }
  std::vector<std::pair<int, int>> order;
  auto tc = harness<P>::spawn([&] {
    for (int k = 0; k < 1 + late; ++k) {
      auto m = rx.recv();
      SLUICE_VERIFY(m.has_value());
      take<P>(led, *m);
      order.emplace_back(m->producer(), m->seq());
    }
  });
  if constexpr (np == 1) {
    auto tp = harness<P>::spawn([&] {
      for (int k = 0; k < late; ++k) SLUICE_VERIFY(tx.send(msg(led, prefill + k, 0, prefill + k)).has_value());
    });
    tp.join();
  } else {
    auto t1 = harness<P>::spawn([&, s = tx]() mutable {
      SLUICE_VERIFY(s.send(msg(led, prefill, 1, 0)).has_value());
    });
    auto t2 = harness<P>::spawn([&, s = tx]() mutable {
      SLUICE_VERIFY(s.send(msg(led, prefill + 1, 2, 0)).has_value());
    });
    t1.join();
    t2.join();
  }
  tc.join();
  SLUICE_VERIFY(order.size() == 1 + late);
  SLUICE_VERIFY(order[0].first == 0 && order[0].second == prefill - 1);  // the prefilled one first
  if constexpr (np == 1) SLUICE_VERIFY(order[1].second == prefill && order[2].second == prefill + 1);
  SLUICE_VERIFY(rx.try_recv().error() == errc::empty);
  drop(tx);
  SLUICE_VERIFY(rx.recv().error() == errc::closed);
  drop(rx);
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

// mpsc_unbounded: two producers race a receiver-side close while the consumer drains. Proves
// each send is accepted xor handed back, an accepted message is received after the close,
// and `closed` is final once both producers are done.
template <class P>
void mpsc_two_sends_racing_receiver_close_are_exact(const config&) {
  ledger led(2);
  auto ch = basic_mpsc_unbounded<msg, P>();
  auto rx = std::move(ch.second);
  bool accepted[2] = {false, false};
  int received = 0;
  auto t0 = harness<P>::spawn([&, s = ch.first]() mutable {
    auto r = s.send(msg(led, 0));
    accepted[0] = settle_send<P>(led, r, 0, errc::closed);
  });
  auto t1 = harness<P>::spawn([&, s = std::move(ch.first)]() mutable {
    auto r = s.send(msg(led, 1));
    accepted[1] = settle_send<P>(led, r, 1, errc::closed);
  });
  auto tc = harness<P>::spawn([&] {
    rx.close();
    for (auto r = rx.try_recv(); r.has_value(); r = rx.try_recv()) {
      take<P>(led, *r);
      ++received;
    }
  });
  t0.join();
  t1.join();
  tc.join();
  SLUICE_VERIFY(rx.try_recv().error() == errc::closed);
  SLUICE_VERIFY(received == int(accepted[0]) + int(accepted[1]));
  drop(rx);
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

// mpsc_unbounded: two producers, one consumer that receives until closed.
template <class P>
void mpsc_two_producers_no_loss_fifo_then_closed(const config& cfg) {
  const int per = cfg.per_producer;
  ledger led(2 * per);
  auto ch = basic_mpsc_unbounded<msg, P>();
  std::vector<std::pair<int, int>> order;
  auto t0 = harness<P>::spawn([&, s = ch.first]() mutable {
    for (int i = 0; i < per; ++i) SLUICE_VERIFY(s.send(msg(led, i, 0, i)).has_value());
  });
  auto t1 = harness<P>::spawn([&, s = std::move(ch.first)]() mutable {
    for (int i = 0; i < per; ++i) SLUICE_VERIFY(s.send(msg(led, per + i, 1, i)).has_value());
  });
  auto tc = harness<P>::spawn([&, rx = std::move(ch.second)]() mutable {
    for (auto&& m : rx) {
      take<P>(led, m);
      order.emplace_back(m.producer(), m.seq());
    }
  });
  t0.join();
  t1.join();
  tc.join();
  SLUICE_VERIFY(static_cast<int>(order.size()) == 2 * per);
  int last[2] = {-1, -1};
  for (auto [p, q] : order) {
    SLUICE_VERIFY(q == last[p] + 1);
    last[p] = q;
  }
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

// The receiver writes plain shared memory and closes; the producer sends until a send
// reports `closed` (at most capacity + 1 sends: the last one waits on the full ring) and
// then reads that memory. Proves: a send that fails with `closed` happens-after the close
// (spsc_ring.hpp [R8] and the failure order of [R2]; spsc_list.hpp [U7] and [U2]). Written by
// the ordering study: it catches *.closed_acquire and *.publish_fail weakened to relaxed.
template <class P, class F>
void spsc_send_closed_happens_after_receiver_close(const config&) {
  // A ring: capacity + 1 sends (the last waits on the full ring); the list: two.
  constexpr int n = spsc_bounded_v<F> ? static_cast<int>(F::capacity) + 1 : 2;
  auto ch = make_spsc<int, P, F>();
  typename P::template cell<int> shared(0);
  auto tp = harness<P>::spawn([&shared, tx = std::move(ch.first)]() mutable {
    for (int i = 0; i < n; ++i) {
      auto r = tx.send(i);
      if (r.has_value()) continue;
      SLUICE_VERIFY(r.error().code == errc::closed);
      int seen = 0;
      // SAFETY: the claim under test: the receiver's write happens-before this read.
      shared.with([&](const int* v) { seen = *v; });
      SLUICE_VERIFY(seen == 42);
      return;
    }
    SLUICE_VERIFY(!spsc_bounded_v<F>);  // a full ring's last send can only end by the close
  });
  auto tc = harness<P>::spawn([&shared, rx = std::move(ch.second)]() mutable {
    // SAFETY: written before the close; read by the producer only after a `closed` send.
    shared.with_mut([](int* v) { *v = 42; });
    (void)rx.close();  // false if the list's producer finished and dropped its sender first
  });
  tp.join();
  tc.join();
}

template <class P, class F, class Table>
void add_spsc_flavor(Table& out) {
  auto add = [&](const char* what, void (*fn)(const config&)) {
    out.push_back({std::string("spsc_") + what + "/" + F::name, fn, "spsc", F::name, weight::light});
  };
  using c = spsc_closer;
  add("handoff_fifo_no_loss_blocking_both_ways", &spsc_handoff_fifo_no_loss<P, F>);
  add("send_happens_before_recv", &spsc_send_happens_before_recv<P, F>);
  add("send_closed_happens_after_receiver_close", &spsc_send_closed_happens_after_receiver_close<P, F>);
  add("sender_close_wakes_receiver", &spsc_sender_side_close_wakes_receiver<P, F, c::sender_close, 0>);
  add("sender_drop_wakes_receiver", &spsc_sender_side_close_wakes_receiver<P, F, c::sender_drop, 0>);
  add("sender_close_after_send_delivers_then_closed",
      &spsc_sender_side_close_wakes_receiver<P, F, c::sender_close, 1>);
  add("send_racing_receiver_close_is_exact", &spsc_send_racing_receiver_close_is_exact<P, F>);
  add("recv_for_racing_send_never_loses", &spsc_recv_for_racing_send_never_loses<P, F>);
  add("stop_cancel_recv_racing_send_never_loses", &spsc_stop_cancel_recv_racing_send_never_loses<P, F>);
  add("try_ops_see_every_completed_partner", &spsc_try_ops_see_every_completed_partner<P, F>);
  add("drop_both_with_buffered_messages_destroys_each_once",
      &spsc_drop_both_with_buffered_messages_destroys_each_once<P, F>);
  add("last_receiver_drop_destroys_unreceived_racing_send", [](const config&) {
    last_receiver_drop_destroys_unreceived_racing_send<P, true>([] { return make_spsc<msg, P, F>(); });
  });
  if constexpr (spsc_bounded_v<F>) {
    add("receiver_close_wakes_full_sender", &spsc_receiver_side_close_wakes_full_sender<P, F, c::receiver_close>);
    add("receiver_drop_wakes_full_sender", &spsc_receiver_side_close_wakes_full_sender<P, F, c::receiver_drop>);
    add("send_for_on_full_racing_recv_never_loses", &spsc_send_for_on_full_racing_recv_never_loses<P, F>);
  }
}

template <class P, class Table>
void add_spsc_scenarios(Table& out) {
  add_spsc_flavor<P, spsc_ring1>(out);
  add_spsc_flavor<P, spsc_ring2>(out);
  add_spsc_flavor<P, spsc_list>(out);
  out.push_back({"spsc_block_boundary_crossing_frees_each_block_once/list",
                 &list_block_boundary_crossing_frees_each_block_once<P, false>, "spsc", spsc_list::name,
                 weight::light});
  // mpsc_unbounded (list.hpp with one consumer): three threads, so the model tier searches
  // these with random and PCT runs (see relacy_tests/CMakeLists.txt), like the MPMC heavy ones.
  auto add_mpsc = [&](const char* name, void (*fn)(const config&)) {
    out.push_back({name, fn, "mpsc", "mpsc_list", weight::heavy});
  };
  add_mpsc("spsc_mpsc_block_boundary_crossing_frees_each_block_once/mpsc_list",
           &list_block_boundary_crossing_frees_each_block_once<P, true>);
  add_mpsc("spsc_mpsc_two_sends_racing_receiver_close_are_exact/mpsc_list",
           &mpsc_two_sends_racing_receiver_close_are_exact<P>);
  add_mpsc("spsc_mpsc_two_producers_no_loss_fifo_then_closed/mpsc_list", &mpsc_two_producers_no_loss_fifo_then_closed<P>);
}

}  // namespace sluice::verif
