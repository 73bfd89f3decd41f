// Message lifetimes: move-only and non-default-constructible messages, every message destroyed
// exactly once (buffered ones with the last receiver), failed sends hand the message back, and
// message types whose move constructor throws leave the channel consistent.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

using namespace sluice_test;
using sluice::errc;

namespace {

class Lifetimes : public testing::TestWithParam<flavor> {};
class BufferedLifetimes : public testing::TestWithParam<flavor> {};
class BlockingSendLifetimes : public testing::TestWithParam<flavor> {};

TEST_P(Lifetimes, MoveOnlyNonDefaultConstructibleMessagesTravel) {
  auto ch_tx = make<move_only>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  std::thread t([tx = std::move(tx)]() mutable {
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(tx.send(move_only(i)));
  });
  int i = 0;
  // operator* yields T&: a move-only message is taken by reference (or moved out of it).
  for (auto& m : rx) {
    move_only mine = std::move(m);
    ASSERT_NE(mine.value, nullptr);
    EXPECT_EQ(*mine.value, i++);
  }
  t.join();
  EXPECT_EQ(i, 100);
}

TEST_P(Lifetimes, StringsSurviveTheTripIntact) {
  auto ch_tx = make<std::string>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  const std::string big(1000, 'q');
  std::thread t([&] {
    ASSERT_TRUE(tx.send(big));  // the copying overload
    ASSERT_TRUE(tx.send(std::string("small")));
  });
  EXPECT_EQ(rx.recv_for(forever).value(), big);
  EXPECT_EQ(rx.recv_for(forever).value(), "small");
  t.join();
  EXPECT_EQ(big.size(), 1000u) << "send(const T&) copies";
}

TEST_P(Lifetimes, DropsAreCountedExactlyOverRandomTraffic) {
  // crossbeam's `drops`: random numbers of sends and receives, then every handle goes; every
  // message ever created is destroyed exactly once.
  std::mt19937 rng(12345);
  const int rounds = GetParam().rendezvous() ? 20 : 100;
  for (int round = 0; round < rounds; ++round) {
    tracked_scope scope;
    const int steps = static_cast<int>(rng() % 50);
    const int extra = static_cast<int>(rng() % 50);
    long received_with_payload = 0;
    {
      auto ch_tx = make<tracked>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
      std::thread t([&, tx = tx]() mutable {
        for (int i = 0; i < steps; ++i) ASSERT_TRUE(tx.send(tracked(i)));
      });
      for (int i = 0; i < steps; ++i) {
        auto r = rx.recv_for(forever);
        ASSERT_TRUE(r.has_value());
        ASSERT_EQ(r->value, i);
        ++received_with_payload;
      }
      t.join();
      // Leave up to `extra` messages buffered (as many as fit).
      const int fit = static_cast<int>(std::min<std::size_t>(GetParam().buffer(), static_cast<std::size_t>(extra)));
      for (int i = 0; i < extra; ++i) {
        auto r = tx.try_send(tracked(1000 + i));
        ASSERT_EQ(r.has_value(), i < fit);
        if (!r) {
          EXPECT_EQ(r.error().code, errc::full);
        }
      }
      EXPECT_EQ(rx.len(), static_cast<std::size_t>(fit));
      EXPECT_EQ(tracked::live.load(), fit) << "only the buffered messages are alive";
    }
    EXPECT_EQ(tracked::live.load(), 0) << "round " << round;
    // Every payload was destroyed once: received ones, buffered ones, handed-back ones.
    EXPECT_EQ(tracked::destroyed_with_payload.load(), steps + extra) << "round " << round;
    (void)received_with_payload;
  }
}

// Issue 11 item 9 (crossbeam-channel's drop_unreceived): nobody can receive them once the
// last receiver is gone, so they go then, although a sender and a weak sender live on.
TEST_P(BufferedLifetimes, BufferedMessagesAreDestroyedWithTheLastReceiverOnce) {
  tracked_scope scope;
  auto ch_tx = make<tracked>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  const int n = static_cast<int>(std::min<std::size_t>(GetParam().buffer(), 200));
  for (int i = 0; i < n; ++i) ASSERT_TRUE(tx.try_send(tracked(i)));
  auto weak = tx.downgrade();
  { auto gone = std::move(rx); }
  EXPECT_EQ(tracked::live.load(), 0) << "buffered messages outlive the last receiver";
  EXPECT_EQ(tracked::destroyed_with_payload.load(), n);
  { auto gone = std::move(tx); }
  { auto gone = std::move(weak); }
  EXPECT_EQ(tracked::live.load(), 0);
  EXPECT_EQ(tracked::destroyed_with_payload.load(), n);  // once each
}

TEST_P(BufferedLifetimes, PartlyDrainedChannelDestroysOnlyTheRest) {
  // Wraps the ring / crosses list blocks before the channel goes.
  tracked_scope scope;
  const std::size_t buf = std::min<std::size_t>(GetParam().buffer(), 100);
  {
    auto ch_tx = make<tracked>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
    int next = 0, expect = 0;
    for (int round = 0; round < 5; ++round) {
      while (rx.len() < buf) ASSERT_TRUE(tx.try_send(tracked(next++)));
      for (std::size_t i = 0; i < (buf + 1) / 2; ++i) {
        auto r = rx.try_recv();
        ASSERT_TRUE(r.has_value());
        ASSERT_EQ(r->value, expect++);
      }
    }
    EXPECT_EQ(rx.len(), buf - (buf + 1) / 2);
    EXPECT_EQ(tracked::live.load(), static_cast<long>(next - expect));
  }
  EXPECT_EQ(tracked::live.load(), 0);
}

TEST_P(Lifetimes, FailedSendOnClosedChannelHandsBackTheSameMessage) {
  tracked_scope scope;
  {
    auto ch_tx = make<tracked>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
    rx.close();
    auto r = tx.send(tracked(77));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, errc::closed);
    EXPECT_EQ(r.error().message.value, 77);
    EXPECT_EQ(tracked::destroyed_with_payload.load(), 0) << "nothing was dropped on the way";
  }
  EXPECT_EQ(tracked::live.load(), 0);
  EXPECT_EQ(tracked::destroyed_with_payload.load(), 1);
}

TEST_P(BlockingSendLifetimes, FailedSendOnFullChannelHandsBackTheMessage) {
  tracked_scope scope;
  {
    auto ch_tx = make<tracked>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
    for (std::size_t i = 0; i < GetParam().buffer(); ++i) ASSERT_TRUE(tx.try_send(tracked(0)));
    auto r = tx.try_send(tracked(5));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, errc::full);
    EXPECT_EQ(r.error().message.value, 5);
    auto t = tx.send_for(tracked(6), 1ms);
    ASSERT_FALSE(t.has_value());
    EXPECT_EQ(t.error().code, errc::timed_out);
    EXPECT_EQ(t.error().message.value, 6);
    std::stop_source stop;
    stop.request_stop();
    auto c = tx.send(tracked(7), stop.get_token());
    ASSERT_FALSE(c.has_value());
    EXPECT_EQ(c.error().code, errc::cancelled);
    EXPECT_EQ(c.error().message.value, 7);
    EXPECT_EQ(tracked::destroyed_with_payload.load(), 0);
  }
  EXPECT_EQ(tracked::live.load(), 0);
}

TEST_P(Lifetimes, ThrowingMoveOnSendLeavesChannelUntouchedAndMessageWithSender) {
  throwing_move::live = 0;
  {
    auto ch_tx = make<throwing_move>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
    throwing_move poisoned(1, /*poison=*/true);
    EXPECT_THROW((void)tx.try_send(std::move(poisoned)), throwing_move::boom);
    EXPECT_THROW((void)tx.send_for(std::move(poisoned), 1ms), throwing_move::boom);
    EXPECT_THROW((void)tx.send(std::move(poisoned)), throwing_move::boom);
    EXPECT_EQ(poisoned.value, 1) << "the message stays with its owner";
    EXPECT_EQ(rx.len(), 0u);
    EXPECT_TRUE(rx.is_empty());
    EXPECT_EQ(rx.try_recv().error(), errc::empty);
    EXPECT_EQ(throwing_move::live.load(), 1);
    // The channel still works.
    std::thread t([&] { ASSERT_TRUE(tx.send(throwing_move(2))); });
    auto r = rx.recv_for(forever);
    t.join();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->value, 2);
  }
  EXPECT_EQ(throwing_move::live.load(), 0);
}

TEST_P(Lifetimes, ThrowingMoveOnReceiveReachesReceiverAndChannelStaysConsistent) {
  throwing_move::live = 0;
  {
    auto ch_tx = make<throwing_move>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
    std::thread t([tx = tx] {
      ASSERT_TRUE(tx.send(throwing_move(1)));
      ASSERT_TRUE(tx.send(throwing_move(2)));
    });
    throwing_move::throw_on_this_thread = true;
    bool threw = false;
    try {
      (void)rx.recv_for(forever);
    } catch (const throwing_move::boom&) {
      threw = true;
    }
    throwing_move::throw_on_this_thread = false;
    EXPECT_TRUE(threw);
    auto r = rx.recv_for(forever);
    t.join();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->value, 2) << "the failed receive consumed message 1, nothing else";
    EXPECT_EQ(rx.try_recv().error(), errc::empty);
    EXPECT_EQ(throwing_move::live.load(), 1) << "message 1 was destroyed exactly once";
  }
  EXPECT_EQ(throwing_move::live.load(), 0);
}

TEST_P(BufferedLifetimes, BufferedThrowingMoveMessagesAreDestroyedWithTheChannel) {
  throwing_move::live = 0;
  {
    auto ch_tx = make<throwing_move>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
    const int n = static_cast<int>(std::min<std::size_t>(GetParam().buffer(), 10));
    for (int i = 0; i < n; ++i) ASSERT_TRUE(tx.try_send(throwing_move(i)));
    EXPECT_EQ(throwing_move::live.load(), n);
    EXPECT_EQ(rx.try_recv()->value, 0);
    EXPECT_EQ(throwing_move::live.load(), n - 1);
  }
  EXPECT_EQ(throwing_move::live.load(), 0);
}

TEST_P(Lifetimes, FailedSendOfThrowingMoveTypeHandsTheMessageBack) {
  throwing_move::live = 0;
  {
    auto ch_tx = make<throwing_move>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
    rx.close();
    auto r = tx.send(throwing_move(3));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, errc::closed);
    EXPECT_EQ(r.error().message.value, 3);
  }
  EXPECT_EQ(throwing_move::live.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(Flavors, Lifetimes, testing::ValuesIn(all_flavors()), flavor_name());
INSTANTIATE_TEST_SUITE_P(Flavors, BufferedLifetimes, testing::ValuesIn(buffered_flavors()), flavor_name());
INSTANTIATE_TEST_SUITE_P(Flavors, BlockingSendLifetimes, testing::ValuesIn(blocking_send_flavors()),
                         flavor_name());

}  // namespace
