// Handles: copy = clone (counts), move leaves an empty handle that throws empty_handle_error,
// same_channel, weak senders (downgrade/upgrade), and the capacity checks of the factories.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <thread>

#include "test_support.hpp"

using namespace sluice_test;
using sluice::errc;

namespace {

class Handles : public testing::TestWithParam<flavor> {};

TEST_P(Handles, NewChannelHasOneSenderAndOneReceiver) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  EXPECT_EQ(tx.sender_count(), 1u);
  EXPECT_EQ(tx.receiver_count(), 1u);
  EXPECT_EQ(rx.sender_count(), 1u);
  EXPECT_EQ(rx.receiver_count(), 1u);
}

TEST_P(Handles, CopyIsACloneCountedOnItsSideAndDroppingItUncounts) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  {
    auto tx2 = tx;
    sluice::sender<int> tx3;
    tx3 = tx2;
    EXPECT_EQ(rx.sender_count(), 3u);
    EXPECT_EQ(rx.receiver_count(), 1u);
    auto rx2 = rx;
    EXPECT_EQ(tx.receiver_count(), 2u);
    EXPECT_TRUE(tx2.same_channel(tx));
    EXPECT_TRUE(rx2.same_channel(tx3));
  }
  EXPECT_EQ(rx.sender_count(), 1u);
  EXPECT_EQ(tx.receiver_count(), 1u);
  EXPECT_FALSE(rx.is_disconnected());
}

TEST_P(Handles, CloneSendsIntoTheSameChannel) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  auto tx2 = tx;
  auto rx2 = rx;
  std::thread t([&] {
    ASSERT_TRUE(tx2.send(1));
    ASSERT_TRUE(tx.send(2));
  });
  EXPECT_EQ(rx.recv_for(forever).value(), 1);
  EXPECT_EQ(rx2.recv_for(forever).value(), 2);
  t.join();
}

TEST_P(Handles, MoveTransfersTheHandleWithoutChangingCounts) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  auto tx2 = std::move(tx);
  auto rx2 = std::move(rx);
  EXPECT_FALSE(tx.valid());
  EXPECT_FALSE(static_cast<bool>(rx));
  EXPECT_TRUE(tx2.valid());
  EXPECT_EQ(tx2.sender_count(), 1u);
  EXPECT_EQ(rx2.receiver_count(), 1u);
  EXPECT_FALSE(rx2.is_disconnected());
  sluice::sender<int> tx3;
  tx3 = std::move(tx2);
  EXPECT_FALSE(tx2.valid());
  EXPECT_EQ(tx3.sender_count(), 1u);
}

TEST_P(Handles, AssigningOverTheLastSenderClosesItsChannel) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  auto ch_tx_other = make<int>(GetParam());
  [[maybe_unused]] auto& tx_other = ch_tx_other.first;
  [[maybe_unused]] auto& rx_other = ch_tx_other.second;
  tx = tx_other;  // the old channel loses its only sender
  EXPECT_TRUE(rx.is_disconnected());
  EXPECT_EQ(rx.recv().error(), errc::closed);
  EXPECT_EQ(rx_other.sender_count(), 2u);
  EXPECT_TRUE(tx.same_channel(rx_other));
}

TEST_P(Handles, SameChannelDistinguishesChannelsAndIsFalseForEmptyHandles) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  auto ch_tx2 = make<int>(GetParam());
  [[maybe_unused]] auto& tx2 = ch_tx2.first;
  [[maybe_unused]] auto& rx2 = ch_tx2.second;
  EXPECT_TRUE(tx.same_channel(rx));
  EXPECT_TRUE(rx.same_channel(tx));
  EXPECT_FALSE(tx.same_channel(tx2));
  EXPECT_FALSE(rx.same_channel(tx2));
  auto weak = tx.downgrade();
  EXPECT_TRUE(weak.same_channel(rx));
  sluice::sender<int> empty;
  EXPECT_FALSE(empty.same_channel(tx));
  EXPECT_FALSE(tx.same_channel(empty));
  EXPECT_FALSE(empty.same_channel(empty));
}

TEST_P(Handles, EveryOperationOnAnEmptySenderThrowsEmptyHandleError) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  auto keep = std::move(tx);
  const auto later = std::chrono::steady_clock::now() + 1h;
  EXPECT_THROW((void)tx.send(1), sluice::empty_handle_error);
  EXPECT_THROW((void)tx.try_send(1), sluice::empty_handle_error);
  EXPECT_THROW((void)tx.send_for(1, 1h), sluice::empty_handle_error);
  EXPECT_THROW((void)tx.send_until(1, later), sluice::empty_handle_error);
  EXPECT_THROW((void)tx.send(1, std::stop_token()), sluice::empty_handle_error);
  EXPECT_THROW((void)tx.downgrade(), sluice::empty_handle_error);
  EXPECT_THROW((void)tx.len(), sluice::empty_handle_error);
  EXPECT_THROW((void)tx.capacity(), sluice::empty_handle_error);
  EXPECT_THROW((void)tx.is_empty(), sluice::empty_handle_error);
  EXPECT_THROW((void)tx.is_full(), sluice::empty_handle_error);
  EXPECT_THROW((void)tx.is_disconnected(), sluice::empty_handle_error);
  EXPECT_THROW((void)tx.sender_count(), sluice::empty_handle_error);
  EXPECT_THROW((void)tx.receiver_count(), sluice::empty_handle_error);
  EXPECT_THROW((void)tx.close(), sluice::empty_handle_error);
  // The channel itself is untouched.
  EXPECT_FALSE(keep.is_disconnected());
  EXPECT_EQ(keep.sender_count(), 1u);
}

TEST_P(Handles, EveryOperationOnAnEmptyReceiverThrowsEmptyHandleError) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  auto keep = std::move(rx);
  EXPECT_THROW((void)rx.recv(), sluice::empty_handle_error);
  EXPECT_THROW((void)rx.try_recv(), sluice::empty_handle_error);
  EXPECT_THROW((void)rx.recv_for(1h), sluice::empty_handle_error);
  EXPECT_THROW((void)rx.recv_until(std::chrono::steady_clock::now() + 1h), sluice::empty_handle_error);
  EXPECT_THROW((void)rx.recv(std::stop_token()), sluice::empty_handle_error);
  EXPECT_THROW((void)rx.try_iter(), sluice::empty_handle_error);
  EXPECT_THROW((void)rx.drain(), sluice::empty_handle_error);
  EXPECT_THROW(
      {
        for (int m : rx) (void)m;
      },
      sluice::empty_handle_error);
  EXPECT_THROW((void)rx.len(), sluice::empty_handle_error);
  EXPECT_THROW((void)rx.close(), sluice::empty_handle_error);
  EXPECT_FALSE(keep.is_disconnected());
}

TEST_P(Handles, EmptyWeakSenderThrowsEmptyHandleErrorAndDefaultHandlesAreEmpty) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  auto weak = tx.downgrade();
  auto keep = std::move(weak);
  EXPECT_THROW((void)weak.upgrade(), sluice::empty_handle_error);
  EXPECT_THROW((void)weak.sender_count(), sluice::empty_handle_error);
  sluice::weak_sender<int> w;
  sluice::sender<int> s;
  sluice::receiver<int> r;
  EXPECT_FALSE(w.valid());
  EXPECT_FALSE(s.valid());
  EXPECT_FALSE(r.valid());
  EXPECT_THROW((void)w.upgrade(), sluice::empty_handle_error);
  EXPECT_THROW((void)s.send(1), sluice::empty_handle_error);
  EXPECT_THROW((void)r.recv(), sluice::empty_handle_error);
  // Copies of empty handles are empty, not a crash.
  auto s2 = s;
  auto r2 = r;
  auto w2 = w;
  EXPECT_FALSE(s2.valid() || r2.valid() || w2.valid());
}

TEST_P(Handles, WeakSenderDoesNotKeepTheChannelOpen) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  auto weak = tx.downgrade();
  EXPECT_EQ(rx.sender_count(), 1u) << "a weak sender is not a sender";
  { auto gone = std::move(tx); }
  EXPECT_TRUE(rx.is_disconnected());
  EXPECT_EQ(rx.recv().error(), errc::closed);
  EXPECT_FALSE(weak.upgrade().has_value());
  EXPECT_FALSE(weak.upgrade().has_value()) << "stays sender-less";
  EXPECT_EQ(weak.sender_count(), 0u);
}

TEST_P(Handles, UpgradeGivesAWorkingSenderWhileAStrongOneLives) {
  auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  auto weak = tx.downgrade();
  auto weak2 = weak;
  auto up = weak2.upgrade();
  ASSERT_TRUE(up.has_value());
  EXPECT_EQ(rx.sender_count(), 2u);
  EXPECT_TRUE(up->same_channel(rx));
  { auto gone = std::move(tx); }
  EXPECT_FALSE(rx.is_disconnected()) << "the upgraded sender keeps it open";
  std::thread t([&] { ASSERT_TRUE(up->send(9)); });
  EXPECT_EQ(rx.recv_for(forever).value(), 9);
  t.join();
  up.reset();
  EXPECT_TRUE(rx.is_disconnected());
  EXPECT_FALSE(weak.upgrade().has_value());
}

TEST_P(Handles, WeakSenderOutlivingEveryOtherHandleIsSafe) {
  sluice::weak_sender<int> weak;
  {
    auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
    weak = tx.downgrade();
  }
  EXPECT_FALSE(weak.upgrade().has_value());
  EXPECT_TRUE(weak.is_disconnected());
  EXPECT_EQ(weak.sender_count(), 0u);
  EXPECT_EQ(weak.receiver_count(), 0u);
}

TEST_P(Handles, WeakUpgradeRacingTheLastDropEitherFailsOrKeepsTheChannelOpen) {
  // Either the upgrade wins (it gets a sender that can still send, and the channel closes
  // only when that sender goes) or the drop wins (no sender, the receiver sees closed).
  const int rounds = GetParam().rendezvous() ? 300 : 1000;
  int upgraded = 0, failed = 0;
  for (int i = 0; i < rounds; ++i) {
    auto ch_tx = make<int>(GetParam());
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
    auto weak = tx.downgrade();
    std::atomic<bool> go{false};
    std::thread dropper([tx = std::move(tx), &go]() mutable {
      while (!go.load(std::memory_order_acquire)) {
      }
      auto gone = std::move(tx);
    });
    go.store(true, std::memory_order_release);
    auto up = weak.upgrade();
    if (up) {
      ++upgraded;
      std::thread t([&] { ASSERT_TRUE(up->send(int(i))); });
      ASSERT_EQ(rx.recv_for(forever).value(), i);
      t.join();
      dropper.join();
      EXPECT_FALSE(rx.is_disconnected());
      up.reset();
      EXPECT_TRUE(rx.is_disconnected());
    } else {
      ++failed;
      dropper.join();
      EXPECT_EQ(rx.sender_count(), 0u);
      EXPECT_EQ(rx.recv_for(forever).error(), errc::closed);
      EXPECT_FALSE(weak.upgrade().has_value());
    }
  }
  EXPECT_EQ(upgraded + failed, rounds);
  RecordProperty("upgraded", upgraded);
}

INSTANTIATE_TEST_SUITE_P(Flavors, Handles, testing::ValuesIn(all_flavors()), flavor_name());

TEST(Capacity, ImpossibleCapacityThrowsLengthError) {
  EXPECT_THROW((void)sluice::bounded<int>(std::numeric_limits<std::size_t>::max()), std::length_error);
  const int negative = -1;
  EXPECT_THROW((void)sluice::bounded<int>(static_cast<std::size_t>(negative)), std::length_error);
  EXPECT_THROW((void)sluice::bounded<int>(std::numeric_limits<std::size_t>::max() / 2 + 1), std::length_error);
}

TEST(Capacity, CapacityWhoseByteSizeOverflowsThrowsLengthError) {
  // Fits the index space, but cap * sizeof(slot) does not fit size_t. (The largest message
  // stored in its slot: a bigger one is boxed, detail/message.hpp.)
  using big = std::array<char, sluice::detail::inline_message_limit>;
  static_assert(!sluice::detail::boxed_v<big>);
  const std::size_t cap = std::size_t{1} << 50;
  EXPECT_THROW((void)sluice::bounded<big>(cap), std::length_error);
}

TEST(Capacity, LargeButPossibleCapacityWorks) {
  auto ch_tx = sluice::bounded<char>(1 << 20);
  [[maybe_unused]] auto& tx = ch_tx.first;
  [[maybe_unused]] auto& rx = ch_tx.second;
  EXPECT_EQ(tx.capacity(), std::size_t{1} << 20);
  for (int i = 0; i < (1 << 20); ++i) ASSERT_TRUE(tx.try_send('x'));
  EXPECT_EQ(tx.try_send('y').error().code, errc::full);
  EXPECT_EQ(rx.len(), std::size_t{1} << 20);
}

}  // namespace
