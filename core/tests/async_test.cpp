// async_send / async_recv: coroutines and threads on one channel in every direction with exact
// accounting; resumption through a scheduler (explicit or the promise's); cancellation by
// stop_token and by destroying a suspended coroutine, with nothing lost or duplicated;
// inline resumption that does not grow the stack.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <coroutine>
#include <deque>
#include <latch>
#include <mutex>
#include <pthread.h>
#include <stop_token>
#include <thread>
#include <vector>

#include "async_support.hpp"
#include "sluice/sluice.hpp"

using namespace std::chrono_literals;

namespace {

using sluice_test::counted;
using sluice_test::owned;
using sluice_test::pool;
using sluice_test::task;

auto make(int cap) {
  return cap < 0 ? sluice::unbounded<int>() : sluice::bounded<int>(static_cast<std::size_t>(cap));
}
const int flavors[] = {-1, 0, 1, 16};
int count_for(int cap) { return cap == 0 ? 20000 : 100000; }

task consume(pool* /*scheduler*/, sluice::receiver<int> rx, std::vector<int>* got, std::latch* done) {
  while (auto m = co_await rx.async_recv()) got->push_back(*m);
  done->count_down();
}
task produce(pool* /*scheduler*/, sluice::sender<int> tx, int n, std::latch* done) {
  for (int i = 0; i < n; ++i) EXPECT_TRUE(co_await tx.async_send(int(i)));
  done->count_down();
}

TEST(Async, ThreadToCoroutineDeliversEveryMessageInOrder) {
  for (int cap : flavors) {
    auto [tx, rx] = make(cap);
    const int n = count_for(cap);
    std::vector<int> got;
    std::latch done(1);
    consume(nullptr, std::move(rx), &got, &done);
    std::thread producer([tx = std::move(tx), n] {
      for (int i = 0; i < n; ++i) ASSERT_TRUE(tx.send(int(i)));
    });
    producer.join();
    done.wait();
    ASSERT_EQ(got.size(), static_cast<std::size_t>(n)) << cap;
    for (int i = 0; i < n; ++i) ASSERT_EQ(got[static_cast<std::size_t>(i)], i) << cap;
  }
}

TEST(Async, CoroutineToThreadDeliversEveryMessageInOrder) {
  for (int cap : flavors) {
    auto [tx, rx] = make(cap);
    const int n = count_for(cap);
    std::latch done(1);
    produce(nullptr, std::move(tx), n, &done);
    int expect = 0;
    for (int m : rx) ASSERT_EQ(m, expect++) << cap;
    done.wait();
    EXPECT_EQ(expect, n) << cap;
  }
}

TEST(Async, CoroutinesOnTwoExecutorsExchangeEveryMessageExactlyOnce) {
  for (int cap : flavors) {
    pool producers(2), consumers(2);
    auto [tx, rx] = make(cap);
    const int n = count_for(cap);
    std::vector<int> got;
    std::latch done(2);
    consume(&consumers, std::move(rx), &got, &done);
    produce(&producers, std::move(tx), n, &done);
    done.wait();
    ASSERT_EQ(got.size(), static_cast<std::size_t>(n)) << cap;
    for (int i = 0; i < n; ++i) ASSERT_EQ(got[static_cast<std::size_t>(i)], i) << cap;
  }
}

// local_first (Go's runnext, spinning and stealing; the benchmark's sluice-async row): four
// producers and four consumers on one two-worker pool. A coroutine woken on a worker runs there
// next or is stolen; either way every message arrives once, each producer's in order, and
// every resumption happens on one of the pool's workers.
task consume_tagged(pool* exec, sluice::receiver<int> rx, std::vector<int>* got, std::atomic<int>* off_pool,
                    std::latch* done) {
  while (auto m = co_await rx.async_recv()) {
    if (pool::current() != exec) off_pool->fetch_add(1);
    got->push_back(*m);
  }
  done->count_down();
}
task produce_tagged(pool* exec, sluice::sender<int> tx, int producer, int n, std::atomic<int>* off_pool,
                    std::latch* done) {
  for (int i = 0; i < n; ++i) {
    EXPECT_TRUE(co_await tx.async_send(producer * n + i));
    if (pool::current() != exec) off_pool->fetch_add(1);
  }
  done->count_down();
}

struct move_to {
  pool* exec;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) const { exec->schedule(h); }
  void await_resume() const noexcept {}
};
// Starts the parties from one of the pool's workers, so that the first wake-ups already use the
// workers' next slots.
task start_on_pool(pool* exec, sluice::sender<int> tx, sluice::receiver<int> rx, std::vector<std::vector<int>>* got,
                   std::atomic<int>* off_pool, std::latch* done, int producers, int consumers, int n) {
  co_await move_to{exec};
  for (int c = 0; c < consumers; ++c) consume_tagged(exec, rx, &(*got)[static_cast<std::size_t>(c)], off_pool, done);
  for (int k = 0; k < producers; ++k) produce_tagged(exec, tx, k, n, off_pool, done);
}

TEST(Async, ALocalFirstPoolRunsManyToManyTrafficExactlyOnceInProducerOrder) {
  for (int cap : flavors) {
    const int producers = 4, consumers = 4, n = count_for(cap) / producers;
    std::vector<std::vector<int>> got(consumers);
    std::atomic<int> off_pool{0};
    std::latch done(producers + consumers);
    {
      pool exec(2, pool::policy::local_first);
      auto [tx, rx] = make(cap);
      start_on_pool(&exec, std::move(tx), std::move(rx), &got, &off_pool, &done, producers, consumers, n);
      done.wait();
    }
    EXPECT_EQ(off_pool.load(), 0) << cap;
    std::vector<int> all, last(producers, -1);
    for (auto& g : got) {
      std::fill(last.begin(), last.end(), -1);
      for (int v : g) {
        ASSERT_GT(v % n, last[static_cast<std::size_t>(v / n)]) << cap << ": one producer's messages out of order";
        last[static_cast<std::size_t>(v / n)] = v % n;
        all.push_back(v);
      }
    }
    std::sort(all.begin(), all.end());
    ASSERT_EQ(all.size(), static_cast<std::size_t>(producers * n)) << cap;
    for (int i = 0; i < producers * n; ++i) ASSERT_EQ(all[static_cast<std::size_t>(i)], i) << cap;
  }
}

task recv_and_report_thread(pool* sched, sluice::receiver<int> rx, std::atomic<pool*>* resumed_on, std::latch* done) {
  auto r = co_await rx.async_recv();
  EXPECT_TRUE(r);
  *resumed_on = pool::current();
  done->count_down();
  (void)sched;
}

TEST(Async, AWokenCoroutineResumesThroughThePromisesScheduler) {
  for (int cap : flavors) {
    pool exec(1);
    auto [tx, rx] = make(cap);
    std::atomic<pool*> resumed_on{nullptr};
    std::latch done(1);
    recv_and_report_thread(&exec, rx, &resumed_on, &done);  // suspends: nothing sent yet
    ASSERT_TRUE(tx.send(1));
    done.wait();
    EXPECT_EQ(resumed_on.load(), &exec) << cap;
  }
}

task recv_with_explicit_scheduler(pool& exec, sluice::receiver<int> rx, std::atomic<pool*>* resumed_on,
                                  std::latch* done) {
  auto r = co_await rx.async_recv(exec);
  EXPECT_TRUE(r);
  *resumed_on = pool::current();
  done->count_down();
}

TEST(Async, AnExplicitSchedulerArgumentIsUsedForResumption) {
  pool exec(1);
  auto [tx, rx] = sluice::bounded<int>(1);
  std::atomic<pool*> resumed_on{nullptr};
  std::latch done(1);
  recv_with_explicit_scheduler(exec, rx, &resumed_on, &done);
  ASSERT_TRUE(tx.send(1));
  done.wait();
  EXPECT_EQ(resumed_on.load(), &exec);
}

owned recv_until_stopped(sluice::receiver<int> rx, std::stop_token stop, std::optional<sluice::errc>* err) {
  auto r = co_await rx.async_recv(stop);
  if (!r) *err = r.error();
}

TEST(Async, StopTokenCancelsAWaitingReceiveAndLeavesTheChannelAsItWas) {
  for (int cap : flavors) {
    auto [tx, rx] = make(cap);
    std::stop_source src;
    std::optional<sluice::errc> err;
    owned c = recv_until_stopped(rx, src.get_token(), &err);
    ASSERT_FALSE(c.done());
    src.request_stop();  // resumes it inline, on this thread
    ASSERT_TRUE(c.done()) << cap;
    EXPECT_EQ(err, sluice::errc::cancelled) << cap;
    if (cap != 0) {
      ASSERT_TRUE(tx.send(3));
      EXPECT_EQ(rx.try_recv().value(), 3) << cap;
    }
  }
}

owned send_until_stopped(sluice::sender<int> tx, int v, std::stop_token stop, std::optional<sluice::send_error<int>>* err) {
  auto r = co_await tx.async_send(v, stop);
  if (!r) err->emplace(std::move(r).error());
}

TEST(Async, StopTokenCancelsAWaitingSendAndHandsTheMessageBack) {
  for (int cap : {0, 1}) {
    auto [tx, rx] = make(cap);
    if (cap == 1) {
      ASSERT_TRUE(tx.send(0));  // full
    }
    std::stop_source src;
    std::optional<sluice::send_error<int>> err;
    owned c = send_until_stopped(tx, 42, src.get_token(), &err);
    ASSERT_FALSE(c.done());
    src.request_stop();
    ASSERT_TRUE(c.done());
    ASSERT_TRUE(err.has_value());
    EXPECT_EQ(err->code, sluice::errc::cancelled);
    EXPECT_EQ(err->message, 42);
    EXPECT_EQ(rx.len(), cap == 1 ? 1u : 0u);
  }
}

owned recv_one(sluice::receiver<int> rx, std::optional<int>* got) {
  auto r = co_await rx.async_recv();
  if (r) *got = *r;
}

TEST(Async, DestroyingASuspendedReceiverLosesNoMessageAndNoWakeUp) {
  for (int cap : flavors) {
    auto [tx, rx] = make(cap);
    std::optional<int> first, second;
    auto a = std::make_unique<owned>(recv_one(rx, &first));
    owned b = recv_one(rx, &second);
    a.reset();  // destroy a suspended receive
    ASSERT_TRUE(tx.send_for(7, 5s)) << cap;  // rendezvous: completes once b takes it
    ASSERT_TRUE(b.done()) << cap;
    EXPECT_FALSE(first.has_value());
    EXPECT_EQ(second, 7) << cap;
  }
}

owned send_counted(sluice::sender<counted> tx, int v, bool* finished) {
  auto r = co_await tx.async_send(counted(v));
  *finished = r.has_value();
}

TEST(Async, DestroyingASuspendedSendDestroysAnUntakenMessageExactlyOnce) {
  for (int cap : {0, 1}) {
    {
      auto [tx, rx] = cap == 0 ? sluice::bounded<counted>(0) : sluice::bounded<counted>(1);
      if (cap == 1) {
        ASSERT_TRUE(tx.send(counted(0)));
      }
      bool finished = false;
      {
        owned c = send_counted(tx, 5, &finished);
        ASSERT_FALSE(c.done());
      }  // destroyed while waiting
      EXPECT_FALSE(finished);
      EXPECT_EQ(rx.len(), cap == 1 ? 1u : 0u);
      if (cap == 0) {
        EXPECT_EQ(rx.try_recv().error(), sluice::errc::empty);  // nothing was delivered
      }
    }
    EXPECT_EQ(counted::live.load(), 0) << cap;
  }
}

TEST(Async, ASendWhoseMessageWasTakenCountsAsDelivered) {
  auto [tx, rx] = sluice::bounded<int>(0);
  std::optional<sluice::send_error<int>> err;
  owned c = send_until_stopped(tx, 9, {}, &err);
  ASSERT_FALSE(c.done());
  EXPECT_EQ(rx.recv().value(), 9);  // takes it from the waiting coroutine's packet
  EXPECT_TRUE(c.done());
  EXPECT_FALSE(err.has_value());
}

// A ring of coroutines each forwarding one token to the next: woken inline, every resumption
// would nest inside the previous one's send without the trampoline, overflowing the stack.
task relay(sluice::receiver<int> in, sluice::sender<int> out, std::latch* done) {
  while (auto m = co_await in.async_recv()) {
    if (*m == 0) break;
    co_await out.async_send(*m - 1);
  }
  done->count_down();
}

TEST(Async, InlineResumptionChainsDoNotGrowTheStack) {
  constexpr int coroutines = 20000;
  std::vector<std::pair<sluice::sender<int>, sluice::receiver<int>>> chans;
  for (int i = 0; i <= coroutines; ++i) chans.push_back(sluice::bounded<int>(1));
  std::latch done(1);
  for (int i = 0; i < coroutines - 1; ++i) relay(chans[i].second, chans[i + 1].first, &done);
  // Only the last relay counts down: the others stop at a 0 they never see.
  std::latch last(1);
  relay(chans[coroutines - 1].second, chans[coroutines].first, &last);
  // Start the chain on a thread with a small stack: 20,000 nested resumptions would overflow
  // it (and crash the test) if each wake-up resumed its coroutine inside the waker's frame.
  struct start_args {
    sluice::sender<int>* tx;
    int token;
  } args{&chans[0].first, coroutines};
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  pthread_t starter;
  ASSERT_EQ(pthread_create(&starter, &attr, [](void* a) -> void* {
    auto* sa = static_cast<start_args*>(a);
    (void)sa->tx->send(int(sa->token));  // one token, decremented at each hop
    return nullptr;
  }, &args), 0);
  pthread_join(starter, nullptr);
  pthread_attr_destroy(&attr);
  auto r = chans[coroutines].second.recv_for(30s);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 0);  // decremented once per hop
  for (auto& c : chans) c.first.close();
}

}  // namespace
