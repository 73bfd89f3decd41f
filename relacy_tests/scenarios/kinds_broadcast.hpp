// relacy_tests/scenarios/kinds_broadcast.hpp — the broadcast channel under concurrency.
//
// Messages are ints (broadcast copies messages, and the ledger's msg is move-only); the
// model's allocation tracking and the ASan/valgrind tiers check that the ring and its values
// are freed once. Wiring: add_broadcast_scenarios<P>(table), as add_oneshot_scenarios.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <sluice/broadcast.hpp>

#include "support/common.hpp"
#include "support/table.hpp"

namespace sluice::verif {

// One sender sends 0..n-1 into a cap-1 blocking broadcast, then drops; two receivers (a
// receiver and its clone) receive until closed on their own threads. Proves: each receiver
// sees every message exactly once and in order (no loss with the block policy, however the
// receivers interleave); the sender's blocking waits are always woken; closed comes last.
template <class P>
void broadcast_block_two_receivers_each_see_all_in_order(const config& cfg) {
  const int n = cfg.per_producer;
  auto ch = basic_broadcast<int, P>(1, overflow::block);
  auto rx2 = ch.second;
  std::vector<int> got1, got2;
  auto reader = [](basic_broadcast_receiver<int, P>& r, std::vector<int>& got) {
    for (;;) {
      auto m = r.recv();
      if (!m.has_value()) {
        SLUICE_VERIFY(m.error().code == errc::closed);
        return;
      }
      got.push_back(*m);
    }
  };
  auto t1 = harness<P>::spawn([&, r = std::move(ch.second)]() mutable { reader(r, got1); });
  auto t2 = harness<P>::spawn([&, r = std::move(rx2)]() mutable { reader(r, got2); });
  auto ts = harness<P>::spawn([n, s = std::move(ch.first)]() mutable {
    for (int i = 0; i < n; ++i) SLUICE_VERIFY(s.send(int(i)).has_value());
  });
  ts.join();
  t1.join();
  t2.join();
  SLUICE_VERIFY(static_cast<int>(got1.size()) == n && static_cast<int>(got2.size()) == n);
  for (int i = 0; i < n; ++i)
    SLUICE_VERIFY(got1[static_cast<std::size_t>(i)] == i && got2[static_cast<std::size_t>(i)] == i);
}

// Overwrite policy, cap 1: a sender sends 0..n while a receiver receives until closed.
// Proves: received values strictly increase, and received + missed (lagged counts) == n + 1
// — every message is either delivered or reported as missed, never both, never neither.
template <class P>
void broadcast_overwrite_delivered_plus_lagged_equals_sent(const config& cfg) {
  const int n = cfg.per_producer + 1;
  auto ch = basic_broadcast<int, P>(1, overflow::overwrite_oldest);
  auto ts = harness<P>::spawn([n, s = std::move(ch.first)]() mutable {
    for (int i = 0; i < n; ++i) SLUICE_VERIFY(s.send(int(i)).has_value());
  });
  std::uint64_t accounted = 0;
  int last = -1;
  for (;;) {
    auto m = ch.second.recv();
    if (m.has_value()) {
      SLUICE_VERIFY(*m > last);
      SLUICE_VERIFY(static_cast<std::uint64_t>(*m) == accounted);  // nothing skipped silently
      last = *m;
      ++accounted;
    } else if (m.error().code == errc::lagged) {
      SLUICE_VERIFY(m.error().missed > 0);
      accounted += m.error().missed;
    } else {
      SLUICE_VERIFY(m.error().code == errc::closed);
      break;
    }
  }
  ts.join();
  SLUICE_VERIFY(accounted == static_cast<std::uint64_t>(n));
}

// Block policy, cap 1, two receivers: one reads everything, the other drops at a random
// point. Proves: the drop gives up the dropped receiver's unread shares and wakes the blocked
// sender (no deadlock), and the remaining receiver still gets everything in order.
template <class P>
void broadcast_receiver_drop_releases_blocked_sender(const config& cfg) {
  const int n = cfg.per_producer;
  auto ch = basic_broadcast<int, P>(1, overflow::block);
  auto other = ch.second;
  auto td = harness<P>::spawn([r = std::move(other)]() mutable {
    (void)r.try_recv();
    drop(r);
  });
  auto ts = harness<P>::spawn([n, s = std::move(ch.first)]() mutable {
    for (int i = 0; i < n; ++i) SLUICE_VERIFY(s.send(int(i)).has_value());
  });
  for (int i = 0; i < n; ++i) {
    auto m = ch.second.recv();
    SLUICE_VERIFY(m.has_value() && *m == i);
  }
  SLUICE_VERIFY(ch.second.recv().error().code == errc::closed);
  td.join();
  ts.join();
}

template <class P, class Table>
void add_broadcast_scenarios(Table& out) {
  auto add = [&](const char* name, void (*fn)(const config&)) {
    out.push_back({name, fn, "broadcast", "", weight::heavy});
  };
  add("broadcast_block_two_receivers_each_see_all_in_order",
      &broadcast_block_two_receivers_each_see_all_in_order<P>);
  add("broadcast_overwrite_delivered_plus_lagged_equals_sent",
      &broadcast_overwrite_delivered_plus_lagged_equals_sent<P>);
  add("broadcast_receiver_drop_releases_blocked_sender",
      &broadcast_receiver_drop_releases_blocked_sender<P>);
}

}  // namespace sluice::verif
