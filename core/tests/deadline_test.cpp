// Proves that every `_for` / `_until` saturates (issue 11, item 2): a deadline in the past or a
// timeout <= 0 times out at once, one beyond the clock's range waits forever, for any clock
// and any duration type — the conversion (detail/deadline.hpp) checked value by value, then
// end to end on every kind: a past deadline on an empty (or full) channel times out although
// the op is released afterwards by a close; a "forever" deadline blocks (the probe thread is
// seen parked) and completes with the message a second thread sends afterwards.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <tuple>
#include <type_traits>

#include "async_support.hpp"
#include "sluice/sluice.hpp"
#include "test_support.hpp"

namespace {

using namespace std::chrono_literals;
using std::chrono::hours;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;
using std::chrono::system_clock;
using std::chrono::time_point;
using sluice::errc;
using sluice_test::forever;

auto past_deadlines() {
  return std::make_tuple(system_clock::time_point::min(), steady_clock::time_point::min(),
                         time_point<system_clock, hours>::min(), time_point<steady_clock, seconds>::min(),
                         steady_clock::now() - 1h, system_clock::now() - 1h);
}
auto past_timeouts() { return std::make_tuple(hours::min(), nanoseconds::min(), -1ns, 0s, std::chrono::duration<double>(-1e300)); }
auto forever_deadlines() {
  return std::make_tuple(time_point<steady_clock, seconds>::max(), time_point<system_clock, hours>::max(),
                         system_clock::time_point::max(), steady_clock::time_point::max());
}
auto forever_timeouts() {
  return std::make_tuple(hours::max(), nanoseconds::max(), seconds::max(), std::chrono::duration<double>(1e300));
}

// End to end, each kind is driven by two types of each sort, extreme values only: one
// clock-native and one not (the conversion above checks every type value by value). Every
// type here instantiates every kind's `_for`/`_until` path, which is what the compile pays for.
auto e2e_past_deadlines() { return std::make_tuple(system_clock::time_point::min(), time_point<steady_clock, seconds>::min()); }
auto e2e_past_timeouts() { return std::make_tuple(nanoseconds::min(), std::chrono::duration<double>(-1e300)); }
auto e2e_forever_deadlines() { return std::make_tuple(time_point<system_clock, hours>::max(), steady_clock::time_point::max()); }
auto e2e_forever_timeouts() { return std::make_tuple(hours::max(), std::chrono::duration<double>(1e300)); }

template <class Tuple, class F>
void each(const Tuple& t, F f) {
  std::apply([&](const auto&... x) { (f(x), ...); }, t);
}
template <class D>
inline constexpr bool is_duration_v = false;
template <class R, class Per>
inline constexpr bool is_duration_v<std::chrono::duration<R, Per>> = true;

errc code_of(errc e) { return e; }
template <class E>
errc code_of(const E& e) {
  return e.code;
}

template <class Rx, class D>
auto recv_by(Rx& rx, D d) {
  if constexpr (is_duration_v<D>)
    return rx.recv_for(d);
  else
    return rx.recv_until(d);
}
template <class Tx, class D>
auto send_by(Tx& tx, int v, D d) {
  if constexpr (is_duration_v<D>)
    return tx.send_for(int{v}, d);
  else
    return tx.send_until(int{v}, d);
}

// Runs `op` on a thread; once that thread is parked (or done), runs `release`; returns op's result.
template <class Op, class Release>
auto blocked_then(Op op, Release release) {
  std::optional<decltype(op())> out;
  {
    sluice_test::probe_thread t([&] { out.emplace(op()); });
    t.wait_until_blocked();
    release();
  }
  return std::move(*out);
}

TEST(DeadlineConversion, PastDeadlinesOfEveryClockAndDurationAreAtOrBeforeNow) {
  each(past_deadlines(), [](auto d) {
    const auto converted = sluice::detail::to_platform_time<sluice::std_platform>(d);
    EXPECT_LE(converted, steady_clock::now());
  });
  each(past_timeouts(), [](auto d) {
    const auto converted = sluice::detail::deadline_after<sluice::std_platform>(d);
    EXPECT_LE(converted, steady_clock::now());
  });
}

TEST(DeadlineConversion, DeadlinesBeyondTheClocksRangeBecomeNever) {
  each(forever_deadlines(), [](auto d) {
    EXPECT_EQ(sluice::detail::to_platform_time<sluice::std_platform>(d), steady_clock::time_point::max());
  });
  each(forever_timeouts(), [](auto d) {
    EXPECT_EQ(sluice::detail::deadline_after<sluice::std_platform>(d), steady_clock::time_point::max());
  });
}

TEST(DeadlineConversion, OrdinaryDeadlinesAreConvertedAndRoundedUp) {
  const auto before = steady_clock::now();
  const auto d = sluice::detail::to_platform_time<sluice::std_platform>(system_clock::now() + 1h);
  EXPECT_GE(d, before + 1h - 1s);  // another clock: through the two now()s
  EXPECT_LE(d, steady_clock::now() + 1h + 1s);
  const time_point<steady_clock, seconds> coarse(seconds(123));
  EXPECT_EQ(sluice::detail::to_platform_time<sluice::std_platform>(coarse).time_since_epoch(), seconds(123));
  const time_point<steady_clock, std::chrono::duration<double>> fine(std::chrono::duration<double>(1.0000000001));
  EXPECT_EQ(sluice::detail::to_platform_time<sluice::std_platform>(fine).time_since_epoch(), 1000000001ns);
  const auto after = sluice::detail::deadline_after<sluice::std_platform>(std::chrono::duration<double, std::milli>(0.0000001));
  EXPECT_GT(after, before);  // a positive timeout never rounds down to "now"
}

// The receive side of a kind: `make()` gives {tx, rx}; `send_one(tx)` delivers 7.
template <class Make, class SendOne>
void receive_side_saturates(Make make, SendOne send_one) {
  auto past = [&](auto d) {
    auto ch = make();
    auto r = blocked_then([&] { return recv_by(ch.second, d); }, [&] { auto gone = std::move(ch.first); });
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(code_of(r.error()), errc::timed_out);
  };
  auto never = [&](auto d) {
    auto ch = make();
    auto r = blocked_then([&] { return recv_by(ch.second, d); }, [&] { send_one(ch.first); });
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(*r, 7);
  };
  each(e2e_past_deadlines(), past);
  each(e2e_past_timeouts(), past);
  each(e2e_forever_deadlines(), never);
  each(e2e_forever_timeouts(), never);
}

auto channel_send = [](auto& tx) { (void)tx.send_for(7, forever); };

TEST(DeadlineSaturation, RecvOnEveryChannelFlavor) {
  receive_side_saturates([] { return sluice::bounded<int>(1); }, channel_send);
  receive_side_saturates([] { return sluice::bounded<int>(0); }, channel_send);
  receive_side_saturates([] { return sluice::unbounded<int>(); }, channel_send);
  receive_side_saturates([] { return sluice::spsc_bounded<int>(1); }, channel_send);
  receive_side_saturates([] { return sluice::spsc_unbounded<int>(); }, channel_send);
  receive_side_saturates([] { return sluice::mpsc_unbounded<int>(); }, channel_send);
}

TEST(DeadlineSaturation, RecvOnOneshotBroadcastWatermark) {
  receive_side_saturates([] { return sluice::oneshot<int>(); }, [](auto& tx) { (void)std::move(tx).send(7); });
  receive_side_saturates([] { return sluice::broadcast<int>(2); }, [](auto& tx) { (void)tx.send(7); });
  receive_side_saturates([] { return sluice::watermark<int>(1, 2); }, [](auto& tx) { (void)tx.try_send(7); });
}

// The send side: `make()` gives a channel whose next send blocks; `take(rx)` makes room.
template <class Make, class Take>
void send_side_saturates(Make make, Take take) {
  auto past = [&](auto d) {
    auto ch = make();
    auto r = blocked_then([&] { return send_by(ch.first, 2, d); }, [&] { auto gone = std::move(ch.second); });
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(code_of(r.error()), errc::timed_out);
  };
  auto never = [&](auto d) {
    auto ch = make();
    auto r = blocked_then([&] { return send_by(ch.first, 2, d); }, [&] { take(ch.second); });
    EXPECT_TRUE(r.has_value());
  };
  each(e2e_past_deadlines(), past);
  each(e2e_past_timeouts(), past);
  each(e2e_forever_deadlines(), never);
  each(e2e_forever_timeouts(), never);
}

TEST(DeadlineSaturation, SendOnEveryBlockingFlavor) {
  auto full = [](auto ch) {
    EXPECT_TRUE(ch.first.try_send(1));
    return ch;
  };
  auto take = [](auto& rx) { (void)rx.recv_for(forever); };
  send_side_saturates([&] { return full(sluice::bounded<int>(1)); }, take);
  send_side_saturates([] { return sluice::bounded<int>(0); }, take);
  send_side_saturates([&] { return full(sluice::spsc_bounded<int>(1)); }, take);
  auto full_broadcast = [] {
    auto ch = sluice::broadcast<int>(1);
    EXPECT_TRUE(ch.first.try_send(1));
    return ch;
  };
  send_side_saturates(full_broadcast, take);
}

TEST(DeadlineSaturation, WatermarkSendWhilePaused) {
  auto paused = [] {
    auto ch = sluice::watermark<int>(1, 1);
    (void)ch.first.try_send(1);  // at high: paused; the blocking send enqueues, then waits
    return ch;
  };
  auto past = [&](auto d) {
    auto ch = paused();
    auto r = blocked_then([&] { return send_by(ch.first, 2, d); }, [&] { (void)ch.second.recv(); });
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), errc::timed_out);
  };
  auto never = [&](auto d) {
    auto ch = paused();
    auto r = blocked_then([&] { return send_by(ch.first, 2, d); }, [&] {
      (void)ch.second.recv();
      (void)ch.second.recv();
    });
    EXPECT_TRUE(r.has_value());
  };
  each(e2e_past_deadlines(), past);
  each(e2e_past_timeouts(), past);
  each(e2e_forever_deadlines(), never);
  each(e2e_forever_timeouts(), never);
}

TEST(DeadlineSaturation, SelectOnDeadlineAndOnTimeout) {
  auto past = [](auto d) {
    auto ch = sluice::bounded<int>(1);
    auto fired = blocked_then(
        [&] {
          if constexpr (is_duration_v<decltype(d)>)
            return sluice::select(sluice::on_recv(ch.second, [](sluice::recv_result<int>) {}), sluice::on_timeout(d, [] {}));
          else
            return sluice::select(sluice::on_recv(ch.second, [](sluice::recv_result<int>) {}), sluice::on_deadline(d, [] {}));
        },
        [&] { auto gone = std::move(ch.first); });
    EXPECT_EQ(fired, 1u);
  };
  auto never = [](auto d) {
    auto ch = sluice::bounded<int>(1);
    int got = 0;
    auto on_msg = [&](sluice::recv_result<int> r) { got = *r; };
    auto fired = blocked_then(
        [&] {
          if constexpr (is_duration_v<decltype(d)>)
            return sluice::select(sluice::on_recv(ch.second, on_msg), sluice::on_timeout(d, [] {}));
          else
            return sluice::select(sluice::on_recv(ch.second, on_msg), sluice::on_deadline(d, [] {}));
        },
        [&] { (void)ch.first.send(7); });
    EXPECT_EQ(fired, 0u);
    EXPECT_EQ(got, 7);
  };
  each(e2e_past_deadlines(), past);
  each(e2e_past_timeouts(), past);
  each(e2e_forever_deadlines(), never);
  each(e2e_forever_timeouts(), never);
}

template <class D>
sluice_test::owned async_recv_by(sluice::receiver<int> rx, sluice_test::manual_timer* timer, D d,
                                 std::optional<sluice::recv_result<int>>* out) {
  if constexpr (is_duration_v<D>)
    out->emplace(co_await rx.async_recv_for(d, *timer));
  else
    out->emplace(co_await rx.async_recv_until(d, *timer));
}
template <class D>
sluice_test::owned async_send_by(sluice::sender<int> tx, sluice_test::manual_timer* timer, D d,
                                 std::optional<sluice::send_result<int>>* out) {
  if constexpr (is_duration_v<D>)
    out->emplace(co_await tx.async_send_for(2, d, *timer));
  else
    out->emplace(co_await tx.async_send_until(2, d, *timer));
}

TEST(DeadlineSaturation, AsyncRecvAndSend) {
  auto past = [](auto d) {
    for (int cap : {0, 1}) {
      sluice_test::manual_timer timer;
      auto ch = sluice::bounded<int>(static_cast<std::size_t>(cap));
      if (cap == 1) {
        ASSERT_TRUE(ch.first.try_send(1));
      }
      std::optional<sluice::send_result<int>> sent;
      auto s = async_send_by(ch.first, &timer, d, &sent);
      ASSERT_TRUE(s.done());  // timed out at once, without the timer
      EXPECT_EQ(sent->error().code, errc::timed_out);
      if (cap == 1) (void)ch.second.try_recv();
      std::optional<sluice::recv_result<int>> got;
      auto c = async_recv_by(ch.second, &timer, d, &got);
      ASSERT_TRUE(c.done());
      EXPECT_EQ(got->error(), errc::timed_out);
      EXPECT_EQ(timer.pending(), 0u);
    }
  };
  auto never = [](auto d) {
    for (int cap : {0, 1}) {
      sluice_test::manual_timer timer;
      auto ch = sluice::bounded<int>(static_cast<std::size_t>(cap));
      std::optional<sluice::recv_result<int>> got;
      auto c = async_recv_by(ch.second, &timer, d, &got);
      ASSERT_FALSE(c.done());  // waits (and arms no timer: the deadline is never)
      EXPECT_EQ(timer.pending(), 0u);
      ASSERT_TRUE(ch.first.send_for(7, forever));
      ASSERT_TRUE(c.done());
      EXPECT_EQ(**got, 7);
      if (cap == 1) {
        ASSERT_TRUE(ch.first.try_send(1));
      }
      std::optional<sluice::send_result<int>> sent;
      auto s = async_send_by(ch.first, &timer, d, &sent);
      ASSERT_FALSE(s.done());
      EXPECT_EQ(timer.pending(), 0u);
      if (cap == 1) {
        EXPECT_EQ(*ch.second.try_recv(), 1);
      } else {
        EXPECT_EQ(*ch.second.recv_for(forever), 2);
      }
      ASSERT_TRUE(s.done());
      EXPECT_TRUE(*sent);
    }
  };
  each(e2e_past_deadlines(), past);
  each(e2e_past_timeouts(), past);
  each(e2e_forever_deadlines(), never);
  each(e2e_forever_timeouts(), never);
}

}  // namespace
