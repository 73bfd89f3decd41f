// Proves issue 11, item 9: when the last receiver goes, the messages it left buffered are
// destroyed then — exactly once, on the thread that dropped it, while senders live on — and
// later sends fail with errc::closed and hand the message back; on every flavor and kind.
#include <gtest/gtest.h>

#include <thread>

#include "sluice/sluice.hpp"
#include "test_support.hpp"

namespace {

using sluice::errc;
using sluice_test::tracked;

// Records the thread that destroyed a message with a payload.
struct marked {
  static inline std::atomic<int> live{0};
  static inline std::thread::id last_destroyer{};
  explicit marked(int v) : value(v) { ++live; }
  marked(marked&& o) noexcept : value(std::exchange(o.value, -1)) { ++live; }
  marked(const marked& o) : value(o.value) { ++live; }
  ~marked() {
    if (value >= 0) last_destroyer = std::this_thread::get_id();
    --live;
  }
  int value;
};

// `make()` -> {tx, rx}; buffers `n` messages, drops rx, checks, then sends once more.
template <class Make>
void unreceived_die_with_the_last_receiver(Make make, int n) {
  tracked::live = 0;
  tracked::destroyed_with_payload = 0;
  {
    auto ch = make();
    for (int i = 0; i < n; ++i) ASSERT_TRUE(ch.first.try_send(tracked(i)));
    ASSERT_EQ(tracked::live, n);
    { auto gone = std::move(ch.second); }
    EXPECT_EQ(tracked::live, 0) << "buffered messages outlive the last receiver";
    EXPECT_EQ(tracked::destroyed_with_payload, n);
    auto r = ch.first.try_send(tracked(100));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, errc::closed);
    EXPECT_EQ(r.error().message.value, 100);  // handed back
    auto b = ch.first.send(tracked(101));
    ASSERT_FALSE(b.has_value());
    EXPECT_EQ(b.error().code, errc::closed);
    EXPECT_EQ(b.error().message.value, 101);
  }
  EXPECT_EQ(tracked::live, 0);
  EXPECT_EQ(tracked::destroyed_with_payload, n + 2);
}

TEST(Unreceived, EveryChannelFlavorDestroysThemWhenTheLastReceiverGoes) {
  unreceived_die_with_the_last_receiver([] { return sluice::bounded<tracked>(1); }, 1);
  unreceived_die_with_the_last_receiver([] { return sluice::bounded<tracked>(4); }, 3);
  unreceived_die_with_the_last_receiver([] { return sluice::bounded<tracked>(0); }, 0);
  unreceived_die_with_the_last_receiver([] { return sluice::unbounded<tracked>(); }, 200);  // several blocks
  unreceived_die_with_the_last_receiver([] { return sluice::spsc_bounded<tracked>(4); }, 4);
  unreceived_die_with_the_last_receiver([] { return sluice::spsc_unbounded<tracked>(); }, 200);
  unreceived_die_with_the_last_receiver([] { return sluice::mpsc_unbounded<tracked>(); }, 200);
}

TEST(Unreceived, OnlyTheLastReceiverDestroysThem) {
  tracked::live = 0;
  auto [tx, rx] = sluice::bounded<tracked>(4);
  ASSERT_TRUE(tx.try_send(tracked(1)));
  { auto clone = rx; }
  EXPECT_EQ(tracked::live, 1);  // another receiver still can receive it
  auto r = rx.try_recv();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->value, 1);
}

TEST(Unreceived, DestroyedOnTheThreadThatDropsTheLastReceiver) {
  marked::live = 0;
  auto [tx, rx] = sluice::unbounded<marked>();
  ASSERT_TRUE(tx.try_send(marked(1)));
  std::thread::id dropper;
  std::thread([&, r = std::move(rx)]() mutable {
    dropper = std::this_thread::get_id();
    { auto gone = std::move(r); }
  }).join();
  EXPECT_EQ(marked::live, 0);
  EXPECT_EQ(marked::last_destroyer, dropper);
}

TEST(Unreceived, OneshotBroadcastWatermark) {
  tracked::live = 0;
  {
    auto [tx, rx] = sluice::oneshot<tracked>();
    { auto gone = std::move(rx); }
    auto r = std::move(tx).send(tracked(5));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, errc::closed);
    EXPECT_EQ(r.error().message.value, 5);
  }
  EXPECT_EQ(tracked::live, 0);
  {
    auto [tx, rx] = sluice::oneshot<tracked>();
    ASSERT_TRUE(std::move(tx).send(tracked(6)));
    EXPECT_EQ(tracked::live, 1);
    { auto gone = std::move(rx); }
    EXPECT_EQ(tracked::live, 0);
  }
  marked::live = 0;
  {
    auto [tx, rx] = sluice::broadcast<marked>(4);
    ASSERT_TRUE(tx.try_send(marked(1)));
    ASSERT_TRUE(tx.try_send(marked(2)));
    { auto gone = std::move(rx); }
    EXPECT_EQ(marked::live, 0);
    auto r = tx.try_send(marked(3));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, errc::closed);
    EXPECT_EQ(r.error().message.value, 3);
  }
  EXPECT_EQ(marked::live, 0);
  tracked::live = 0;
  {
    auto [tx, rx] = sluice::watermark<tracked>(2, 4);
    (void)tx.try_send(tracked(1));
    (void)tx.try_send(tracked(2));
    { auto gone = std::move(rx); }
    EXPECT_EQ(tracked::live, 0);
    auto r = tx.try_send(tracked(3));
    ASSERT_FALSE(r.has_value());
  }
  EXPECT_EQ(tracked::live, 0);
}

}  // namespace
