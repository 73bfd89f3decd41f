// The spsc and mpsc handles' async forms and select cases (issue 13 item 4: every kind gets
// every form): coroutines and threads on one spsc channel with exact accounting, in both
// directions and on both spsc flavors, and select / async_select over spsc handles.
#include <gtest/gtest.h>

#include <latch>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "async_support.hpp"
#include "sluice/async_select.hpp"
#include "sluice/spsc.hpp"

namespace {

using sluice_test::task;

template <class Tx>
task produce(sluice_test::pool*, Tx* tx, int n, std::latch* done) {
  for (int i = 0; i < n; ++i) EXPECT_TRUE(co_await tx->async_send(int(i)));
  tx->close();
  done->count_down();
}
template <class Rx>
task consume(sluice_test::pool*, Rx* rx, std::vector<int>* got, std::latch* done) {
  while (auto m = co_await rx->async_recv()) got->push_back(*m);
  done->count_down();
}

// cap 1 and unbounded: the spsc ring and the spsc list; cap 0 is the rendezvous.
auto make(int cap) {
  return cap < 0 ? sluice::spsc_unbounded<int>() : sluice::spsc_bounded<int>(static_cast<std::size_t>(cap));
}

TEST(SpscAsync, CoroutineProducerToThreadConsumerDeliversEveryMessageInOrder) {
  for (int cap : {-1, 0, 1, 4}) {
    auto [tx, rx] = make(cap);
    const int n = 20000;
    std::latch done(1);
    produce(nullptr, &tx, n, &done);  // runs until it would block, then resumes on our sends' side
    int expect = 0;
    while (auto m = rx.recv()) ASSERT_EQ(*m, expect++) << cap;
    done.wait();
    EXPECT_EQ(expect, n) << cap;
  }
}

TEST(SpscAsync, ThreadProducerToCoroutineConsumerDeliversEveryMessageInOrder) {
  for (int cap : {-1, 0, 1, 4}) {
    auto ch = make(cap);  // not a structured binding: clang 14 cannot capture one
    auto& tx = ch.first;
    auto& rx = ch.second;
    const int n = 20000;
    std::vector<int> got;
    std::latch done(1);
    consume(nullptr, &rx, &got, &done);
    std::thread producer([&tx] {  // n: a constant, not captured
      for (int i = 0; i < n; ++i) ASSERT_TRUE(tx.send(int(i)));
      tx.close();
    });
    producer.join();
    done.wait();
    ASSERT_EQ(got.size(), static_cast<std::size_t>(n)) << cap;
    for (int i = 0; i < n; ++i) ASSERT_EQ(got[static_cast<std::size_t>(i)], i) << cap;
  }
}

TEST(SpscSelect, SelectTakesFromWhicheverSpscHandleIsReadyAndSendsOnAnother) {
  auto [tx1, rx1] = sluice::spsc_bounded<int>(1);
  auto [tx2, rx2] = sluice::mpsc_unbounded<int>();
  auto ch3 = sluice::spsc_bounded<int>(1);  // not a structured binding: captured below
  auto& tx3 = ch3.first;
  auto& rx3 = ch3.second;
  ASSERT_TRUE(tx2.send(7));
  std::optional<int> got;
  const std::size_t fired = sluice::select(
      sluice::on_recv(rx1, [&](sluice::recv_result<int> r) { got = *r; }),
      sluice::on_recv(rx2, [&](sluice::recv_result<int> r) { got = *r; }));
  EXPECT_EQ(fired, 1u);
  EXPECT_EQ(got, 7);
  // A send case on a full spsc ring waits until the consumer makes room.
  ASSERT_TRUE(tx3.send(1));
  std::thread consumer([&rx3] {
    EXPECT_EQ(*rx3.recv(), 1);
    EXPECT_EQ(*rx3.recv(), 2);
  });
  bool sent = false;
  sluice::select(sluice::on_send(tx3, 2, [&](sluice::send_result<int> r) { sent = r.has_value(); }));
  consumer.join();
  EXPECT_TRUE(sent);
  EXPECT_TRUE(rx1.is_empty());
}

task select_once(sluice_test::pool*, sluice::single_receiver<int>* a, sluice::single_receiver<int>* b,
                 std::vector<int>* got, std::latch* done) {
  co_await sluice::async_select(sluice::on_recv(*a, [&](sluice::recv_result<int> r) { got->push_back(*r); }),
                                sluice::on_recv(*b, [&](sluice::recv_result<int> r) { got->push_back(100 + *r); }));
  done->count_down();
}

TEST(SpscSelect, AsyncSelectOverSpscReceiversIsWokenByASend) {
  auto [txa, rxa] = sluice::spsc_unbounded<int>();
  auto [txb, rxb] = sluice::spsc_bounded<int>(2);
  std::vector<int> got;
  std::latch done(1);
  select_once(nullptr, &rxa, &rxb, &got, &done);  // suspends: nothing is ready
  EXPECT_TRUE(got.empty());
  ASSERT_TRUE(txb.send(5));  // resumes the select inline
  done.wait();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], 105);
  EXPECT_TRUE(rxa.is_empty());
  EXPECT_TRUE(rxb.is_empty());
}

}  // namespace
