// select: exactly one case fires, the others leave their channels as they were; fairness,
// bias, default and timeout cases; blocking until a partner arrives on every flavor; exact
// accounting when many threads select-send and select-receive at once.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <numeric>
#include <thread>
#include <vector>

#include "sluice/select.hpp"

using namespace std::chrono_literals;

namespace {

auto make(int cap) {
  return cap < 0 ? sluice::unbounded<int>() : sluice::bounded<int>(static_cast<std::size_t>(cap));
}
const int flavors[] = {-1, 0, 1, 4};
auto ignore_recv = [](sluice::recv_result<int>) {};
auto ignore_send = [](sluice::send_result<int>) {};

TEST(Select, FiresTheOnlyReadyReceiveCaseWithItsMessage) {
  auto a = sluice::bounded<int>(1);
  auto b = sluice::unbounded<int>();
  ASSERT_TRUE(b.first.send(42));
  int got = 0;
  const auto fired = sluice::select(sluice::on_recv(a.second, ignore_recv),
                                    sluice::on_recv(b.second, [&](sluice::recv_result<int> r) { got = *r; }));
  EXPECT_EQ(fired, 1u);
  EXPECT_EQ(got, 42);
}

TEST(Select, WhenSeveralAreReadyExactlyOneFiresAndTheOthersKeepTheirMessages) {
  auto a = sluice::bounded<int>(4);
  auto b = sluice::bounded<int>(4);
  ASSERT_TRUE(a.first.send(1));
  ASSERT_TRUE(b.first.send(2));
  int fired_count = 0;
  sluice::select(sluice::on_recv(a.second, [&](sluice::recv_result<int>) { ++fired_count; }),
                 sluice::on_recv(b.second, [&](sluice::recv_result<int>) { ++fired_count; }));
  EXPECT_EQ(fired_count, 1);
  EXPECT_EQ(a.second.len() + b.second.len(), 1u);
}

TEST(Select, FairSelectFiresEveryReadyCaseOften) {
  auto a = sluice::unbounded<int>();
  auto b = sluice::unbounded<int>();
  constexpr int rounds = 4000;
  for (int i = 0; i < rounds; ++i) {
    ASSERT_TRUE(a.first.send(int(i)));
    ASSERT_TRUE(b.first.send(int(i)));
  }
  int hits[2] = {0, 0};
  for (int i = 0; i < rounds; ++i) ++hits[sluice::select(sluice::on_recv(a.second, ignore_recv), sluice::on_recv(b.second, ignore_recv))];
  EXPECT_GT(hits[0], rounds / 4);
  EXPECT_GT(hits[1], rounds / 4);
}

TEST(Select, BiasedSelectPrefersTheFirstReadyCase) {
  auto a = sluice::unbounded<int>();
  auto b = sluice::unbounded<int>();
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(a.first.send(int(i)));
    ASSERT_TRUE(b.first.send(int(i)));
  }
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(sluice::select_biased(sluice::on_recv(a.second, ignore_recv), sluice::on_recv(b.second, ignore_recv)), 0u);
  EXPECT_EQ(b.second.len(), 100u);
}

TEST(Select, DefaultCaseFiresWhenNothingIsReadyAndLeavesSendMessagesUnsent) {
  for (int cap : {0, 1}) {
    auto a = make(cap);
    if (cap == 1) {
      ASSERT_TRUE(a.first.send(0));  // now full
    }
    auto r = sluice::bounded<int>(1);
    bool defaulted = false;
    const auto fired = sluice::select(sluice::on_send(a.first, 7, ignore_send), sluice::on_recv(r.second, ignore_recv),
                                      sluice::on_default([&] { defaulted = true; }));
    EXPECT_EQ(fired, 2u);
    EXPECT_TRUE(defaulted);
    EXPECT_EQ(a.second.len(), cap == 1 ? 1u : 0u);
  }
}

TEST(Select, TimeoutFiresNoEarlierThanItsDuration) {
  for (int cap : flavors) {
    auto a = make(cap);
    const auto start = std::chrono::steady_clock::now();
    const auto fired = sluice::select(sluice::on_recv(a.second, ignore_recv), sluice::on_timeout(30ms, [] {}));
    EXPECT_EQ(fired, 1u) << cap;
    EXPECT_GE(std::chrono::steady_clock::now() - start, 30ms) << cap;
  }
}

TEST(Select, BlocksUntilAMessageArrivesOnAnyFlavor) {
  for (int cap : flavors) {
    auto a = make(cap);
    auto b = make(cap);
    std::thread t([tx = b.first] { ASSERT_TRUE(tx.send(99)); });
    int got = 0;
    const auto fired = sluice::select(sluice::on_recv(a.second, ignore_recv),
                                      sluice::on_recv(b.second, [&](sluice::recv_result<int> r) { got = *r; }));
    t.join();
    EXPECT_EQ(fired, 1u) << cap;
    EXPECT_EQ(got, 99) << cap;
  }
}

TEST(Select, RendezvousSendCaseCompletesOnlyWhenAReceiverTakesIt) {
  auto a = sluice::bounded<int>(0);
  auto idle = sluice::bounded<int>(0);
  std::atomic<int> received{-1};
  std::thread t([rx = a.second, &received] { received = *rx.recv(); });
  bool sent = false;
  const auto fired = sluice::select(sluice::on_send(idle.first, 1, ignore_send),
                                    sluice::on_send(a.first, 5, [&](sluice::send_result<int> r) { sent = r.has_value(); }));
  t.join();
  EXPECT_EQ(fired, 1u);
  EXPECT_TRUE(sent);
  EXPECT_EQ(received.load(), 5);
  // The case that did not fire delivered nothing: nobody can receive its message now.
  EXPECT_EQ(idle.second.recv_for(10ms).error(), sluice::errc::timed_out);
}

TEST(Select, ClosedChannelFiresItsCaseWithClosed) {
  for (int cap : flavors) {
    auto a = make(cap);
    auto b = make(cap);
    std::optional<sluice::errc> err;
    a.first.close();
    const auto fired = sluice::select(sluice::on_recv(b.second, ignore_recv),
                                      sluice::on_recv(a.second, [&](sluice::recv_result<int> r) { err = r.error(); }));
    EXPECT_EQ(fired, 1u) << cap;
    EXPECT_EQ(err, sluice::errc::closed) << cap;
  }
}

TEST(Select, CloseWakesABlockedSelect) {
  for (int cap : flavors) {
    auto a = make(cap);
    std::thread t([tx = a.first] { tx.close(); });
    std::optional<sluice::errc> err;
    sluice::select(sluice::on_recv(a.second, [&](sluice::recv_result<int> r) { err = r.error(); }));
    t.join();
    EXPECT_EQ(err, sluice::errc::closed) << cap;
  }
}

TEST(Select, UnchosenMoveOnlySendMessageIsDestroyedExactlyOnceWithTheSelect) {
  static std::atomic<int> live{0};
  struct counted {
    counted() { ++live; }
    counted(counted&&) noexcept { ++live; }
    ~counted() { --live; }
  };
  {
    auto a = sluice::bounded<counted>(0);
    auto b = sluice::unbounded<int>();
    ASSERT_TRUE(b.first.send(1));
    sluice::select_biased(sluice::on_recv(b.second, ignore_recv),
                          sluice::on_send(a.first, counted{}, [](sluice::send_result<counted>) {}));
    EXPECT_EQ(live.load(), 0);
  }
  EXPECT_EQ(live.load(), 0);
}

// select_both, as crossbeam's benchmark defines it: producers select-send over all channels,
// consumers select-receive over all channels; every message arrives exactly once.
TEST(Select, ManyThreadsSelectSendingAndReceivingLoseAndDuplicateNothing) {
  for (int cap : flavors) {
    constexpr int threads = 3;
    const int per_thread = cap == 0 ? 2000 : 20000;
    std::vector<std::pair<sluice::sender<int>, sluice::receiver<int>>> chans;
    for (int i = 0; i < threads; ++i) chans.push_back(make(cap));
    std::vector<std::atomic<int>> seen(threads * per_thread);
    std::vector<std::thread> workers;
    for (int p = 0; p < threads; ++p)
      workers.emplace_back([&, p] {
        for (int i = 0; i < per_thread; ++i)
          sluice::select(sluice::on_send(chans[0].first, p * per_thread + i, ignore_send),
                         sluice::on_send(chans[1].first, p * per_thread + i, ignore_send),
                         sluice::on_send(chans[2].first, p * per_thread + i, ignore_send));
      });
    for (int c = 0; c < threads; ++c)
      workers.emplace_back([&] {
        auto take = [&](sluice::recv_result<int> r) { seen[*r].fetch_add(1); };
        for (int i = 0; i < per_thread; ++i)
          sluice::select(sluice::on_recv(chans[0].second, take), sluice::on_recv(chans[1].second, take),
                         sluice::on_recv(chans[2].second, take));
      });
    for (auto& w : workers) w.join();
    for (std::size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i].load(), 1) << "message " << i << " cap " << cap;
  }
}

}  // namespace
