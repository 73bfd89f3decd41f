// Bulk transfer with exact accounting: SPSC and MPMC, 100k+ messages (fewer on the rendezvous,
// which costs microseconds per hand-off): nothing lost, nothing duplicated, FIFO per producer.
// Also: no receiver starves while messages flow.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <thread>
#include <vector>

#include "test_support.hpp"

using namespace sluice_test;
using sluice::errc;

namespace {

class Transfer : public testing::TestWithParam<flavor> {};

int total_for(const flavor& f) { return f.rendezvous() ? 20000 : 100000; }

// A message: which producer, and its sequence number within that producer.
struct msg {
  int producer;
  int seq;
};

TEST_P(Transfer, SpscDeliversEveryMessageOnceInOrder) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  const int n = total_for(GetParam());
  std::thread producer([tx = std::move(tx), n] {
    for (int i = 0; i < n; ++i) ASSERT_TRUE(tx.send(int(i)));
  });
  int expect = 0;
  for (int m : rx) {
    ASSERT_EQ(m, expect) << "lost, duplicated or reordered";
    ++expect;
  }
  producer.join();
  EXPECT_EQ(expect, n);
}

TEST_P(Transfer, SpscWithTryOpsDeliversEveryMessageOnceInOrder) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  const int n = total_for(GetParam()) / 20;
  std::thread producer([tx = std::move(tx), n] {
    for (int i = 0; i < n;) {
      auto r = tx.try_send(int(i));
      if (r) {
        ++i;
      } else {
        ASSERT_EQ(r.error().code, errc::full);
        ASSERT_EQ(r.error().message, i);
        std::this_thread::yield();
      }
    }
  });
  int expect = 0;
  // A rendezvous needs one side waiting: there the receiver blocks and only the sender tries.
  const bool block = GetParam().rendezvous();
  for (;;) {
    auto r = block ? rx.recv() : rx.try_recv();
    if (r) {
      ASSERT_EQ(*r, expect++);
    } else if (r.error() == errc::closed) {
      break;
    } else {
      ASSERT_EQ(r.error(), errc::empty);
      std::this_thread::yield();
    }
  }
  producer.join();
  EXPECT_EQ(expect, n);
}

TEST_P(Transfer, MpmcDeliversEveryMessageExactlyOnceAndFifoPerProducer) {
  auto ch_tx = make<msg>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  constexpr int producers = 2, consumers = 2;
  const int per = total_for(GetParam()) / producers;
  // Each consumer checks FIFO per producer in what it saw; counts are merged at the end.
  std::vector<std::vector<int>> received(consumers * producers);  // [consumer*producers+p] = seqs
  std::vector<std::thread> ts;
  for (int p = 0; p < producers; ++p)
    ts.emplace_back([tx = tx, p, per] {
      for (int i = 0; i < per; ++i) ASSERT_TRUE(tx.send(msg{p, i}));
    });
  for (int c = 0; c < consumers; ++c)
    ts.emplace_back([rx = rx, c, &received]() mutable {
      for (const msg& m : rx) {
        auto& seqs = received[static_cast<std::size_t>(c * producers + m.producer)];
        ASSERT_TRUE(seqs.empty() || seqs.back() < m.seq)
            << "producer " << m.producer << " out of order at consumer " << c;
        seqs.push_back(m.seq);
      }
    });
  { auto drop = std::move(tx); }
  { auto drop = std::move(rx); }
  for (auto& t : ts) t.join();
  for (int p = 0; p < producers; ++p) {
    std::vector<char> seen(static_cast<std::size_t>(per), 0);
    long total = 0;
    for (int c = 0; c < consumers; ++c)
      for (int s : received[static_cast<std::size_t>(c * producers + p)]) {
        ASSERT_EQ(seen[static_cast<std::size_t>(s)], 0) << "duplicate " << p << "/" << s;
        seen[static_cast<std::size_t>(s)] = 1;
        ++total;
      }
    EXPECT_EQ(total, per) << "messages of producer " << p << " lost";
  }
}

TEST_P(Transfer, MpmcMixedTimedAndPlainOpsAccountExactly) {
  // Producers use send_for with short timeouts (retrying on timed_out); consumers use
  // recv_for. A timed-out operation must neither deliver nor consume anything.
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  constexpr int producers = 3, consumers = 3;
  const int per = total_for(GetParam()) / 20;
  std::vector<std::atomic<int>> seen(static_cast<std::size_t>(producers * per));
  std::atomic<int> timeouts{0};
  std::vector<std::thread> ts;
  for (int p = 0; p < producers; ++p)
    ts.emplace_back([tx = tx, p, per, &timeouts] {
      for (int i = 0; i < per; ++i) {
        int v = p * per + i;
        for (;;) {
          auto r = tx.send_for(std::move(v), 100us);
          if (r) break;
          ASSERT_EQ(r.error().code, errc::timed_out);
          v = r.error().message;
          timeouts.fetch_add(1, std::memory_order_relaxed);
        }
      }
    });
  for (int c = 0; c < consumers; ++c)
    ts.emplace_back([rx = rx, &seen, &timeouts] {
      for (;;) {
        auto r = rx.recv_for(100us);
        if (r) {
          seen[static_cast<std::size_t>(*r)].fetch_add(1, std::memory_order_relaxed);
        } else if (r.error() == errc::timed_out) {
          timeouts.fetch_add(1, std::memory_order_relaxed);
        } else {
          ASSERT_EQ(r.error(), errc::closed);
          return;
        }
      }
    });
  { auto drop = std::move(tx); }
  { auto drop = std::move(rx); }
  for (auto& t : ts) t.join();
  for (std::size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i].load(), 1) << "message " << i;
  RecordProperty("timeouts", timeouts.load());
}

class Fairness : public testing::TestWithParam<flavor> {};

TEST_P(Fairness, NoReceiverStarvesWhileMessagesFlow) {
  // Fairness across receivers: with several receivers blocked on one channel, each keeps
  // getting messages. The sender goes on until every receiver has `quota` messages; an
  // implementation that starves one receiver would need more than `limit` messages (a count,
  // not a time: a slow machine only makes the test run longer, never fail).
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  constexpr int receivers = 3, quota = 50;
  const int limit = 1000000;
  std::vector<std::unique_ptr<std::atomic<int>>> got;
  for (int i = 0; i < receivers; ++i) got.push_back(std::make_unique<std::atomic<int>>(0));
  std::atomic<int> satisfied{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < receivers; ++i)
    ts.emplace_back([rx = rx, &got, &satisfied, i]() mutable {
      for (int m : rx) {
        (void)m;
        if (got[static_cast<std::size_t>(i)]->fetch_add(1) + 1 == quota) satisfied.fetch_add(1);
      }
    });
  int sent = 0;
  while (satisfied.load() < receivers && sent < limit) {
    // Keep the buffer short so messages flow at the receivers' pace (no backlog to share out).
    while (tx.len() >= static_cast<std::size_t>(receivers)) std::this_thread::yield();
    ASSERT_TRUE(tx.send(sent++));
  }
  tx.close();
  for (auto& t : ts) t.join();
  for (int i = 0; i < receivers; ++i)
    EXPECT_GE(got[static_cast<std::size_t>(i)]->load(), quota) << "receiver " << i << " starved after " << sent;
  long total = 0;
  for (auto& g : got) total += g->load();
  EXPECT_EQ(total, sent) << "every message reached exactly one receiver";
  RecordProperty("sent", sent);
}

INSTANTIATE_TEST_SUITE_P(Flavors, Transfer, testing::ValuesIn(all_flavors()), flavor_name());

// Parked receivers are served before newcomers barge in (bbe99a3/bca28a9 fixed the starvation
// this test first found on the buffered flavors). On the rendezvous flavor, which hands each
// message to the oldest waiting receiver, and on the bounded flavors, whose sends receive for
// the oldest parked receiver (array.hpp [A10]; a hand-off that finds the ring emptied again by a
// receiver mid-operation only costs the parked one its turn). Not on the unbounded flavor: its
// receivers have no hand-off, so a woken receiver can lose the message to one that is
// mid-operation, and this count-based check failed about 1 run in 4 under load there (g++).
INSTANTIATE_TEST_SUITE_P(Flavors, Fairness, testing::Values(rendezvous_flavor, bounded1_flavor, bounded2_flavor, bounded16_flavor), flavor_name());

}  // namespace
