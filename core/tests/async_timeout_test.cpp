// Async operations with a deadline kept by the caller's timer (sluice::timer_scheduler):
// timing out leaves the channel as it was and hands a send's message back; a message that
// arrives first wins; a timer that runs after the operation finished is harmless; races between
// the timer and a partner lose and duplicate nothing.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <latch>
#include <optional>
#include <random>
#include <stop_token>
#include <thread>

#include "async_support.hpp"
#include "sluice/sluice.hpp"

using namespace std::chrono_literals;
using sluice_test::counted;
using sluice_test::manual_timer;
using sluice_test::owned;
using sluice_test::thread_timer;

namespace {

static_assert(sluice::timer_scheduler<manual_timer>);
static_assert(sluice::timer_scheduler<thread_timer>);
static_assert(!sluice::timer_scheduler<sluice_test::pool>);  // no schedule_at

auto make(int cap) {
  return cap < 0 ? sluice::unbounded<int>() : sluice::bounded<int>(static_cast<std::size_t>(cap));
}
const int flavors[] = {-1, 0, 1, 4};

template <class Timer>
owned recv_for(sluice::receiver<int> rx, Timer* timer, std::optional<sluice::recv_result<int>>* out,
               std::chrono::nanoseconds d = 1h, std::stop_token stop = {}) {
  out->emplace(co_await rx.async_recv_for(d, *timer, stop));
}

TEST(AsyncTimeout, ReceiveTimesOutWhenTheTimerFiresAndLeavesTheChannelAsItWas) {
  for (int cap : flavors) {
    auto [tx, rx] = make(cap);
    manual_timer timer;
    std::optional<sluice::recv_result<int>> got;
    owned c = recv_for(rx, &timer, &got);
    ASSERT_FALSE(c.done()) << cap;
    EXPECT_EQ(timer.pending(), 1u) << cap;  // scheduled on the first wait
    timer.fire_all();                       // "the deadline has passed"
    ASSERT_TRUE(c.done()) << cap;
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->error(), sluice::errc::timed_out) << cap;
    if (cap != 0) {
      ASSERT_TRUE(tx.try_send(5));
      EXPECT_EQ(rx.try_recv().value(), 5) << cap;
    } else {
      EXPECT_EQ(tx.try_send(5).error().code, sluice::errc::full);  // no receiver left waiting
    }
  }
}

TEST(AsyncTimeout, AMessageBeforeTheDeadlineWinsAndTheLateTimerIsHarmless) {
  for (int cap : flavors) {
    auto [tx, rx] = make(cap);
    manual_timer timer;
    std::optional<sluice::recv_result<int>> got;
    {
      owned c = recv_for(rx, &timer, &got);
      ASSERT_FALSE(c.done());
      ASSERT_TRUE(tx.send_for(11, 10s)) << cap;
      ASSERT_TRUE(c.done()) << cap;
      EXPECT_EQ(got->value(), 11) << cap;
    }                  // the operation's frame is gone with the coroutine
    timer.fire_all();  // the task runs after its operation finished: nothing happens
    ASSERT_TRUE(tx.try_send(12) || cap == 0);
    if (cap != 0) {
      EXPECT_EQ(rx.try_recv().value(), 12);
    }
  }
}

TEST(AsyncTimeout, AReadyMessageIsTakenEvenPastTheDeadlineAndNothingIsScheduled) {
  auto [tx, rx] = sluice::bounded<int>(2);
  manual_timer timer;
  ASSERT_TRUE(tx.send(1));
  std::optional<sluice::recv_result<int>> got;
  owned c = recv_for(rx, &timer, &got, -1s);
  ASSERT_TRUE(c.done());
  EXPECT_EQ(got->value(), 1);
  EXPECT_EQ(timer.pending(), 0u);
  owned d = recv_for(rx, &timer, &got, -1s);  // empty and past the deadline: no wait at all
  ASSERT_TRUE(d.done());
  EXPECT_EQ(got->error(), sluice::errc::timed_out);
  EXPECT_EQ(timer.pending(), 0u);
}

owned send_for(sluice::sender<counted> tx, int v, manual_timer* timer, std::optional<sluice::send_result<counted>>* out) {
  out->emplace(co_await tx.async_send_for(counted(v), 1h, *timer));
}

TEST(AsyncTimeout, SendTimesOutAndHandsTheMessageBackExactlyOnce) {
  for (int cap : {0, 1}) {
    {
      auto [tx, rx] = sluice::bounded<counted>(static_cast<std::size_t>(cap));
      if (cap == 1) {
        ASSERT_TRUE(tx.send(counted(0)));  // full
      }
      manual_timer timer;
      std::optional<sluice::send_result<counted>> got;
      owned c = send_for(tx, 7, &timer, &got);
      ASSERT_FALSE(c.done());
      timer.fire_all();
      ASSERT_TRUE(c.done());
      ASSERT_FALSE(got->has_value());
      EXPECT_EQ(got->error().code, sluice::errc::timed_out);
      EXPECT_EQ(got->error().message.v, 7);
      EXPECT_EQ(rx.len(), static_cast<std::size_t>(cap));
      got.reset();
    }
    EXPECT_EQ(counted::live.load(), 0) << cap;
  }
}

TEST(AsyncTimeout, DestroyingTheCoroutineBeforeTheTimerRunsLosesNothing) {
  for (int cap : flavors) {
    auto [tx, rx] = make(cap);
    manual_timer timer;
    std::optional<sluice::recv_result<int>> got;
    {
      owned c = recv_for(rx, &timer, &got);
      ASSERT_FALSE(c.done());
    }  // destroyed while waiting
    timer.fire_all();  // the task finds the operation gone
    EXPECT_FALSE(got.has_value());
    if (cap != 0) {
      ASSERT_TRUE(tx.try_send(3));
      EXPECT_EQ(rx.try_recv().value(), 3) << cap;
    }
  }
}

TEST(AsyncTimeout, AStopRequestBeforeTheDeadlineCancels) {
  auto [tx, rx] = sluice::bounded<int>(1);
  manual_timer timer;
  std::stop_source src;
  std::optional<sluice::recv_result<int>> got;
  owned c = recv_for(rx, &timer, &got, 1h, src.get_token());
  ASSERT_FALSE(c.done());
  src.request_stop();
  ASSERT_TRUE(c.done());
  EXPECT_EQ(got->error(), sluice::errc::cancelled);
  timer.fire_all();
}

// A real timer thread against a real sender thread, many times: each message is either received
// by the coroutine or still in the channel (or, rendezvous, never sent); never both, never lost.
sluice_test::task recv_for_then_count(sluice_test::pool*, sluice::receiver<int> rx, thread_timer* timer, std::chrono::microseconds d,
                          std::atomic<int>* received, std::atomic<int>* timed_out, std::latch* done) {
  auto r = co_await rx.async_recv_for(d, *timer);
  if (r) {
    EXPECT_EQ(*r, 1);
    ++*received;
  } else {
    EXPECT_EQ(r.error(), sluice::errc::timed_out);
    ++*timed_out;
  }
  done->count_down();
}

TEST(AsyncTimeout, TimerAndSenderRacesLoseAndDuplicateNothing) {
  thread_timer timer;
  std::mt19937 rng(12345);
  for (int cap : {-1, 0, 1}) {
    int in_channel = 0, sent = 0;
    std::atomic<int> received{0}, timed_out{0};
    const int rounds = 300;
    std::deque<std::latch> latches;  // outlive the coroutines that count them down
    for (int i = 0; i < rounds; ++i) {
      auto [tx, rx] = make(cap);
      std::latch& done = latches.emplace_back(1);
      const auto d = std::chrono::microseconds(rng() % 200);
      const auto delay = std::chrono::microseconds(rng() % 200);
      std::thread sender([&, tx = tx] {
        std::this_thread::sleep_for(delay);  // varies the race, not used for synchronization
        if (cap == 0 ? tx.send_for(1, 2ms).has_value() : tx.send(1).has_value()) ++sent;
      });
      recv_for_then_count(nullptr, rx, &timer, d, &received, &timed_out, &done);  // frees itself
      done.wait();
      sender.join();
      while (rx.try_recv()) ++in_channel;
    }
    EXPECT_EQ(received.load() + timed_out.load(), rounds) << cap;
    EXPECT_EQ(received.load() + in_channel, sent) << cap;  // every sent message exactly once
    if (cap != 0) {
      EXPECT_EQ(sent, rounds) << cap;
    }
  }
}

}  // namespace
