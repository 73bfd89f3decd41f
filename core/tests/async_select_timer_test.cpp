// Timer cases (sources.hpp: after, tick) in the variadic async_select: the caller's timer,
// given first (async_select(timer, cases...)) or carried by the timeout case, wakes the wait at
// the timer case's instant (async_timer.hpp's select_timer, shared with the coroutine
// selector); a ready receiver beats a far timer case; a deadline before the timer case's
// instant times out; with a default case no timer is needed. manual_timer runs what it holds
// whenever the test says, maybe before the clock reaches the instant: the select then asks the
// timer again, so while it waits it always holds one task, and completes once the clock has
// passed the instant. Real clock: only facts that cannot flake (a 1 ms timer is due after a
// wait for it, an hour-away one is not).
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <vector>

#include "async_support.hpp"
#include "sluice/sluice.hpp"

using namespace std::chrono_literals;
using sluice_test::manual_timer;
using sluice_test::owned;
using time_point = sluice::std_platform::clock::time_point;

namespace {
void run_timer_until_done(const owned& op, manual_timer& timer) {
  while (!op.done()) {
    ASSERT_EQ(timer.pending(), 1u);  // the suspended select has asked the timer to wake it
    timer.fire_all();
  }
}
auto no_message() {
  return [](sluice::recv_result<int>) { ADD_FAILURE() << "nothing was sent"; };
}

owned after_or_recv(manual_timer* timer, sluice::receiver<int> rx, sluice::basic_after<>* soon,
                    std::optional<std::size_t>* out, std::optional<time_point>* got, int* msg) {
  *out = co_await sluice::async_select(*timer, sluice::on_recv(rx, [msg](sluice::recv_result<int> r) { *msg = *r; }),
                                       sluice::on_recv(*soon, [got](sluice::recv_result<time_point> r) { *got = *r; }));
}
// The timer carried by the timeout case, an hour away: the after case fires first.
owned after_or_timeout(manual_timer* timer, sluice::receiver<int> rx, sluice::basic_after<>* soon,
                       std::optional<std::size_t>* out) {
  *out = co_await sluice::async_select(sluice::on_recv(rx, no_message()),
                                       sluice::on_recv(*soon, [](sluice::recv_result<time_point>) {}),
                                       sluice::on_timeout(1h, *timer, [] { ADD_FAILURE() << "not due"; }));
}
// The timer given first keeps the deadline of a timeout case given without one.
owned far_after_or_timeout(manual_timer* timer, sluice::basic_after<>* far, std::optional<std::size_t>* out,
                           bool* timed_out) {
  *out = co_await sluice::async_select_biased(
      *timer, sluice::on_recv(*far, [](sluice::recv_result<time_point>) { ADD_FAILURE() << "not due"; }),
      sluice::on_timeout(1h, [timed_out] { *timed_out = true; }));
}
}  // namespace

TEST(AsyncSelectTimer, FiresAnAfterCaseThroughTheTimer) {
  auto [tx, rx] = sluice::bounded<int>(1);
  auto soon = sluice::after(1ms);
  manual_timer timer;
  std::optional<std::size_t> fired;
  std::optional<time_point> got;
  int msg = 0;
  owned op = after_or_recv(&timer, rx, &soon, &fired, &got, &msg);
  run_timer_until_done(op, timer);
  EXPECT_EQ(fired, 1u);
  EXPECT_EQ(msg, 0);
  ASSERT_TRUE(got.has_value());
  EXPECT_GE(sluice::std_platform::clock::now(), *got);
  // The timer a timeout case carries wakes the after case too, before the hour-long deadline.
  auto again = sluice::after(1ms);
  std::optional<std::size_t> fired2;
  owned op2 = after_or_timeout(&timer, rx, &again, &fired2);
  run_timer_until_done(op2, timer);
  EXPECT_EQ(fired2, 1u);
}

TEST(AsyncSelectTimer, AReadyReceiverBeatsAFarTimerCase) {
  auto [tx, rx] = sluice::bounded<int>(1);
  auto far = sluice::after(1h);
  manual_timer timer;
  std::optional<std::size_t> fired;
  std::optional<time_point> got;
  int msg = 0;
  ASSERT_TRUE(tx.send(4));
  owned ready = after_or_recv(&timer, rx, &far, &fired, &got, &msg);  // ready now: no wait, no timer task
  ASSERT_TRUE(ready.done());
  EXPECT_EQ(fired, 0u);
  EXPECT_EQ(msg, 4);
  EXPECT_EQ(timer.pending(), 0u);
  owned waiting = after_or_recv(&timer, rx, &far, &fired, &got, &msg);
  EXPECT_FALSE(waiting.done());
  EXPECT_EQ(timer.pending(), 1u);  // the timer case's wake-up
  timer.fire_all();                // early, by the clock: the select asks the timer again
  EXPECT_FALSE(waiting.done());
  EXPECT_EQ(timer.pending(), 1u);
  fired.reset();
  ASSERT_TRUE(tx.send(5));  // resumes it on this thread
  ASSERT_TRUE(waiting.done());
  EXPECT_EQ(fired, 0u);
  EXPECT_EQ(msg, 5);
  EXPECT_FALSE(got.has_value());
}

TEST(AsyncSelectTimer, ADeadlineBeforeTheTimerCaseTimesOut) {
  auto far = sluice::after(2h);
  manual_timer timer;
  std::optional<std::size_t> fired;
  bool timed_out = false;
  owned op = far_after_or_timeout(&timer, &far, &fired, &timed_out);
  EXPECT_FALSE(op.done());
  EXPECT_EQ(timer.pending(), 1u);  // one task, for the deadline: it comes first
  timer.fire_all();                // the timer says the deadline has come
  ASSERT_TRUE(op.done());
  EXPECT_EQ(fired, 1u);
  EXPECT_TRUE(timed_out);
}

namespace {
owned tick_or_recv(manual_timer* timer, sluice::receiver<int> rx, sluice::basic_tick<>* beat,
                   std::vector<time_point>* beats, std::optional<std::size_t>* out) {
  *out = co_await sluice::async_select(*timer, sluice::on_recv(rx, no_message()),
                                       sluice::on_recv(*beat, [beats](sluice::recv_result<time_point> r) {
                                         beats->push_back(*r);
                                       }));
}
owned timer_or_default(sluice::basic_after<>* src, std::optional<std::size_t>* out) {
  *out = co_await sluice::async_select(sluice::on_recv(*src, [](sluice::recv_result<time_point>) {}),
                                       sluice::on_default([] {}));
}
}  // namespace

TEST(AsyncSelectTimer, FiresATickCaseRepeatedly) {
  auto beat = sluice::tick(1ms);
  auto [tx, rx] = sluice::bounded<int>(1);
  manual_timer timer;
  std::vector<time_point> beats;
  for (int i = 0; i < 3; ++i) {
    std::optional<std::size_t> fired;
    owned op = tick_or_recv(&timer, rx, &beat, &beats, &fired);
    run_timer_until_done(op, timer);
    EXPECT_EQ(fired, 1u);
  }
  ASSERT_EQ(beats.size(), 3u);
  EXPECT_GE(beats[1] - beats[0], 1ms);
  EXPECT_GE(beats[2] - beats[1], 1ms);
}

TEST(AsyncSelectTimer, WithADefaultCaseATimerCaseNeedsNoTimer) {
  auto far = sluice::after(1h);
  std::optional<std::size_t> fired;
  owned op = timer_or_default(&far, &fired);  // never waits: no timer is asked
  ASSERT_TRUE(op.done());
  EXPECT_EQ(fired, 1u);
  auto now = sluice::after(0ms);
  owned op2 = timer_or_default(&now, &fired);
  ASSERT_TRUE(op2.done());
  EXPECT_EQ(fired, 0u);
}

namespace {
owned recv_or_never_timeout(manual_timer* timer, sluice::receiver<int> rx, std::optional<std::size_t>* out, int* msg) {
  *out = co_await sluice::async_select(sluice::on_recv(rx, [msg](sluice::recv_result<int> r) { *msg = *r; }),
                                       sluice::on_timeout(std::chrono::hours::max(), *timer,
                                                          [] { ADD_FAILURE() << "beyond the clock's range"; }));
}
}  // namespace

TEST(AsyncSelectTimer, ATimeoutBeyondTheClocksRangeNeverFires) {
  // deadline.hpp: a deadline beyond the clock's range is time_point::max(), "never". Before
  // select_timer, the variadic async_select kept no timer for it and compared the clock with
  // an empty deadline (the epoch): it timed out at once.
  auto [tx, rx] = sluice::bounded<int>(1);
  manual_timer timer;
  std::optional<std::size_t> fired;
  int msg = 0;
  owned op = recv_or_never_timeout(&timer, rx, &fired, &msg);
  EXPECT_FALSE(op.done());
  EXPECT_EQ(timer.pending(), 0u);  // nothing to wake it for
  ASSERT_TRUE(tx.send(6));
  ASSERT_TRUE(op.done());
  EXPECT_EQ(fired, 0u);
  EXPECT_EQ(msg, 6);
}
