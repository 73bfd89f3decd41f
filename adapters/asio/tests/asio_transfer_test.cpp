// The Asio adapter under volume, on a real multi-threaded io_context: thread -> coroutine,
// coroutine -> thread, and coroutine -> coroutine across two executors (the io_context and a
// test thread pool), on bounded, unbounded and rendezvous channels, 100,000 messages each, with
// exact accounting (every message received exactly once, per-producer order per consumer,
// count and sum); every completion checked to run on its associated executor (a strand).
// Each completion token: use_awaitable, callbacks (bind_executor), use_future, deferred.
#include <gtest/gtest.h>

#include <asio/experimental/deferred.hpp>

#include <functional>
#include <future>
#include <latch>
#include <string>

#include "harness.hpp"

namespace {

using namespace sluice_asio_test;
namespace sa = sluice::asio;
using strand_t = asio::strand<asio::io_context::executor_type>;

enum class flavor { bounded, unbounded, rendezvous };
const flavor all_flavors[] = {flavor::bounded, flavor::unbounded, flavor::rendezvous};
std::string name(flavor f) {
  return f == flavor::bounded ? "bounded(8)" : f == flavor::unbounded ? "unbounded" : "rendezvous";
}
std::pair<sluice::sender<tagged>, sluice::receiver<tagged>> make(flavor f) {
  if (f == flavor::unbounded) return sluice::unbounded<tagged>();
  return sluice::bounded<tagged>(f == flavor::bounded ? 8 : 0);
}

constexpr std::uint32_t producers = 2;
constexpr std::uint32_t per_producer = 50'000;  // 100,000 messages per flavor and direction
constexpr int io_threads = 3;

void expect_exact(const ledger& l, const std::string& what) {
  EXPECT_EQ(l.errors(), 0u) << what << ": duplicates or out-of-order receipts";
  EXPECT_EQ(l.missing(), 0u) << what << ": messages never received";
  EXPECT_EQ(l.count(), l.expected_count()) << what;
  EXPECT_EQ(l.sum(), l.expected_sum()) << what;
}

// Problems seen inside coroutines and handlers, checked once at the end.
struct faults {
  std::atomic<long> off_executor{0};  // a completion ran outside its associated executor
  std::atomic<long> failed{0};        // an operation failed that should not have
};

// --- Asio coroutines (use_awaitable) -----------------------------------------------------------

asio::awaitable<void> awaitable_consumer(sluice::receiver<tagged> rx, ledger* l, strand_t strand, faults* f) {
  ledger::consumer c(*l);
  for (;;) {
    auto r = co_await sa::async_recv(rx, asio::use_awaitable);
    if (!strand.running_in_this_thread()) ++f->off_executor;
    if (!r) {
      if (r.error() != sluice::errc::closed) ++f->failed;
      break;
    }
    c.record(*r);
  }
}

asio::awaitable<void> awaitable_producer(sluice::sender<tagged> tx, std::uint32_t id, strand_t strand, faults* f) {
  for (std::uint32_t seq = 0; seq < per_producer; ++seq) {
    auto r = co_await sa::async_send(tx, tagged{id, seq}, asio::use_awaitable);
    if (!strand.running_in_this_thread()) ++f->off_executor;
    if (!r) ++f->failed;
  }
}

// --- native sluice coroutines on a scheduler (the test pool, or the io_context through
// sluice::asio::executor_scheduler) ---------------------------------------------------------------

// Moves the coroutine onto `s` before it starts its work.
template <class Sched>
struct hop_to {
  Sched& s;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) { s.schedule(h); }
  void await_resume() const noexcept {}
};

template <class Sched, class Check>
on<Sched> native_consumer(Sched& sched, sluice::receiver<tagged> rx, ledger* l, Check on_executor, faults* f,
                          std::latch* done) {
  co_await hop_to<Sched>{sched};
  {
    ledger::consumer c(*l);
    for (;;) {
      auto r = co_await rx.async_recv();  // resumes through the promise's scheduler
      if (!on_executor()) ++f->off_executor;
      if (!r) {
        if (r.error() != sluice::errc::closed) ++f->failed;
        break;
      }
      c.record(*r);
    }
  }
  done->count_down();
}

template <class Sched, class Check>
on<Sched> native_producer(Sched& sched, sluice::sender<tagged> tx, std::uint32_t id, Check on_executor, faults* f,
                          std::latch* done) {
  co_await hop_to<Sched>{sched};
  for (std::uint32_t seq = 0; seq < per_producer; ++seq) {
    auto r = co_await tx.async_send(tagged{id, seq});
    if (!on_executor()) ++f->off_executor;
    if (!r) ++f->failed;
  }
  {
    // Dropped before the latch, so the channel closes first. (Not `tx = {};`: clang 14 skips
    // the destructor of operator='s by-value parameter built from {} in a coroutine template,
    // which would keep the channel open.)
    sluice::sender<tagged> last = std::move(tx);
  }
  done->count_down();
}

void expect_no_faults(const faults& f, const std::string& what) {
  EXPECT_EQ(f.off_executor.load(), 0) << what << ": completions outside the associated executor";
  EXPECT_EQ(f.failed.load(), 0) << what << ": failed operations";
}

// --- thread -> coroutine ---------------------------------------------------------------------------

TEST(AsioTransfer, ThreadsToAsioCoroutines) {
  for (flavor fl : all_flavors) {
    io_runner io(io_threads);
    auto [tx, rx] = make(fl);
    ledger l(producers, per_producer);
    faults f;
    strand_t s1 = asio::make_strand(io.io()), s2 = asio::make_strand(io.io());
    auto c1 = asio::co_spawn(s1, awaitable_consumer(rx, &l, s1, &f), asio::use_future);
    auto c2 = asio::co_spawn(s2, awaitable_consumer(std::move(rx), &l, s2, &f), asio::use_future);
    std::vector<std::thread> threads;
    for (std::uint32_t p = 0; p < producers; ++p)
      threads.emplace_back([tx = tx, p, &f] {
        for (std::uint32_t seq = 0; seq < per_producer; ++seq)
          if (!tx.send(tagged{p, seq})) ++f.failed;
      });
    tx = {};
    for (auto& t : threads) t.join();
    c1.get();
    c2.get();
    expect_exact(l, name(fl));
    expect_no_faults(f, name(fl));
  }
}

// --- coroutine -> thread ---------------------------------------------------------------------------

TEST(AsioTransfer, AsioCoroutinesToThreads) {
  for (flavor fl : all_flavors) {
    io_runner io(io_threads);
    auto [tx, rx] = make(fl);
    ledger l(producers, per_producer);
    faults f;
    std::vector<std::future<void>> coroutines;
    for (std::uint32_t p = 0; p < producers; ++p) {
      strand_t s = asio::make_strand(io.io());
      coroutines.push_back(asio::co_spawn(s, awaitable_producer(tx, p, s, &f), asio::use_future));
    }
    tx = {};
    std::vector<std::thread> threads;
    for (int c = 0; c < 2; ++c)
      threads.emplace_back([rx = rx, &l] {
        ledger::consumer cons(l);
        while (auto r = rx.recv()) cons.record(*r);
      });
    for (auto& t : threads) t.join();
    for (auto& c : coroutines) c.get();
    expect_exact(l, name(fl));
    expect_no_faults(f, name(fl));
  }
}

// --- coroutine -> coroutine, two executors ----------------------------------------------------------

// Producers: Asio coroutines on the io_context (one through the adapter's async_send, one a
// native sluice coroutine resumed on a strand by executor_scheduler); consumers: native
// sluice coroutines on the test pool.
TEST(AsioTransfer, IoContextCoroutinesToPoolCoroutines) {
  for (flavor fl : all_flavors) {
    io_runner io(io_threads);
    test_pool pool(2);
    auto [tx, rx] = make(fl);
    ledger l(producers, per_producer);
    faults f;
    std::latch done(3);  // two pool consumers, one native producer
    auto on_pool = [&pool] { return pool.running_in_this_thread(); };
    native_consumer(pool, rx, &l, on_pool, &f, &done);
    native_consumer(pool, std::move(rx), &l, on_pool, &f, &done);

    strand_t s0 = asio::make_strand(io.io());
    auto adapter_producer = asio::co_spawn(s0, awaitable_producer(tx, 0, s0, &f), asio::use_future);
    strand_t s1 = asio::make_strand(io.io());
    sa::executor_scheduler<strand_t> on_strand(s1);
    native_producer(on_strand, std::move(tx), 1, [s1] { return s1.running_in_this_thread(); }, &f, &done);

    adapter_producer.get();
    done.wait();
    expect_exact(l, name(fl));
    expect_no_faults(f, name(fl));
  }
}

// Producers: native sluice coroutines on the test pool; consumers: an Asio coroutine through
// the adapter's async_recv and a native sluice coroutine on a strand via executor_scheduler.
TEST(AsioTransfer, PoolCoroutinesToIoContextCoroutines) {
  for (flavor fl : all_flavors) {
    io_runner io(io_threads);
    test_pool pool(2);
    auto [tx, rx] = make(fl);
    ledger l(producers, per_producer);
    faults f;
    std::latch done(3);  // one native consumer, two pool producers

    strand_t s0 = asio::make_strand(io.io());
    auto adapter_consumer = asio::co_spawn(s0, awaitable_consumer(rx, &l, s0, &f), asio::use_future);
    strand_t s1 = asio::make_strand(io.io());
    sa::executor_scheduler<strand_t> on_strand(s1);
    native_consumer(on_strand, std::move(rx), &l, [s1] { return s1.running_in_this_thread(); }, &f, &done);

    auto on_pool = [&pool] { return pool.running_in_this_thread(); };
    native_producer(pool, tx, 0, on_pool, &f, &done);
    native_producer(pool, std::move(tx), 1, on_pool, &f, &done);

    done.wait();
    adapter_consumer.get();
    expect_exact(l, name(fl));
    expect_no_faults(f, name(fl));
  }
}

// --- callbacks ----------------------------------------------------------------------------------------

// A consumer written with plain callbacks: each completion, on its strand, re-arms the next
// receive until the channel is closed.
class callback_consumer {
 public:
  callback_consumer(sluice::receiver<tagged> rx, ledger& l, strand_t strand, faults& f)
      : rx_(std::move(rx)), cons_(l), strand_(strand), f_(f) {}
  void start() { arm(); }
  std::future<void> finished() { return done_.get_future(); }

 private:
  void arm() {
    sa::async_recv(rx_, asio::bind_executor(strand_, [this](sluice::recv_result<tagged> r) { on_recv(std::move(r)); }));
  }
  void on_recv(sluice::recv_result<tagged> r) {
    if (!strand_.running_in_this_thread()) ++f_.off_executor;
    if (!r) {
      if (r.error() != sluice::errc::closed) ++f_.failed;
      rx_ = {};
      done_.set_value();
      return;
    }
    cons_.record(*r);
    arm();
  }

  sluice::receiver<tagged> rx_;
  ledger::consumer cons_;
  strand_t strand_;
  faults& f_;
  std::promise<void> done_;
};

TEST(AsioTransfer, ThreadsToCallbackConsumers) {
  for (flavor fl : all_flavors) {
    io_runner io(io_threads);
    auto [tx, rx] = make(fl);
    ledger l(producers, per_producer);
    faults f;
    {
      callback_consumer a(rx, l, asio::make_strand(io.io()), f);
      callback_consumer b(std::move(rx), l, asio::make_strand(io.io()), f);
      auto fa = a.finished(), fb = b.finished();
      a.start();
      b.start();
      std::vector<std::thread> threads;
      for (std::uint32_t p = 0; p < producers; ++p)
        threads.emplace_back([tx = tx, p, &f] {
          for (std::uint32_t seq = 0; seq < per_producer; ++seq)
            if (!tx.send(tagged{p, seq})) ++f.failed;
        });
      tx = {};
      for (auto& t : threads) t.join();
      fa.get();
      fb.get();
    }  // the consumers' ledger entries are merged here
    expect_exact(l, name(fl));
    expect_no_faults(f, name(fl));
  }
}

// A callback sender: each completion sends the next message.
TEST(AsioTransfer, CallbackSenderToThread) {
  for (flavor fl : all_flavors) {
    io_runner io(io_threads);
    auto [tx, rx] = make(fl);
    constexpr std::uint32_t n = 20'000;
    ledger l(1, n);
    faults f;
    strand_t strand = asio::make_strand(io.io());
    std::promise<void> sent;
    std::function<void(std::uint32_t)> send_from;
    send_from = [&, tx = tx](std::uint32_t seq) {
      if (seq == n) {  // drop the closure (the last sender) on the strand, outside this call
        asio::post(strand, [&] {
          send_from = nullptr;
          sent.set_value();
        });
        return;
      }
      sa::async_send(tx, tagged{0, seq}, asio::bind_executor(strand, [&, seq](sluice::send_result<tagged> r) {
                       if (!strand.running_in_this_thread()) ++f.off_executor;
                       if (!r) ++f.failed;
                       send_from(seq + 1);
                     }));
    };
    tx = {};
    asio::post(strand, [&] { send_from(0); });
    {
      ledger::consumer cons(l);
      for (std::uint32_t i = 0; i < n; ++i) {
        auto r = rx.recv();
        ASSERT_TRUE(r) << name(fl);
        cons.record(*r);
      }
    }
    sent.get_future().get();  // the last sender is gone: the channel is closed
    EXPECT_EQ(rx.recv().error(), sluice::errc::closed);
    expect_exact(l, name(fl));
    expect_no_faults(f, name(fl));
  }
}

// --- use_future -------------------------------------------------------------------------------------

// Threads that wait on futures: the completions run on Asio's system executor (the handlers
// have no executor of their own) and fulfil the futures.
TEST(AsioTransfer, UseFutureOnBothEnds) {
  for (flavor fl : all_flavors) {
    auto [tx, rx] = make(fl);
    constexpr std::uint32_t n = 5'000;
    ledger l(1, n);
    std::thread producer([tx = std::move(tx)] {
      for (std::uint32_t seq = 0; seq < n; ++seq) {
        std::future<sluice::send_result<tagged>> r = sa::async_send(tx, tagged{0, seq}, asio::use_future);
        EXPECT_TRUE(r.get());
      }
    });
    {
      ledger::consumer cons(l);
      for (;;) {
        std::future<sluice::recv_result<tagged>> fut = sa::async_recv(rx, asio::use_future);
        auto r = fut.get();
        if (!r) {
          EXPECT_EQ(r.error(), sluice::errc::closed);
          break;
        }
        cons.record(*r);
      }
    }
    producer.join();
    expect_exact(l, name(fl));
  }
}

// A failed send hands the message back through the future.
TEST(AsioTransfer, UseFutureSendOnAClosedChannelHandsTheMessageBack) {
  auto [tx, rx] = sluice::bounded<int>(1);
  rx = {};
  auto r = sa::async_send(tx, 17, asio::use_future).get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, sluice::errc::closed);
  EXPECT_EQ(r.error().message, 17);
}

// --- deferred -----------------------------------------------------------------------------------------

TEST(AsioTransfer, DeferredOperationsStartWhenInvoked) {
  io_runner io(2);
  auto [tx, rx] = sluice::bounded<int>(0);
  auto recv_op = sa::async_recv(rx, asio::experimental::deferred);  // nothing started yet
  auto send_op = sa::async_send(tx, 5, asio::experimental::deferred);
  EXPECT_EQ(rx.try_recv().error(), sluice::errc::empty);  // no sender is waiting
  strand_t strand = asio::make_strand(io.io());
  std::future<sluice::recv_result<int>> got = std::move(recv_op)(asio::bind_executor(strand, asio::use_future));
  std::future<sluice::send_result<int>> sent = std::move(send_op)(asio::use_future);
  EXPECT_EQ(got.get().value(), 5);
  EXPECT_TRUE(sent.get());
}

// Handles may be dropped right after initiation: the operation holds its own clone.
TEST(AsioTransfer, TheOperationKeepsTheChannelAliveAfterTheCallerDropsItsHandle) {
  io_runner io(2);
  std::future<sluice::recv_result<int>> got;
  sluice::sender<int> tx;
  {
    auto [t, r] = sluice::bounded<int>(1);
    got = sa::async_recv(io.executor(), r, asio::use_future);
    tx = std::move(t);
  }  // the caller's receiver is gone; the pending receive still holds one
  ASSERT_TRUE(tx.send(3));
  EXPECT_EQ(got.get().value(), 3);
}

}  // namespace
