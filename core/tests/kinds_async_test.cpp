// Async forms of the other kinds (oneshot, watermark, broadcast): threads and coroutines in
// both directions with exact accounting; resumption through a scheduler (argument or the
// promise's); cancellation by stop_token and by destroying a suspended coroutine — before
// and after its wake-up was handed to a scheduler — with nothing lost or duplicated.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <coroutine>
#include <deque>
#include <exception>
#include <latch>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <stop_token>
#include <thread>
#include <utility>
#include <vector>

#include "sluice/broadcast.hpp"
#include "sluice/oneshot.hpp"
#include "sluice/watermark.hpp"
#include "sluice_testing/coro_pool.hpp"
#include "test_support.hpp"

using namespace sluice_test;
using sluice::errc;

namespace {

// The test executor: a small thread pool (test_support/sluice_testing/coro_pool.hpp).
using pool = sluice_testing::coro_pool;

// A scheduler the test drains by hand. close() stops running what it holds and what it is given
// later until its destruction, which runs them: an executor that stops and drains its queue at
// shutdown, after the owners destroyed their coroutines. (Every handle sluice posts must be run
// once; run after the coroutine was destroyed, it resumes nothing and frees itself — async.hpp.)
class manual_scheduler {
 public:
  manual_scheduler() = default;
  manual_scheduler(const manual_scheduler&) = delete;
  manual_scheduler& operator=(const manual_scheduler&) = delete;
  ~manual_scheduler() {
    for (auto h : held_) h.resume();
  }
  void schedule(std::coroutine_handle<> h) {
    std::lock_guard lk(m_);
    (closed_ ? held_ : q_).push_back(h);
  }
  std::size_t pending() {
    std::lock_guard lk(m_);
    return q_.size();
  }
  std::size_t run() {
    std::size_t n = 0;
    for (;;) {
      std::coroutine_handle<> h;
      {
        std::lock_guard lk(m_);
        if (q_.empty()) return n;
        h = q_.front();
        q_.pop_front();
      }
      h.resume();
      ++n;
    }
  }
  std::size_t close() {
    std::lock_guard lk(m_);
    closed_ = true;
    const std::size_t n = q_.size();
    held_.insert(held_.end(), q_.begin(), q_.end());
    q_.clear();
    return n;
  }

 private:
  std::mutex m_;
  std::deque<std::coroutine_handle<>> q_;
  std::deque<std::coroutine_handle<>> held_;  // run at destruction
  bool closed_ = false;
};

// A fire-and-forget coroutine; its promise exposes the pool it resumes on (or none: inline).
struct task {
  struct promise_type {
    pool* sched = nullptr;
    template <class... Args>
    promise_type(pool* p, Args&&...) : sched(p) {}
    promise_type() = default;
    pool* scheduler() const noexcept { return sched; }
    task get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }
  };
};

// A coroutine the test owns and may destroy while it is suspended.
struct owned {
  struct promise_type {
    owned get_return_object() noexcept { return owned{std::coroutine_handle<promise_type>::from_promise(*this)}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }
  };
  std::coroutine_handle<promise_type> h;
  owned(owned&& o) noexcept : h(std::exchange(o.h, {})) {}
  explicit owned(std::coroutine_handle<promise_type> handle) : h(handle) {}
  ~owned() { destroy(); }
  void destroy() {
    if (h) std::exchange(h, {}).destroy();
  }
  bool done() const { return h.done(); }
};

// A copyable message that counts its live instances (broadcast needs copies).
struct counted {
  static inline std::atomic<long> live{0};
  int v;
  explicit counted(int x) : v(x) { live.fetch_add(1); }
  counted(const counted& o) : v(o.v) { live.fetch_add(1); }
  counted(counted&& o) noexcept : v(o.v) { live.fetch_add(1); }
  ~counted() { live.fetch_sub(1); }
};

// =============================================================================================
// oneshot
// =============================================================================================

task await_each_oneshot(pool* /*scheduler*/, std::vector<sluice::oneshot_receiver<int>>* rxs,
                        std::vector<int>* got, std::latch* done) {
  for (auto& rx : *rxs) {
    auto r = co_await rx;  // the receiver is awaitable: co_await rx == co_await rx.async_recv()
    EXPECT_TRUE(r.has_value());
    got->push_back(r ? *r : -1);
  }
  done->count_down();
}

TEST(OneshotAsync, ThreadToCoroutineEveryMessageExactlyOnceInlineResumption) {
  constexpr int n = 20000;
  std::vector<sluice::oneshot_sender<int>> txs;
  std::vector<sluice::oneshot_receiver<int>> rxs;
  for (int i = 0; i < n; ++i) {
    auto p = sluice::oneshot<int>();
    txs.push_back(std::move(p.first));
    rxs.push_back(std::move(p.second));
  }
  std::vector<int> got;
  std::latch done(1);
  await_each_oneshot(nullptr, &rxs, &got, &done);  // suspends on the first: nothing sent yet
  std::thread sender([&txs] {
    for (int i = 0; i < n; ++i) ASSERT_TRUE(std::move(txs[static_cast<std::size_t>(i)]).send(int(i)));
  });
  sender.join();
  done.wait();
  ASSERT_EQ(got.size(), static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) ASSERT_EQ(got[static_cast<std::size_t>(i)], i);
  for (auto& rx : rxs) EXPECT_EQ(rx.try_recv().error(), errc::closed);  // each taken once
}

// One request-reply round: the request travels thread -> coroutine on a oneshot, the reply
// coroutine -> thread on another; the coroutine resumes on its pool (the promise's scheduler).
struct job {
  sluice::oneshot_receiver<int> request;
  sluice::oneshot_sender<int> reply;
};

task serve(pool* /*scheduler*/, sluice::receiver<job> jobs, std::atomic<int>* off_pool, std::latch* done) {
  while (auto j = co_await jobs.async_recv()) {
    auto req = co_await j->request;
    if (pool::current() == nullptr) off_pool->fetch_add(1);
    EXPECT_TRUE(req.has_value());
    if (req) {
      EXPECT_TRUE(std::move(j->reply).send(*req + 1));
    }
  }
  done->count_down();
}

TEST(OneshotAsync, RequestReplyThreadAndCoroutineOnAPoolBothDirections) {
  constexpr int rounds = 5000;
  pool exec(2);
  auto jobs = sluice::unbounded<job>();
  std::atomic<int> off_pool{0};
  std::latch done(1);
  serve(&exec, std::move(jobs.second), &off_pool, &done);
  long long sum = 0;
  for (int i = 0; i < rounds; ++i) {
    auto req = sluice::oneshot<int>();
    auto rep = sluice::oneshot<int>();
    auto req_tx = std::move(req.first);
    auto rep_rx = std::move(rep.second);
    if (i % 2 == 0) {
      ASSERT_TRUE(std::move(req_tx).send(int(i)));  // before the coroutine waits
    }
    ASSERT_TRUE(jobs.first.send(job{std::move(req.second), std::move(rep.first)}));
    if (i % 2 == 1) {
      ASSERT_TRUE(std::move(req_tx).send(int(i)));  // likely while it waits
    }
    auto r = rep_rx.recv_for(forever);
    ASSERT_TRUE(r.has_value()) << i;
    ASSERT_EQ(*r, i + 1);
    sum += *r;
  }
  jobs.first.close();
  done.wait();
  EXPECT_EQ(sum, static_cast<long long>(rounds) * (rounds + 1) / 2);
  EXPECT_EQ(off_pool.load(), 0);  // every wake-up went through the pool
}

owned await_oneshot(sluice::oneshot_receiver<int>* rx, std::stop_token stop, std::optional<sluice::recv_result<int>>* out) {
  out->emplace(co_await rx->async_recv(std::move(stop)));
}

TEST(OneshotAsync, SenderDroppedWakesTheWaitingCoroutineWithClosed) {
  auto p = sluice::oneshot<int>();
  std::optional<sluice::recv_result<int>> out;
  owned c = await_oneshot(&p.second, {}, &out);
  ASSERT_FALSE(c.done());
  { auto gone = std::move(p.first); }
  ASSERT_TRUE(c.done());  // resumed inline by the drop
  EXPECT_EQ(out->error(), errc::closed);
}

TEST(OneshotAsync, StopTokenCancelsAndTheLaterMessageStaysForTheReceiver) {
  auto p = sluice::oneshot<int>();
  std::stop_source src;
  std::optional<sluice::recv_result<int>> out;
  owned c = await_oneshot(&p.second, src.get_token(), &out);
  ASSERT_FALSE(c.done());
  src.request_stop();
  ASSERT_TRUE(c.done());
  EXPECT_EQ(out->error(), errc::cancelled);
  ASSERT_TRUE(std::move(p.first).send(5));
  EXPECT_EQ(p.second.try_recv().value(), 5);
}

TEST(OneshotAsync, StopRequestedBeforeWaitingCancelsWithoutWaiting) {
  auto p = sluice::oneshot<int>();
  std::stop_source src;
  src.request_stop();
  std::optional<sluice::recv_result<int>> out;
  owned c = await_oneshot(&p.second, src.get_token(), &out);
  ASSERT_TRUE(c.done());
  EXPECT_EQ(out->error(), errc::cancelled);
}

owned await_tracked(sluice::oneshot_receiver<tracked>* rx, bool* resumed) {
  auto r = co_await *rx;
  (void)r;
  *resumed = true;
}

TEST(OneshotAsync, DestroyedWaitingCoroutineTakesNothingTheLaterMessageStaysExactlyOnce) {
  tracked_scope scope;
  {
    auto p = sluice::oneshot<tracked>();
    bool resumed = false;
    owned c = await_tracked(&p.second, &resumed);
    ASSERT_FALSE(c.done());
    c.destroy();  // withdraws
    ASSERT_TRUE(std::move(p.first).send(tracked(9)));
    EXPECT_FALSE(resumed);
    auto r = p.second.try_recv();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->value, 9);
  }
  EXPECT_EQ(tracked::live.load(), 0);
}

TEST(OneshotAsync, DestroyedWaitingCoroutineThenReceiverDropTheMessageIsDestroyedOnce) {
  tracked_scope scope;
  {
    auto p = sluice::oneshot<tracked>();
    bool resumed = false;
    owned c = await_tracked(&p.second, &resumed);
    c.destroy();
    ASSERT_TRUE(std::move(p.first).send(tracked(4)));  // stays in the channel
    { auto gone = std::move(p.second); }               // destroys it
    EXPECT_EQ(tracked::live.load(), 0);
  }
  EXPECT_EQ(tracked::live.load(), 0);
}

owned await_owning(sluice::oneshot_receiver<tracked> rx, bool* resumed) {
  auto r = co_await rx;
  (void)r;
  *resumed = true;
}

TEST(OneshotAsync, DestroyedCoroutineOwningTheReceiverMakesSendHandTheMessageBack) {
  tracked_scope scope;
  {
    auto p = sluice::oneshot<tracked>();
    bool resumed = false;
    owned c = await_owning(std::move(p.second), &resumed);
    ASSERT_FALSE(c.done());
    c.destroy();  // withdraws, then drops the receiver in its frame
    auto r = std::move(p.first).send(tracked(3));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().code, errc::closed);
    EXPECT_EQ(r.error().message.value, 3);
    EXPECT_FALSE(resumed);
  }
  EXPECT_EQ(tracked::live.load(), 0);
}

owned await_on(sluice::oneshot_receiver<int>* rx, manual_scheduler* sched, std::optional<sluice::recv_result<int>>* out) {
  out->emplace(co_await rx->async_recv(*sched));
}

TEST(OneshotAsync, WakeUpGoesThroughTheSchedulerArgument) {
  manual_scheduler sched;
  auto p = sluice::oneshot<int>();
  std::optional<sluice::recv_result<int>> out;
  owned c = await_on(&p.second, &sched, &out);
  ASSERT_TRUE(std::move(p.first).send(8));
  EXPECT_FALSE(c.done());  // queued on the scheduler, not resumed inline
  EXPECT_EQ(sched.run(), 1u);
  ASSERT_TRUE(c.done());
  EXPECT_EQ(out->value(), 8);
}

TEST(OneshotAsync, DestroyedAfterItsWakeUpWasScheduledTheMessageStaysWithTheReceiver) {
  manual_scheduler sched;
  auto p = sluice::oneshot<int>();
  std::optional<sluice::recv_result<int>> out;
  owned c = await_on(&p.second, &sched, &out);
  ASSERT_TRUE(std::move(p.first).send(6));  // claims the waiter, hands the wake-up to sched
  EXPECT_EQ(sched.close(), 1u);             // the executor shuts down without running it
  c.destroy();                              // the owner destroys the coroutine
  EXPECT_FALSE(out.has_value());
  EXPECT_EQ(p.second.try_recv().value(), 6);  // not lost, not taken by the dead coroutine
}

owned await_unique(sluice::oneshot_receiver<std::unique_ptr<int>>* rx, int* got) {
  auto r = co_await *rx;
  if (r) *got = **r;
}

TEST(OneshotAsync, MoveOnlyMessageFromAnotherThread) {
  auto p = sluice::oneshot<std::unique_ptr<int>>();
  int got = 0;
  owned c = await_unique(&p.second, &got);
  std::thread t([tx = std::move(p.first)]() mutable { ASSERT_TRUE(std::move(tx).send(std::make_unique<int>(12))); });
  t.join();  // the coroutine was resumed on t, inline, before send returned
  ASSERT_TRUE(c.done());
  EXPECT_EQ(got, 12);
}

// =============================================================================================
// watermark
// =============================================================================================

struct tagged {
  int producer;
  int seq;
};

task consume_watermark(pool* /*scheduler*/, sluice::watermark_consumer<tagged>* rx, std::vector<tagged>* got,
                       std::optional<sluice::watermark_error>* end, std::latch* done) {
  for (;;) {
    auto m = co_await rx->async_recv();
    if (!m) {
      end->emplace(std::move(m).error());
      break;
    }
    got->push_back(*m);
  }
  done->count_down();
}

void check_per_producer_fifo(const std::vector<tagged>& got, int producers, int per) {
  ASSERT_EQ(got.size(), static_cast<std::size_t>(producers * per));
  std::vector<int> next(static_cast<std::size_t>(producers), 0);
  for (const auto& t : got) ASSERT_EQ(t.seq, next[static_cast<std::size_t>(t.producer)]++);
  for (int n : next) ASSERT_EQ(n, per);
}

TEST(WatermarkAsync, ThreadProducersToAsyncConsumerEveryElementOnceInOrderThenEndOfStream) {
  constexpr int per = 20000;
  for (pool* exec : {static_cast<pool*>(nullptr), new pool(1)}) {
    std::unique_ptr<pool> owner(exec);
    auto p = sluice::watermark<tagged>(4, 16);
    auto rx = std::move(p.second);
    std::vector<tagged> got;
    std::optional<sluice::watermark_error> end;
    std::latch done(1);
    consume_watermark(exec, &rx, &got, &end, &done);
    std::vector<std::thread> producers;
    for (int k = 0; k < 2; ++k)
      producers.emplace_back([src = p.first.make_additional_source(), k] {
        for (int i = 0; i < per; ++i) ASSERT_TRUE(src.send(tagged{k, i}).has_value());
      });
    { auto gone = std::move(p.first); }
    for (auto& t : producers) t.join();  // the last source goes: finish()
    done.wait();
    check_per_producer_fifo(got, 2, per);
    ASSERT_TRUE(end.has_value());
    EXPECT_EQ(end->code, errc::closed);
    EXPECT_FALSE(end->error);
  }
}

task produce_watermark(pool* /*scheduler*/, sluice::watermark_source<tagged> src, int k, int per,
                       std::atomic<int>* failures, std::latch* done) {
  for (int i = 0; i < per; ++i)
    if (!(co_await src.async_send(tagged{k, i}))) failures->fetch_add(1);
  done->count_down();
}  // the source goes with the frame

TEST(WatermarkAsync, AsyncProducersToThreadConsumerSuspendAtHighEveryElementOnce) {
  constexpr int per = 20000;
  constexpr std::size_t low = 4, high = 8;
  pool exec(2);
  auto p = sluice::watermark<tagged>(low, high);
  auto rx = std::move(p.second);
  std::atomic<int> failures{0};
  std::latch done(2);
  produce_watermark(&exec, p.first.make_additional_source(), 0, per, &failures, &done);
  produce_watermark(&exec, std::move(p.first), 1, per, &failures, &done);
  std::vector<tagged> got;
  std::size_t max_level = 0;
  for (;;) {
    auto m = rx.recv_for(forever);
    if (!m) {
      ASSERT_EQ(m.error().code, errc::closed);
      break;
    }
    got.push_back(*m);
    max_level = std::max(max_level, rx.level());
  }
  done.wait();
  EXPECT_EQ(failures.load(), 0);
  check_per_producer_fifo(got, 2, per);
  // Each producer stops at the send that finds the level >= high, until it falls below low:
  // at most one element per producer past high - 1.
  EXPECT_LE(max_level, high + 1);
}

owned send_all(sluice::watermark_source<int>* src, std::vector<int> vs, std::stop_token stop,
               std::optional<sluice::result<void, errc>>* last) {
  for (int v : vs) last->emplace(co_await src->async_send(int(v), stop));
}

TEST(WatermarkAsync, AsyncSendSuspendsAtHighAndResumesOnlyBelowLow) {
  auto p = sluice::watermark<int>(2, 4);
  std::optional<sluice::result<void, errc>> last;
  owned c = send_all(&p.first, {0, 1, 2, 3}, {}, &last);
  ASSERT_FALSE(c.done());  // the 4th send made the level 4 >= high
  EXPECT_EQ(p.second.level(), 4u);
  EXPECT_EQ(*p.second.try_recv(), 0);  // level 3
  EXPECT_FALSE(c.done());
  EXPECT_EQ(*p.second.try_recv(), 1);  // level 2: not below low yet (hysteresis)
  EXPECT_FALSE(c.done());
  EXPECT_EQ(*p.second.try_recv(), 2);  // level 1 < 2: resumes it, inline, here
  ASSERT_TRUE(c.done());
  EXPECT_TRUE(last->has_value());
  EXPECT_TRUE(p.first.try_send(9)->produce_more);
}

TEST(WatermarkAsync, ConsumerDropWakesASuspendedSendWithClosedAndRunsTermination) {
  auto p = sluice::watermark<int>(1, 1);
  int terminations = 0;
  p.first.set_on_termination([&] { ++terminations; });
  std::optional<sluice::result<void, errc>> last;
  owned c = send_all(&p.first, {1}, {}, &last);
  ASSERT_FALSE(c.done());
  { auto gone = std::move(p.second); }
  ASSERT_TRUE(c.done());
  EXPECT_EQ(last->error(), errc::closed);
  EXPECT_EQ(terminations, 1);
  std::optional<sluice::result<void, errc>> after;
  owned d = send_all(&p.first, {2}, {}, &after);
  ASSERT_TRUE(d.done());
  EXPECT_EQ(after->error(), errc::closed);
}

TEST(WatermarkAsync, StopCancelsASuspendedSendTheElementStaysEnqueued) {
  auto p = sluice::watermark<int>(1, 1);
  std::stop_source stop;
  std::optional<sluice::result<void, errc>> last;
  owned c = send_all(&p.first, {7}, stop.get_token(), &last);
  ASSERT_FALSE(c.done());
  stop.request_stop();
  ASSERT_TRUE(c.done());
  EXPECT_EQ(last->error(), errc::cancelled);
  EXPECT_EQ(*p.second.try_recv(), 7);  // delivered once; its registration is gone
  EXPECT_EQ(p.second.try_recv().error().code, errc::empty);
}

owned send_tracked(sluice::watermark_source<tracked>* src, int v, bool* finished) {
  auto r = co_await src->async_send(tracked(v));
  *finished = true;
  (void)r;
}

TEST(WatermarkAsync, DestroyedSuspendedSendLeavesItsElementEnqueuedExactlyOnce) {
  tracked_scope scope;
  {
    auto p = sluice::watermark<tracked>(1, 1);
    bool finished = false;
    owned c = send_tracked(&p.first, 5, &finished);
    ASSERT_FALSE(c.done());
    c.destroy();  // withdraws from the pending list
    EXPECT_FALSE(finished);
    EXPECT_EQ(p.second.try_recv()->value, 5);  // draining below low touches no dead waiter
    EXPECT_TRUE(p.first.try_send(tracked(6))->produce_more == false);  // 1 >= high again
  }
  EXPECT_EQ(tracked::live.load(), 0);
}

owned send_on(sluice::watermark_source<int>* src, int v, manual_scheduler* sched, bool* finished) {
  auto r = co_await src->async_send(int(v), *sched);
  *finished = r.has_value();
}

TEST(WatermarkAsync, DestroyedSendAfterItsWakeUpWasScheduledLosesNothing) {
  manual_scheduler sched;
  auto p = sluice::watermark<int>(1, 1);
  bool finished = false;
  owned c = send_on(&p.first, 3, &sched, &finished);
  ASSERT_FALSE(c.done());
  EXPECT_EQ(*p.second.try_recv(), 3);  // below low: claims it, hands the wake-up to sched
  EXPECT_EQ(sched.close(), 1u);
  c.destroy();
  EXPECT_FALSE(finished);
  EXPECT_TRUE(p.first.try_send(4)->produce_more == false);
  EXPECT_EQ(*p.second.try_recv(), 4);
}

owned recv_watermark(sluice::watermark_consumer<int>* rx, std::stop_token stop, std::vector<int>* got,
                     std::optional<sluice::watermark_error>* end) {
  for (;;) {
    auto m = co_await rx->async_recv(stop);
    if (!m) {
      end->emplace(std::move(m).error());
      co_return;
    }
    got->push_back(*m);
  }
}

TEST(WatermarkAsync, FinishWithErrorDeliversEveryBufferedElementThenTheError) {
  auto p = sluice::watermark<int>(4, 16);
  std::vector<int> got;
  std::optional<sluice::watermark_error> end;
  owned c = recv_watermark(&p.second, {}, &got, &end);
  ASSERT_FALSE(c.done());
  ASSERT_TRUE(p.first.try_send(1));  // wakes it: it takes 1 and waits again
  ASSERT_TRUE(p.first.try_send(2));
  p.first.finish(std::make_exception_ptr(std::runtime_error("upstream failed")));
  ASSERT_TRUE(c.done());
  EXPECT_EQ(got, (std::vector<int>{1, 2}));
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->code, errc::closed);
  ASSERT_TRUE(end->error);
  EXPECT_THROW(std::rethrow_exception(end->error), std::runtime_error);
}

TEST(WatermarkAsync, FinishWhileBufferedThenDrainedEndsTheStreamWithoutError) {
  auto p = sluice::watermark<int>(1, 2);
  ASSERT_TRUE(p.first.try_send(1));
  ASSERT_TRUE(p.first.try_send(2));
  p.first.finish();
  std::vector<int> got;
  std::optional<sluice::watermark_error> end;
  owned c = recv_watermark(&p.second, {}, &got, &end);
  ASSERT_TRUE(c.done());
  EXPECT_EQ(got, (std::vector<int>{1, 2}));
  EXPECT_EQ(end->code, errc::closed);
  EXPECT_FALSE(end->error);
}

TEST(WatermarkAsync, LastSourceDroppedWakesTheWaitingConsumerWithEndOfStream) {
  auto p = sluice::watermark<int>(1, 2);
  std::vector<int> got;
  std::optional<sluice::watermark_error> end;
  owned c = recv_watermark(&p.second, {}, &got, &end);
  ASSERT_FALSE(c.done());
  std::thread t([src = std::move(p.first)]() mutable { auto gone = std::move(src); });
  t.join();
  ASSERT_TRUE(c.done());
  EXPECT_TRUE(got.empty());
  EXPECT_EQ(end->code, errc::closed);
  EXPECT_FALSE(end->error);
}

TEST(WatermarkAsync, StopCancelsTheWaitingConsumerAndTheChannelIsUnchanged) {
  auto p = sluice::watermark<int>(1, 2);
  std::stop_source stop;
  std::vector<int> got;
  std::optional<sluice::watermark_error> end;
  owned c = recv_watermark(&p.second, stop.get_token(), &got, &end);
  stop.request_stop();
  ASSERT_TRUE(c.done());
  EXPECT_EQ(end->code, errc::cancelled);
  ASSERT_TRUE(p.first.try_send(5));  // finds no stale consumer registration
  EXPECT_EQ(*p.second.try_recv(), 5);
}

TEST(WatermarkAsync, DestroyedWaitingConsumerTakesNothing) {
  auto p = sluice::watermark<int>(1, 2);
  std::vector<int> got;
  std::optional<sluice::watermark_error> end;
  owned c = recv_watermark(&p.second, {}, &got, &end);
  c.destroy();
  ASSERT_TRUE(p.first.try_send(5));
  EXPECT_TRUE(got.empty());
  EXPECT_EQ(*p.second.recv_for(forever), 5);
}

// =============================================================================================
// broadcast
// =============================================================================================

task broadcast_listener(pool* /*scheduler*/, sluice::broadcast_receiver<int> rx, std::vector<int>* got,
                        std::optional<sluice::broadcast_error>* end, std::latch* done) {
  for (;;) {
    auto m = co_await rx.async_recv();
    if (!m) {
      end->emplace(m.error());
      break;
    }
    got->push_back(*m);
  }
  done->count_down();
}

TEST(BroadcastAsync, ThreadSenderToAsyncReceiversEachSeesEveryMessageInOrder) {
  constexpr int n = 20000;
  pool exec(2);
  auto p = sluice::broadcast<int>(4);  // overflow::block: the slowest receiver sets the pace
  std::vector<int> got[2];
  std::optional<sluice::broadcast_error> end[2];
  std::latch done(2);
  broadcast_listener(&exec, p.second, &got[0], &end[0], &done);  // a clone at position 0
  broadcast_listener(&exec, std::move(p.second), &got[1], &end[1], &done);
  std::thread sender([tx = std::move(p.first)] {
    for (int i = 0; i < n; ++i) ASSERT_TRUE(tx.send(int(i)));
  });
  sender.join();  // the last sender goes: closed after the receivers drain
  done.wait();
  for (int k = 0; k < 2; ++k) {
    ASSERT_EQ(got[k].size(), static_cast<std::size_t>(n)) << k;
    for (int i = 0; i < n; ++i) ASSERT_EQ(got[k][static_cast<std::size_t>(i)], i) << k;
    EXPECT_EQ(end[k]->code, errc::closed);
  }
}

task broadcast_producer(pool* /*scheduler*/, sluice::broadcast_sender<int> tx, int n, std::atomic<int>* failures,
                        std::latch* done) {
  for (int i = 0; i < n; ++i)
    if (!(co_await tx.async_send(int(i)))) failures->fetch_add(1);
  done->count_down();
}

TEST(BroadcastAsync, AsyncSenderToThreadReceiversWaitsWhileFullEveryMessageOnce) {
  constexpr int n = 20000;
  pool exec(1);
  auto p = sluice::broadcast<int>(2);
  auto rx2 = p.second;
  std::atomic<int> failures{0};
  std::latch done(1);
  auto receive_all = [](sluice::broadcast_receiver<int> rx) {
    for (int i = 0; i < n; ++i) {
      auto m = rx.recv_for(forever);
      ASSERT_TRUE(m.has_value()) << i;
      ASSERT_EQ(*m, i);
    }
    EXPECT_EQ(rx.recv_for(forever).error().code, errc::closed);
  };
  std::thread r1(receive_all, std::move(p.second));
  std::thread r2(receive_all, std::move(rx2));
  broadcast_producer(&exec, std::move(p.first), n, &failures, &done);
  r1.join();
  r2.join();
  done.wait();
  EXPECT_EQ(failures.load(), 0);
}

owned recv_broadcast(sluice::broadcast_receiver<int>* rx, std::stop_token stop,
                     std::optional<sluice::broadcast_result<int>>* out) {
  out->emplace(co_await rx->async_recv(std::move(stop)));
}

TEST(BroadcastAsync, LaggedIsReportedThroughTheAsyncReceiveThenItContinues) {
  auto p = sluice::broadcast<int>(2, sluice::overflow::overwrite_oldest);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(p.first.send(int(i)));
  std::optional<sluice::broadcast_result<int>> out;
  owned c = recv_broadcast(&p.second, {}, &out);
  ASSERT_TRUE(c.done());
  EXPECT_EQ(out->error().code, errc::lagged);
  EXPECT_EQ(out->error().missed, 3u);
  owned d = recv_broadcast(&p.second, {}, &out);
  EXPECT_EQ(out->value(), 3);
}

TEST(BroadcastAsync, StopCancelsAWaitingReceiveItsPositionStays) {
  auto p = sluice::broadcast<int>(2);
  std::stop_source stop;
  std::optional<sluice::broadcast_result<int>> out;
  owned c = recv_broadcast(&p.second, stop.get_token(), &out);
  ASSERT_FALSE(c.done());
  stop.request_stop();
  ASSERT_TRUE(c.done());
  EXPECT_EQ(out->error().code, errc::cancelled);
  ASSERT_TRUE(p.first.send(1));
  EXPECT_EQ(*p.second.try_recv(), 1);
}

TEST(BroadcastAsync, DestroyedWaitingReceiveTakesNothing) {
  auto p = sluice::broadcast<int>(2);
  std::optional<sluice::broadcast_result<int>> out;
  owned c = recv_broadcast(&p.second, {}, &out);
  c.destroy();
  ASSERT_TRUE(p.first.send(1));  // wakes the queue: finds no dead waiter
  EXPECT_FALSE(out.has_value());
  EXPECT_EQ(*p.second.try_recv(), 1);
}

TEST(BroadcastAsync, LastSenderDroppedWakesAWaitingReceiveWithClosed) {
  auto p = sluice::broadcast<int>(2);
  std::optional<sluice::broadcast_result<int>> out;
  owned c = recv_broadcast(&p.second, {}, &out);
  { auto gone = std::move(p.first); }
  ASSERT_TRUE(c.done());
  EXPECT_EQ(out->error().code, errc::closed);
}

owned send_broadcast(sluice::broadcast_sender<counted>* tx, int v, std::stop_token stop,
                     std::optional<sluice::send_result<counted>>* out) {
  out->emplace(co_await tx->async_send(counted(v), std::move(stop)));
}

TEST(BroadcastAsync, StopCancelsAWaitingSendAndHandsTheMessageBack) {
  auto p = sluice::broadcast<counted>(1);
  ASSERT_TRUE(p.first.send(counted(0)));  // full
  std::stop_source stop;
  std::optional<sluice::send_result<counted>> out;
  owned c = send_broadcast(&p.first, 1, stop.get_token(), &out);
  ASSERT_FALSE(c.done());
  stop.request_stop();
  ASSERT_TRUE(c.done());
  EXPECT_EQ(out->error().code, errc::cancelled);
  EXPECT_EQ(out->error().message.v, 1);
  EXPECT_EQ(p.second.try_recv()->v, 0);
  EXPECT_EQ(p.second.try_recv().error().code, errc::empty);
}

TEST(BroadcastAsync, DestroyedWaitingSendDestroysItsMessageExactlyOnceAndDeliversNothing) {
  {
    auto p = sluice::broadcast<counted>(1);
    ASSERT_TRUE(p.first.send(counted(0)));
    std::optional<sluice::send_result<counted>> out;
    owned c = send_broadcast(&p.first, 1, {}, &out);
    ASSERT_FALSE(c.done());
    c.destroy();
    EXPECT_FALSE(out.has_value());
    EXPECT_EQ(counted::live.load(), 1);  // only the one in the ring
    EXPECT_EQ(p.second.try_recv()->v, 0);  // frees the slot: wakes no dead sender
    EXPECT_EQ(p.second.try_recv().error().code, errc::empty);
  }
  EXPECT_EQ(counted::live.load(), 0);
}

TEST(BroadcastAsync, AWaitingSendCompletesOnceASlotIsFreed) {
  auto p = sluice::broadcast<counted>(1);
  ASSERT_TRUE(p.first.send(counted(0)));
  std::optional<sluice::send_result<counted>> out;
  owned c = send_broadcast(&p.first, 1, {}, &out);
  ASSERT_FALSE(c.done());
  EXPECT_EQ(p.second.try_recv()->v, 0);  // frees the slot: the send resumes inline
  ASSERT_TRUE(c.done());
  EXPECT_TRUE(out->has_value());
  EXPECT_EQ(p.second.try_recv()->v, 1);
}

}  // namespace
