// Async lifetimes (issue 11, items 7 and 10):
//  - an async operation owns a clone of its handle: awaiting async_recv/async_send/async_select
//    after the caller's handles are gone is well defined (it was a heap-use-after-free under
//    ASan: the operation held a bare pointer to the channel, or to the handle);
//  - a woken coroutine is resumed through a library-owned shim: a coroutine destroyed on its
//    executor while a sender wakes it never has its freed frame handed to the executor.
#include <gtest/gtest.h>

#include <atomic>
#include <coroutine>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "async_support.hpp"
#include "freed_tracking_platform.hpp"
#include "sluice/async.hpp"
#include "sluice/async_select.hpp"

namespace {

using sluice_test::owned;

template <class Op>
sluice_test::task await_recv(Op op, std::optional<sluice::recv_result<int>>& out) {
  out.emplace(co_await std::move(op));
}
template <class Op>
sluice_test::task await_send(Op op, bool& ok) {
  auto r = co_await std::move(op);
  ok = r.has_value();
}
template <class Op>
sluice_test::task await_index(Op op, std::size_t& fired) {
  fired = co_await std::move(op);
}

TEST(AsyncLifetime, AsyncRecvAwaitedAfterEveryHandleIsGoneReceivesThenSeesClosed) {
  auto ch = std::make_unique<std::pair<sluice::sender<int>, sluice::receiver<int>>>(sluice::bounded<int>(1));
  ASSERT_TRUE(ch->first.send(5));
  auto first = ch->second.async_recv();
  auto second = ch->second.async_recv();
  ch.reset();  // every handle gone: the operations keep the channel
  std::optional<sluice::recv_result<int>> r1, r2;
  await_recv(std::move(first), r1);
  await_recv(std::move(second), r2);
  ASSERT_TRUE(r1 && r1->has_value());
  EXPECT_EQ(**r1, 5);
  ASSERT_TRUE(r2 && !r2->has_value());
  EXPECT_EQ(r2->error(), sluice::errc::closed);
}

TEST(AsyncLifetime, AsyncSendKeepsItsSideOpenUntilItIsAwaited) {
  auto [tx, rx] = sluice::bounded<int>(1);
  auto op = tx.async_send(7);
  tx = sluice::sender<int>();  // the caller's only sender is gone; the operation holds a clone
  EXPECT_FALSE(rx.is_disconnected());
  bool ok = false;
  await_send(std::move(op), ok);
  EXPECT_TRUE(ok);
  auto m = rx.try_recv();
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(*m, 7);
  EXPECT_TRUE(rx.is_disconnected());  // the operation, and its sender, are gone
}

TEST(AsyncLifetime, AsyncSelectAwaitedAfterItsHandlesAreGoneWorks) {
  auto a = std::make_unique<std::pair<sluice::sender<int>, sluice::receiver<int>>>(sluice::bounded<int>(1));
  auto b = std::make_unique<std::pair<sluice::sender<int>, sluice::receiver<int>>>(sluice::unbounded<int>());
  ASSERT_TRUE(b->first.send(3));
  int got = 0;
  auto op = sluice::async_select(sluice::on_recv(a->second, [](sluice::recv_result<int>) {}),
                                 sluice::on_recv(b->second, [&](sluice::recv_result<int> r) { got = *r; }));
  const sluice::sender<int> a_tx = a->first;  // keeps `a` open: its case must not fire (closed)
  a.reset();
  b.reset();  // the handles the cases named are destroyed (heap): the operation owns clones
  std::size_t fired = 9;
  await_index(std::move(op), fired);
  EXPECT_EQ(fired, 1u);
  EXPECT_EQ(got, 3);
}

using frame_tracking_platform = sluice_test::freed_tracking_platform;  // freed_tracking_platform.hpp

// A one-thread executor: schedule() queues; the test runs the queue when it chooses.
class queue_executor {
 public:
  void schedule(std::coroutine_handle<> h) {
    std::lock_guard lk(m_);
    q_.push_back(h);
  }
  std::deque<std::coroutine_handle<>> take_all() {
    std::lock_guard lk(m_);
    return std::exchange(q_, {});
  }

 private:
  std::mutex m_;
  std::deque<std::coroutine_handle<>> q_;
};

owned wait_one(sluice::basic_receiver<int, frame_tracking_platform> rx, queue_executor& ex, int& got) {
  auto r = co_await rx.async_recv(ex);
  got = r ? *r : -1;
}

// 200 coroutines suspended in async_recv, bound to an executor; a sender wakes them one by one
// while the executor's thread destroys them all (after the sender is half-way: at least 100
// wake-ups are posted before their coroutine is destroyed). Then the executor runs what was
// posted. Every posted handle must be live (the library's shim, which does nothing for a
// destroyed operation), never a freed frame; every message stays in its channel.
TEST(AsyncLifetime, CoroutinesDestroyedOnTheirExecutorNeverHaveAFreedFrameResumed) {
  using P = frame_tracking_platform;
  constexpr int n = 200;
  queue_executor ex;
  std::vector<std::pair<sluice::basic_sender<int, P>, sluice::basic_receiver<int, P>>> chans;
  for (int i = 0; i < n; ++i) chans.push_back(sluice::basic_bounded<int, P>(1));
  std::vector<int> got(n, -2);
  std::vector<std::optional<owned>> tasks;
  for (int i = 0; i < n; ++i) tasks.emplace_back(wait_one(chans[static_cast<std::size_t>(i)].second, ex, got[static_cast<std::size_t>(i)]));
  for (auto& t : tasks) ASSERT_FALSE(t->done());  // all suspended: the channels are empty

  std::atomic<int> sent{0};
  std::thread sender([&] {
    for (int i = 0; i < n; ++i) {
      EXPECT_TRUE(chans[static_cast<std::size_t>(i)].first.send(int(i)));
      // ORDERING (test): release — pairs with the acquire below.
      sent.store(i + 1, std::memory_order_release);
    }
  });
  // ORDERING (test): acquire — pairs with the sender's release.
  while (sent.load(std::memory_order_acquire) < n / 2) std::this_thread::yield();
  for (auto& t : tasks) t.reset();  // cancellation by destruction, on the executor's thread
  sender.join();

  int posted = 0, freed_frames = 0;
  for (std::coroutine_handle<> h : ex.take_all()) {
    ++posted;
    if (P::is_freed(h.address()))
      ++freed_frames;  // the old code posted the operation's own (destroyed) frame
    else
      h.resume();  // the shim: frees itself, resumes nothing
  }
  EXPECT_GE(posted, n / 2);
  EXPECT_EQ(freed_frames, 0);
  for (int i = 0; i < n; ++i) {
    EXPECT_EQ(got[static_cast<std::size_t>(i)], -2);  // no destroyed coroutine ran
    auto m = chans[static_cast<std::size_t>(i)].second.try_recv();
    ASSERT_TRUE(m.has_value());  // a destroyed receive took nothing
    EXPECT_EQ(*m, i);
  }
}

}  // namespace
