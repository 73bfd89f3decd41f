// relacy_tests/scenarios/kinds_watermark.hpp — the watermark (Swift-style MPSC) channel under
// concurrency. Wiring: add_watermark_scenarios<P>(table), as add_oneshot_scenarios.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include <sluice/watermark.hpp>

#include "support/common.hpp"
#include "support/table.hpp"
#include "delivery.hpp"

namespace sluice::verif {

// Two producers (a source and an additional source) each send cfg.per_producer messages
// with the blocking send into watermark(1, 1) — every send pauses until the consumer drains —
// then drop their source; the consumer receives until end-of-stream. Proves: no blocked
// producer is left asleep (a lost resume deadlocks under the model); every message is
// received once, FIFO per producer; end-of-stream comes after the last source is dropped;
// every message destroyed once.
template <class P>
void watermark_blocking_producers_all_delivered_then_end_of_stream(const config& cfg) {
  const int per = cfg.per_producer;
  ledger led(2 * per);
  auto ch = basic_watermark<msg, P>(1, 1);
  auto extra = ch.first.make_additional_source();
  auto producer = [&led, per](basic_watermark_source<msg, P>& s, int p) {
    for (int i = 0; i < per; ++i) SLUICE_VERIFY(s.send(msg(led, p * per + i, p, i)).has_value());
  };
  auto t0 = harness<P>::spawn([&, s = std::move(ch.first)]() mutable { producer(s, 0); });
  auto t1 = harness<P>::spawn([&, s = std::move(extra)]() mutable { producer(s, 1); });
  int last[2] = {-1, -1};
  for (;;) {
    auto m = ch.second.recv();
    if (!m.has_value()) {
      SLUICE_VERIFY(m.error().code == errc::closed && !m.error().error);
      break;
    }
    take<P>(led, *m);
    SLUICE_VERIFY(m->seq() > last[m->producer()]);
    last[m->producer()] = m->seq();
  }
  t0.join();
  t1.join();
  SLUICE_VERIFY(led.total_received() == 2 * per);
  drop(ch.second);
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

// A producer sends with a produce-more callback while the consumer drops. Proves: the send
// is accepted (then destroyed with the buffer) xor handed back; the callback runs exactly
// once (at once, or with errc::closed at termination); the termination callback runs once.
template <class P>
void watermark_send_racing_consumer_drop_callbacks_run_once(const config&) {
  ledger led(1);
  auto ch = basic_watermark<msg, P>(1, 1);
  int callback_runs = 0, termination_runs = 0;
  bool accepted = false;
  ch.first.set_on_termination([&] { ++termination_runs; });
  auto tp = harness<P>::spawn([&, s = std::move(ch.first)]() mutable {
    auto r = s.send(msg(led, 0), [&](std::optional<errc>) { ++callback_runs; });
    if (r.has_value()) {
      accepted = true;
    } else {
      SLUICE_VERIFY(r.error().code == errc::closed && r.error().message.id() == 0);
      led.on_handed_back(0);
    }
  });
  auto tc = harness<P>::spawn([&, c = std::move(ch.second)]() mutable { drop(c); });
  tp.join();
  tc.join();
  SLUICE_VERIFY(callback_runs == (accepted ? 1 : 0));
  SLUICE_VERIFY(termination_runs <= 1);
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

template <class P, class Table>
void add_watermark_scenarios(Table& out) {
  auto add = [&](const char* name, void (*fn)(const config&)) {
    out.push_back({name, fn, "watermark", "", weight::heavy});
  };
  add("watermark_blocking_producers_all_delivered_then_end_of_stream",
      &watermark_blocking_producers_all_delivered_then_end_of_stream<P>);
  add("watermark_send_racing_consumer_drop_callbacks_run_once",
      &watermark_send_racing_consumer_drop_callbacks_run_once<P>);
}

}  // namespace sluice::verif
