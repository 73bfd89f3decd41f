// relacy_tests/scenarios/delivery.hpp — producers and consumers: nothing lost, nothing
// duplicated, FIFO per producer, exact final counts.
#pragma once

#include <array>
#include <list>
#include <utility>
#include <vector>

#include "support/common.hpp"

namespace sluice::verif {

// Records a received message in the ledger after checking it is whole.
template <class P>
void take(ledger& led, const msg& m) {
  SLUICE_VERIFY(m.intact());
  led.on_received(m.id());
}

// NP producers each send cfg.per_producer messages, then drop their sender; NC consumers
// receive until the channel reports closed. Proves:
//  - every send succeeds (a receiver is alive throughout);
//  - each message is received exactly once (nothing lost, nothing duplicated);
//  - each consumer sees each producer's messages in the order they were sent;
//  - receiving ends with `closed` only after the last sender is gone, with nothing left;
//  - every message is destroyed exactly once.
template <class P, class F, int NP, int NC>
void delivery_no_loss_no_dup_fifo_exact_counts(const config& cfg) {
  const int per = cfg.per_producer;
  ledger led(NP * per);
  auto ch = make_channel<msg, P, F>();
  auto tx = std::move(ch.first);
  auto rx = std::move(ch.second);
  // got[c] = (producer, seq) pairs in the order consumer c received them.
  std::array<std::vector<std::pair<int, int>>, NC> got;
  // A list, not a vector: model threads cannot move, so they are built in place.
  std::list<typename harness<P>::thread> threads;
  for (int p = 0; p < NP; ++p) {
    threads.emplace_back(harness<P>::wrap([&led, p, per, s = tx]() mutable {
      for (int i = 0; i < per; ++i) {
        auto r = s.send(msg(led, p * per + i, p, i));
        SLUICE_VERIFY(r.has_value());
      }
    }));
  }
  for (int c = 0; c < NC; ++c) {
    auto& mine = got[static_cast<std::size_t>(c)];
    threads.emplace_back(harness<P>::wrap([&led, &mine, r = rx]() mutable {
      if constexpr (NC == 1) {
        // The single consumer uses range-for: it must end exactly at disconnect.
        for (auto&& m : r) {
          take<P>(led, m);
          mine.emplace_back(m.producer(), m.seq());
        }
        SLUICE_VERIFY(r.is_disconnected());
      } else {
        for (;;) {
          auto m = r.recv();
          if (!m.has_value()) {
            SLUICE_VERIFY(m.error() == errc::closed);
            break;
          }
          take<P>(led, *m);
          mine.emplace_back(m->producer(), m->seq());
        }
      }
    }));
  }
  drop(tx);
  drop(rx);
  for (auto& t : threads) t.join();

  int total = 0;
  for (const auto& mine : got) {
    std::array<int, NP> last{};
    last.fill(-1);
    for (auto [p, s] : mine) {
      SLUICE_VERIFY(s > last[static_cast<std::size_t>(p)]);  // FIFO per producer
      last[static_cast<std::size_t>(p)] = s;
    }
    total += static_cast<int>(mine.size());
  }
  SLUICE_VERIFY(total == NP * per);
  for (int id = 0; id < NP * per; ++id) SLUICE_VERIFY(led.received(id) == 1);
  SLUICE_VERIFY_LEDGER_CLOSED(led);
}

// The unbounded (list) flavor: the main thread sends one block's worth of messages and
// receives all but the last two; two receivers then take one each, racing to set the block's
// last `consumed` bit. Proves: the block is freed once, and only after both receivers read
// their slots (list.hpp [B4]: each bit's setter releases its read, the last one acquires them
// all before freeing). Written by the ordering study: it catches list.consume weakened.
template <class P>
void two_receivers_finishing_a_block_free_it_after_both_reads(const config&) {
  constexpr int block = static_cast<int>(detail::list_flavor<int, P>::block_cap);
  auto ch = basic_unbounded<int, P>();
  for (int i = 0; i < block; ++i) SLUICE_VERIFY(ch.first.send(i).has_value());
  for (int i = 0; i < block - 2; ++i) {
    auto m = ch.second.recv();
    SLUICE_VERIFY(m.has_value() && *m == i);
  }
  auto second = ch.second;  // a clone: two receivers
  int a = -1, b = -1;
  // try_recv: both messages are written, so neither receiver may find the channel empty (and
  // none registers a waiter, which keeps the search small).
  auto t1 = harness<P>::spawn([&a, r = std::move(ch.second)]() mutable {
    auto m = r.try_recv();
    SLUICE_VERIFY(m.has_value());
    a = *m;
  });
  auto t2 = harness<P>::spawn([&b, r = std::move(second)]() mutable {
    auto m = r.try_recv();
    SLUICE_VERIFY(m.has_value());
    b = *m;
  });
  t1.join();
  t2.join();
  SLUICE_VERIFY(a != b && a + b == 2 * block - 3);
}

}  // namespace sluice::verif
