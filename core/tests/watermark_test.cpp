// watermark: Swift-style MPSC channel with low/high watermarks, weights, produce-more
// callbacks, blocking sends, finish/finish(error), termination callbacks.
#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "sluice/watermark.hpp"
#include "test_support.hpp"

using namespace sluice_test;
using sluice::errc;

namespace {

static_assert(!std::is_copy_constructible_v<sluice::watermark_consumer<int>>);
static_assert(std::is_copy_constructible_v<sluice::watermark_source<int>>);

TEST(Watermark, SendReportsProduceMoreUntilHighThenACallbackToken) {
  auto p = sluice::watermark<int>(1, 3);
  auto src = std::move(p.first);
  EXPECT_TRUE(src.try_send(1)->produce_more);
  EXPECT_TRUE(src.try_send(2)->produce_more);
  auto r = src.try_send(3);  // level 3 >= high
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->produce_more);
  EXPECT_EQ(p.second.level(), 3u);
}

TEST(Watermark, CallbackRunsOnceTheLevelFallsBelowLowNotBefore) {
  auto p = sluice::watermark<int>(2, 3);
  auto src = std::move(p.first);
  auto rx = std::move(p.second);
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(src.try_send(int(i))->produce_more);
  auto r = src.try_send(2);
  ASSERT_FALSE(r->produce_more);
  int calls = 0;
  std::optional<errc> got{errc::full};
  src.enqueue_callback(r->token, [&](std::optional<errc> e) { ++calls, got = e; });
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(*rx.recv(), 0);  // level 2: between low and high, still paused (hysteresis)
  EXPECT_EQ(calls, 0);
  EXPECT_FALSE(src.try_send(3)->produce_more);
  EXPECT_EQ(*rx.recv(), 1);  // level 2
  EXPECT_EQ(*rx.recv(), 2);  // level 1 < low: resumes
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(got.has_value());
  EXPECT_TRUE(src.try_send(4)->produce_more);
}

TEST(Watermark, CancelledCallbackRunsWithCancelledOnce) {
  auto p = sluice::watermark<int>(1, 1);
  auto r = p.first.try_send(1);
  ASSERT_FALSE(r->produce_more);
  std::vector<std::optional<errc>> calls;
  p.first.enqueue_callback(r->token, [&](std::optional<errc> e) { calls.push_back(e); });
  p.first.cancel_callback(r->token);
  p.first.cancel_callback(r->token);  // already gone: no-op
  EXPECT_EQ(*p.second.recv(), 1);
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0], errc::cancelled);
}

TEST(Watermark, EnqueueCallbackAfterResumeRunsAtOnce) {
  auto p = sluice::watermark<int>(1, 1);
  auto r = p.first.try_send(1);
  ASSERT_FALSE(r->produce_more);
  EXPECT_EQ(*p.second.recv(), 1);
  bool ran = false;
  p.first.enqueue_callback(r->token, [&](std::optional<errc> e) { ran = !e.has_value(); });
  EXPECT_TRUE(ran);
}

TEST(Watermark, SendWithCallbackCallsAtOnceWhenProducingMore) {
  auto p = sluice::watermark<int>(1, 2);
  int immediate = 0, later = 0;
  ASSERT_TRUE(p.first.send(1, [&](std::optional<errc>) { ++immediate; }));
  EXPECT_EQ(immediate, 1);
  ASSERT_TRUE(p.first.send(2, [&](std::optional<errc>) { ++later; }));
  EXPECT_EQ(later, 0);
  (void)p.second.recv();
  (void)p.second.recv();
  EXPECT_EQ(later, 1);
}

TEST(Watermark, WeightFunctionCountsBytes) {
  auto p = sluice::watermark<std::string>(4, 10, [](const std::string& s) { return s.size(); });
  EXPECT_TRUE(p.first.try_send(std::string(6, 'a'))->produce_more);
  EXPECT_EQ(p.second.level(), 6u);
  EXPECT_FALSE(p.first.try_send(std::string(4, 'b'))->produce_more);
  EXPECT_EQ(p.second.level(), 10u);
  (void)p.second.recv();
  EXPECT_EQ(p.second.level(), 4u);  // not below low yet
  EXPECT_FALSE(p.first.try_send(std::string()).value().produce_more);
}

TEST(Watermark, UnboundedAlwaysProducesMore) {
  auto p = sluice::watermark_unbounded<int>();
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(p.first.try_send(int(i))->produce_more);
  EXPECT_EQ(p.second.len(), 1000u);
}

TEST(Watermark, BlockingSendWaitsUntilBelowLow) {
  auto p = sluice::watermark<int>(1, 2);
  auto src = std::move(p.first);
  auto rx = std::move(p.second);
  ASSERT_TRUE(src.send(1));  // level 1: returns at once
  std::optional<sluice::result<void, errc>> done;
  probe_thread t([&] { done.emplace(src.send(2)); });  // level 2 >= high: waits
  t.wait_until_blocked();
  EXPECT_EQ(rx.len(), 2u);  // the value is enqueued even while its sender waits
  EXPECT_EQ(*rx.recv(), 1);
  EXPECT_EQ(*rx.recv(), 2);  // level 0 < low: resumes
  t.join();
  ASSERT_TRUE(done && done->has_value());
}

TEST(Watermark, BlockingSendTimesOutAndIsWokenByConsumerDrop) {
  auto p = sluice::watermark<int>(1, 1);
  auto src = std::move(p.first);
  EXPECT_EQ(src.send_for(1, std::chrono::milliseconds(1)).error(), errc::timed_out);
  std::optional<sluice::result<void, errc>> done;
  probe_thread t([&] { done.emplace(src.send(2)); });
  t.wait_until_blocked();
  { auto gone = std::move(p.second); }
  t.join();
  EXPECT_EQ(done->error(), errc::closed);
}

TEST(Watermark, FinishDeliversBufferedThenEndOfStream) {
  auto p = sluice::watermark<int>(1, 8);
  ASSERT_TRUE(p.first.try_send(1));
  ASSERT_TRUE(p.first.try_send(2));
  p.first.finish();
  auto late = p.first.try_send(3);
  ASSERT_FALSE(late.has_value());
  EXPECT_EQ(late.error().code, errc::closed);
  EXPECT_EQ(late.error().message, 3);
  EXPECT_EQ(*p.second.recv(), 1);
  EXPECT_EQ(*p.second.recv(), 2);
  auto end = p.second.recv();
  ASSERT_FALSE(end.has_value());
  EXPECT_EQ(end.error().code, errc::closed);
  EXPECT_FALSE(end.error().error);
}

TEST(Watermark, FinishWithErrorDeliversBufferedThenTheError) {
  auto p = sluice::watermark<int>(1, 8);
  ASSERT_TRUE(p.first.try_send(1));
  p.first.finish(std::make_exception_ptr(std::runtime_error("upstream failed")));
  EXPECT_EQ(*p.second.recv(), 1);
  auto end = p.second.recv();
  ASSERT_FALSE(end.has_value());
  ASSERT_TRUE(end.error().error);
  EXPECT_THROW(std::rethrow_exception(end.error().error), std::runtime_error);
}

TEST(Watermark, LastSourceDroppedFinishesAndWakesTheConsumer) {
  auto p = sluice::watermark<int>(1, 8);
  auto rx = std::move(p.second);
  auto src = std::move(p.first);
  auto second = src.make_additional_source();
  ASSERT_TRUE(second.try_send(7));
  std::optional<sluice::watermark_result<int>> end;
  probe_thread t([&] {
    EXPECT_EQ(*rx.recv(), 7);
    end.emplace(rx.recv());
  });
  { auto gone = std::move(src); }
  t.wait_until_blocked();  // one source left: the consumer waits
  { auto gone = std::move(second); }
  t.join();
  EXPECT_EQ(end->error().code, errc::closed);
}

TEST(Watermark, ConsumerDropRunsEveryTerminationCallbackAndFailsLaterSends) {
  tracked_scope scope;
  auto p = sluice::watermark<tracked>(1, 1);
  auto a = std::move(p.first);
  auto b = a;
  int a_term = 0, b_term = 0;
  a.set_on_termination([&] { ++a_term; });
  b.set_on_termination([&] { ++b_term; });
  auto r = a.try_send(tracked(1));
  ASSERT_FALSE(r->produce_more);
  std::optional<errc> cb;
  a.enqueue_callback(r->token, [&](std::optional<errc> e) { cb = e; });
  { auto gone = std::move(p.second); }
  EXPECT_EQ(a_term, 1);
  EXPECT_EQ(b_term, 1);
  EXPECT_EQ(cb, errc::closed);
  EXPECT_EQ(tracked::live.load(), 0);  // the buffered element was destroyed
  auto late = b.try_send(tracked(2));
  ASSERT_FALSE(late.has_value());
  EXPECT_EQ(late.error().message.value, 2);
  int c_term = 0;
  b.set_on_termination([&] { ++c_term; });  // already terminated: runs at once
  EXPECT_EQ(c_term, 1);
}

TEST(Watermark, SendRangeEnqueuesAllThenReports) {
  auto p = sluice::watermark<int>(1, 3);
  std::vector<int> v{1, 2, 3, 4};
  auto r = p.first.send_range(v);
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->produce_more);
  for (int i = 1; i <= 4; ++i) EXPECT_EQ(*p.second.try_recv(), i);
  EXPECT_EQ(p.second.try_recv().error().code, errc::empty);
}

TEST(Watermark, ManyProducersOneConsumerGetsEverythingInPerProducerOrder) {
  constexpr int per = 3000;
  auto p = sluice::watermark<std::pair<int, int>>(4, 16);
  auto rx = std::move(p.second);
  std::vector<std::thread> ts;
  for (int s = 0; s < 3; ++s)
    ts.emplace_back([s, src = p.first.make_additional_source()] {
      for (int i = 0; i < per; ++i) ASSERT_TRUE(src.send(std::pair<int, int>(s, i)));
    });
  { auto gone = std::move(p.first); }
  std::array<int, 3> next{0, 0, 0};
  int total = 0;
  for (;;) {
    auto m = rx.recv();
    if (!m) {
      ASSERT_EQ(m.error().code, errc::closed);
      break;
    }
    EXPECT_EQ(m->second, next[static_cast<std::size_t>(m->first)]++);
    ++total;
  }
  for (auto& t : ts) t.join();
  EXPECT_EQ(total, 3 * per);
}

TEST(Watermark, RecvTimesOutAndImpossibleWatermarksThrow) {
  auto p = sluice::watermark<int>(1, 2);
  EXPECT_EQ(p.second.recv_for(std::chrono::milliseconds(1)).error().code, errc::timed_out);
  EXPECT_THROW(sluice::watermark<int>(3, 2), std::length_error);
  EXPECT_THROW(sluice::watermark<int>(0, 2), std::length_error);  // low 0 would never resume
  auto moved = std::move(p.second);
  EXPECT_THROW((void)p.second.recv(), sluice::empty_handle_error);
}

}  // namespace
