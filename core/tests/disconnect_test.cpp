// Disconnection and close() wake every blocked sender and receiver with errc::closed; a
// blocked sender gets its message back.
#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <vector>

#include "test_support.hpp"

using namespace sluice_test;
using sluice::errc;

namespace {

class DisconnectRecv : public testing::TestWithParam<flavor> {};
class DisconnectSend : public testing::TestWithParam<flavor> {};

void fill(const sluice::sender<int>& tx, const flavor& f) {
  for (std::size_t i = 0; i < f.buffer(); ++i) ASSERT_TRUE(tx.try_send(int(i)));
}

TEST_P(DisconnectRecv, DroppingLastSenderWakesBlockedReceiverWithClosed) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  std::atomic<int> code{0};
  probe_thread t([&] { code.store(static_cast<int>(rx.recv_for(forever).error())); });
  t.wait_until_blocked();
  EXPECT_EQ(code.load(), 0);
  { auto gone = std::move(tx); }
  t.join();
  EXPECT_EQ(code.load(), static_cast<int>(errc::closed));
}

TEST_P(DisconnectRecv, CloseFromEitherSideWakesEveryBlockedReceiver) {
  for (bool from_receiver : {false, true}) {
    auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
    constexpr int n = 4;
    std::atomic<int> closed{0};
    std::vector<std::unique_ptr<probe_thread>> ts;
    for (int i = 0; i < n; ++i)
      ts.push_back(std::make_unique<probe_thread>([&, rx = rx] {
        if (rx.recv().error() == errc::closed) closed.fetch_add(1);
      }));
    for (auto& t : ts) t->wait_until_blocked();
    EXPECT_EQ(closed.load(), 0);
    EXPECT_TRUE(from_receiver ? rx.close() : tx.close());
    for (auto& t : ts) t->join();
    EXPECT_EQ(closed.load(), n) << (from_receiver ? "receiver" : "sender") << "-side close";
    EXPECT_EQ(tx.sender_count(), 1u);
  }
}

TEST_P(DisconnectRecv, TimedAndStoppableWaitsAreWokenByDisconnectToo) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  std::stop_source stop;
  std::atomic<int> closed{0};
  probe_thread a([&] {
    if (rx.recv_for(forever).error() == errc::closed) closed.fetch_add(1);
  });
  probe_thread b([&] {
    if (rx.recv_until(std::chrono::steady_clock::now() + forever).error() == errc::closed) closed.fetch_add(1);
  });
  probe_thread c([&] {
    if (rx.recv(stop.get_token()).error() == errc::closed) closed.fetch_add(1);
  });
  a.wait_until_blocked();
  b.wait_until_blocked();
  c.wait_until_blocked();
  { auto gone = std::move(tx); }
  a.join();
  b.join();
  c.join();
  EXPECT_EQ(closed.load(), 3);
}

TEST_P(DisconnectSend, DroppingLastReceiverWakesBlockedSenderAndHandsBackMessage) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  fill(tx, GetParam());
  std::atomic<int> code{0}, back{0};
  probe_thread t([&] {
    auto r = tx.send_for(-42, forever);
    code.store(static_cast<int>(r.error().code));
    back.store(r.error().message);
  });
  t.wait_until_blocked();
  EXPECT_EQ(code.load(), 0);
  { auto gone = std::move(rx); }
  t.join();
  EXPECT_EQ(code.load(), static_cast<int>(errc::closed));
  EXPECT_EQ(back.load(), -42);
}

TEST_P(DisconnectSend, CloseFromEitherSideWakesEveryBlockedSender) {
  for (bool from_receiver : {false, true}) {
    auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
    fill(tx, GetParam());
    constexpr int n = 4;
    std::atomic<int> closed{0};
    std::vector<std::unique_ptr<probe_thread>> ts;
    for (int i = 0; i < n; ++i)
      ts.push_back(std::make_unique<probe_thread>([&, i, tx = tx] {
        auto r = tx.send(1000 + i);
        if (!r && r.error().code == errc::closed && r.error().message == 1000 + i) closed.fetch_add(1);
      }));
    for (auto& t : ts) t->wait_until_blocked();
    EXPECT_EQ(closed.load(), 0);
    EXPECT_TRUE(from_receiver ? rx.close() : tx.close());
    for (auto& t : ts) t->join();
    EXPECT_EQ(closed.load(), n);
    // What was buffered before the close stays receivable, and nothing else.
    for (std::size_t i = 0; i < GetParam().buffer(); ++i) EXPECT_EQ(rx.try_recv().value(), static_cast<int>(i));
    EXPECT_EQ(rx.try_recv().error(), errc::closed);
  }
}

TEST_P(DisconnectRecv, RecvAfterDisconnectDrainsBufferThenReportsClosed) {
  // crossbeam's recv_after_disconnect.
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  std::thread t([tx = std::move(tx)] {
    ASSERT_TRUE(tx.send(1));
    ASSERT_TRUE(tx.send(2));
    ASSERT_TRUE(tx.send(3));
  });
  EXPECT_EQ(rx.recv_for(forever).value(), 1);
  EXPECT_EQ(rx.recv_for(forever).value(), 2);
  EXPECT_EQ(rx.recv_for(forever).value(), 3);
  t.join();
  EXPECT_EQ(rx.recv_for(forever).error(), errc::closed);
  EXPECT_EQ(rx.try_recv().error(), errc::closed);
}

TEST_P(DisconnectRecv, RacingDropAndRecvNeverHangsOrLosesTheMessage) {
  // The disconnect races the receiver going to sleep: the receiver must see the message, then
  // closed, in every interleaving.
  const int rounds = GetParam().rendezvous() ? 200 : 500;
  for (int i = 0; i < rounds; ++i) {
    auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
    std::thread t([tx = std::move(tx), i] { ASSERT_TRUE(tx.send(int(i))); });
    ASSERT_EQ(rx.recv_for(forever).value(), i);
    ASSERT_EQ(rx.recv_for(forever).error(), errc::closed);
    t.join();
  }
}

INSTANTIATE_TEST_SUITE_P(Flavors, DisconnectRecv, testing::ValuesIn(all_flavors()), flavor_name());
INSTANTIATE_TEST_SUITE_P(Flavors, DisconnectSend, testing::ValuesIn(blocking_send_flavors()), flavor_name());

}  // namespace
