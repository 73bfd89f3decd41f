// Semantics shared by every flavor (unbounded, rendezvous, bounded 1/2/16): smoke, capacity,
// try ops, close, disconnect, iteration. Flavor-specific behaviour lives in
// array_test.cpp, list_test.cpp and zero_test.cpp.
#include <gtest/gtest.h>

#include <numeric>
#include <thread>
#include <vector>

#include "test_support.hpp"

using namespace sluice_test;
using sluice::errc;

namespace {

class AnyFlavor : public testing::TestWithParam<flavor> {};
class BufferedFlavor : public testing::TestWithParam<flavor> {};

// Sends `n` ints 0..n-1 from another thread, then drops the sender.
std::thread produce(sluice::sender<int> tx, int n) {
  return std::thread([tx = std::move(tx), n]() mutable {
    for (int i = 0; i < n; ++i) ASSERT_TRUE(tx.send(int(i)));
  });
}

TEST_P(AnyFlavor, SmokeMessageSentFromOneThreadIsReceivedByAnother) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  std::thread t([&] { ASSERT_TRUE(tx.send(7)); });
  auto r = rx.recv_for(forever);
  t.join();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, 7);
}

TEST_P(AnyFlavor, CapacityIsTheConstructionArgumentAndNoneForUnbounded) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  EXPECT_EQ(tx.capacity(), GetParam().cap);
  EXPECT_EQ(rx.capacity(), GetParam().cap);
}

TEST_P(AnyFlavor, TryRecvOnOpenEmptyChannelIsEmpty) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  auto r = rx.try_recv();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), errc::empty);
}

TEST_P(AnyFlavor, TryRecvAfterLastSenderGoneIsClosed) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  { auto gone = std::move(tx); }
  auto r = rx.try_recv();
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), errc::closed);
  EXPECT_EQ(rx.recv().error(), errc::closed);
  EXPECT_EQ(rx.recv_for(1h).error(), errc::closed);
}

TEST_P(AnyFlavor, SendAfterLastReceiverGoneFailsClosedAndHandsMessageBack) {
  auto ch_tx = make<move_only>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  { auto gone = std::move(rx); }
  EXPECT_TRUE(tx.is_disconnected());
  for (int attempt = 0; attempt < 4; ++attempt) {
    auto r = attempt == 0   ? tx.send(move_only(10))
             : attempt == 1 ? tx.try_send(move_only(11))
             : attempt == 2 ? tx.send_for(move_only(12), 1h)
                            : tx.send_until(move_only(13), std::chrono::steady_clock::now() + 1h);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, errc::closed);
    ASSERT_NE(r.error().message.value, nullptr);
    EXPECT_EQ(*r.error().message.value, 10 + attempt);
  }
}

TEST_P(AnyFlavor, CloseReturnsTrueOnlyForTheCallThatClosed) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  EXPECT_FALSE(tx.is_disconnected());
  EXPECT_TRUE(rx.close());
  EXPECT_FALSE(tx.close());
  EXPECT_FALSE(rx.close());
  EXPECT_TRUE(tx.is_disconnected());
  EXPECT_TRUE(rx.is_disconnected());
  // Closing does not drop handles.
  EXPECT_EQ(tx.sender_count(), 1u);
  EXPECT_EQ(rx.receiver_count(), 1u);
}

TEST_P(AnyFlavor, CloseFromSenderSideFailsLaterSendsAndRecvs) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  ASSERT_TRUE(tx.close());
  auto s = tx.try_send(1);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, errc::closed);
  EXPECT_EQ(s.error().message, 1);
  EXPECT_EQ(tx.send(2).error().code, errc::closed);
  EXPECT_EQ(rx.try_recv().error(), errc::closed);
  EXPECT_EQ(rx.recv().error(), errc::closed);
}

TEST_P(AnyFlavor, CloseFromReceiverSideFailsLaterSends) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  ASSERT_TRUE(rx.close());
  EXPECT_EQ(tx.send(1).error().code, errc::closed);
  EXPECT_EQ(tx.send_for(1, 1h).error().code, errc::closed);
  EXPECT_EQ(rx.recv().error(), errc::closed);
}

TEST_P(AnyFlavor, IsDisconnectedOnceLastSenderOrLastReceiverIsGone) {
  {
    auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
    auto tx2 = tx;
    { auto gone = std::move(tx); }
    EXPECT_FALSE(rx.is_disconnected()) << "a clone still lives";
    { auto gone = std::move(tx2); }
    EXPECT_TRUE(rx.is_disconnected());
  }
  {
    auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
    auto rx2 = rx;
    { auto gone = std::move(rx); }
    EXPECT_FALSE(tx.is_disconnected());
    { auto gone = std::move(rx2); }
    EXPECT_TRUE(tx.is_disconnected());
  }
}

TEST_P(AnyFlavor, BlockingIterationYieldsEverythingInOrderAndEndsAtDisconnect) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  constexpr int n = 1000;
  std::thread t = produce(std::move(tx), n);
  std::vector<int> got;
  for (int m : rx) got.push_back(m);
  t.join();
  std::vector<int> want(n);
  std::iota(want.begin(), want.end(), 0);
  EXPECT_EQ(got, want);
}

TEST_P(AnyFlavor, BlockingIterationEndsAtExplicitClose) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  std::thread t([tx = tx]() mutable {
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(tx.send(int(i)));
    tx.close();
  });
  int count = 0;
  for (int m : rx) EXPECT_EQ(m, count++);
  t.join();
  EXPECT_EQ(count, 100);
  EXPECT_EQ(tx.sender_count(), 1u) << "the loop ended on close, with a sender alive";
}

TEST_P(AnyFlavor, SendsAndRecvsOfManyThreadsBalance) {
  // A small MPMC smoke: 3 producers x 3 consumers, every message received exactly once.
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  constexpr int producers = 3, consumers = 3, per = 2000;
  std::vector<std::atomic<int>> seen(producers * per);
  std::vector<std::thread> ts;
  for (int p = 0; p < producers; ++p)
    ts.emplace_back([tx = tx, p]() mutable {
      for (int i = 0; i < per; ++i) ASSERT_TRUE(tx.send(p * per + i));
    });
  for (int c = 0; c < consumers; ++c)
    ts.emplace_back([rx = rx, &seen]() mutable {
      for (int m : rx) seen[static_cast<std::size_t>(m)].fetch_add(1);
    });
  { auto drop = std::move(tx); }
  { auto drop = std::move(rx); }
  for (auto& t : ts) t.join();
  for (std::size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i].load(), 1) << "message " << i;
}

TEST_P(BufferedFlavor, BufferedMessagesStayReceivableAfterSenderSideClose) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  const int n = static_cast<int>(std::min<std::size_t>(GetParam().buffer(), 5));
  for (int i = 0; i < n; ++i) ASSERT_TRUE(tx.try_send(int(i)));
  ASSERT_TRUE(tx.close());
  EXPECT_EQ(tx.try_send(99).error().code, errc::closed);
  EXPECT_EQ(rx.len(), static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    auto r = rx.try_recv();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(*r, i);
  }
  EXPECT_EQ(rx.try_recv().error(), errc::closed);
}

TEST_P(BufferedFlavor, BufferedMessagesStayReceivableAfterReceiverSideClose) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  ASSERT_TRUE(tx.send(1));
  ASSERT_TRUE(rx.close());
  EXPECT_EQ(tx.send(2).error().code, errc::closed);
  EXPECT_EQ(rx.recv().value(), 1);
  EXPECT_EQ(rx.recv().error(), errc::closed);
}

TEST_P(BufferedFlavor, BufferedMessagesStayReceivableAfterLastSenderDrops) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  ASSERT_TRUE(tx.send(5));
  { auto gone = std::move(tx); }
  EXPECT_TRUE(rx.is_disconnected());
  EXPECT_EQ(rx.recv().value(), 5);
  EXPECT_EQ(rx.recv().error(), errc::closed);
}

TEST_P(BufferedFlavor, TryIterYieldsBufferedMessagesAndStopsWhenEmptyWithoutClosing) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  const int n = static_cast<int>(std::min<std::size_t>(GetParam().buffer(), 10));
  for (int i = 0; i < n; ++i) ASSERT_TRUE(tx.try_send(int(i)));
  std::vector<int> got;
  for (int m : rx.try_iter()) got.push_back(m);
  std::vector<int> want(static_cast<std::size_t>(n));
  std::iota(want.begin(), want.end(), 0);
  EXPECT_EQ(got, want);
  EXPECT_FALSE(rx.is_disconnected());
  // Still usable afterwards.
  ASSERT_TRUE(tx.try_send(42));
  EXPECT_EQ(rx.try_recv().value(), 42);
}

TEST_P(BufferedFlavor, TryIterKeepsYieldingMessagesSentDuringIteration) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  ASSERT_TRUE(tx.try_send(0));
  int count = 0;
  for (int m : rx.try_iter()) {
    EXPECT_EQ(m, count);
    if (++count == 5) break;
    ASSERT_TRUE(tx.try_send(int(count)));
  }
  EXPECT_EQ(count, 5);
}

TEST_P(BufferedFlavor, DrainStopsAfterTheMessagesBufferedWhenCalled) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  ASSERT_TRUE(tx.try_send(0));
  int count = 0;
  for (int m : rx.drain()) {
    EXPECT_EQ(m, count++);
    ASSERT_TRUE(tx.try_send(100 + count));  // refills: drain must not chase it
  }
  EXPECT_EQ(count, 1);
  EXPECT_EQ(rx.try_recv().value(), 101);
}

TEST_P(BufferedFlavor, DrainYieldsEveryBufferedMessageInOrder) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  const int n = static_cast<int>(std::min<std::size_t>(GetParam().buffer(), 100));
  for (int i = 0; i < n; ++i) ASSERT_TRUE(tx.try_send(int(i)));
  int count = 0;
  for (int m : rx.drain()) EXPECT_EQ(m, count++);
  EXPECT_EQ(count, n);
  EXPECT_TRUE(rx.is_empty());
}

TEST_P(AnyFlavor, DrainAndTryIterOnEmptyChannelYieldNothing) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  int count = 0;
  for (int m : rx.drain()) count += 1 + m;
  for (int m : rx.try_iter()) count += 1 + m;
  EXPECT_EQ(count, 0);
}

TEST_P(AnyFlavor, ChannelCanCarryItsOwnKindOfHandle) {
  // crossbeam's channel_through_channel: a receiver sent through a channel keeps working.
  auto ch_tx = make<sluice::receiver<int>>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  auto ch_itx = sluice::unbounded<int>();
  [[maybe_unused]] auto& itx = ch_itx.first;
  [[maybe_unused]] auto& irx = ch_itx.second;
  ASSERT_TRUE(itx.send(3));
  std::thread t([&] { ASSERT_TRUE(tx.send(std::move(irx))); });
  auto got = rx.recv_for(forever);
  t.join();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->recv().value(), 3);
  EXPECT_TRUE(got->same_channel(itx));
}

INSTANTIATE_TEST_SUITE_P(Flavors, AnyFlavor, testing::ValuesIn(all_flavors()), flavor_name());
INSTANTIATE_TEST_SUITE_P(Flavors, BufferedFlavor, testing::ValuesIn(buffered_flavors()), flavor_name());

}  // namespace
