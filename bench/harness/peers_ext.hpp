// bench/harness/peers_ext.hpp — adapters for sluice and the packaged C++ peers. Each one is
// compiled only when its headers (and, via CMake, its library) are present.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <utility>

#include "workloads.hpp"

// ---- sluice ---------------------------------------------------------------------------------
#if __has_include(<sluice/sluice.hpp>) && !defined(BENCH_NO_SLUICE)
#include <sluice/sluice.hpp>
#define BENCH_HAVE_SLUICE 1
namespace bench {
// The platform of the sluice rows: std_platform, or (bench/parker_ab.sh's A/B builds) a
// decorator over it whose parker spins between BENCH_PARKER_MIN_SPIN and BENCH_PARKER_MAX_SPIN
// pauses (0: no spin) and yields BENCH_PARKER_YIELD_ROUNDS times before sleeping.
#ifdef BENCH_PARKER_YIELD_ROUNDS
struct sluice_bench_platform : sluice::std_platform {
  static constexpr int parker_yield_rounds = BENCH_PARKER_YIELD_ROUNDS;
  using parker = sluice::detail::futex_parker<parker_yield_rounds, BENCH_PARKER_MIN_SPIN, BENCH_PARKER_MAX_SPIN>;
};
#else
using sluice_bench_platform = sluice::std_platform;
#endif

struct sluice_peer {
  static constexpr const char* name = "sluice";
  using tx = sluice::basic_sender<msg, sluice_bench_platform>;
  using rx = sluice::basic_receiver<msg, sluice_bench_platform>;
  static const char* unsupported(flavor, workload) { return nullptr; }
  static std::pair<tx, rx> make(flavor f, std::size_t n) {
    using P = sluice_bench_platform;
    switch (f) {
      case flavor::bounded0: return sluice::basic_bounded<msg, P>(0);
      case flavor::bounded1: return sluice::basic_bounded<msg, P>(1);
      case flavor::bounded_n: return sluice::basic_bounded<msg, P>(n);
      case flavor::unbounded: break;
    }
    return sluice::basic_unbounded<msg, P>();
  }
  static void send(tx& t, msg m) {
    auto r = t.send(std::move(m));
    if (!r) std::abort();
  }
  static msg recv(rx& r) {
    auto v = r.recv();
    if (!v.has_value()) std::abort();
    return *v;
  }
  // select over the receivers / senders, a new select each call (as crossbeam's suite does).
  static msg select_recv(std::vector<rx>& rs) {
    msg out{};
    auto take = [&](sluice::recv_result<msg> r) {
      if (!r) std::abort();
      out = *r;
    };
    with_count(rs.size(), [&]<std::size_t... I>(std::index_sequence<I...>) {
      sluice::select(sluice::on_recv(rs[I], take)...);
    });
    return out;
  }
  static void select_send(std::vector<tx>& ts, msg m) {
    auto check = [](sluice::send_result<msg> r) {
      if (!r) std::abort();
    };
    with_count(ts.size(), [&]<std::size_t... I>(std::index_sequence<I...>) {
      sluice::select(sluice::on_send(ts[I], m, check)...);
    });
  }

 private:
  template <class F>
  static void with_count(std::size_t n, F&& f) {
    switch (n) {
      case 1: return f(std::make_index_sequence<1>{});
      case 2: return f(std::make_index_sequence<2>{});
      case 3: return f(std::make_index_sequence<3>{});
      case 4: return f(std::make_index_sequence<4>{});
      case 5: return f(std::make_index_sequence<5>{});
      case 6: return f(std::make_index_sequence<6>{});
      case 7: return f(std::make_index_sequence<7>{});
      case 8: return f(std::make_index_sequence<8>{});
      default: std::abort();  // the suite uses T = 4
    }
  }
};

// sluice's single-producer / single-consumer handles (sluice/spsc.hpp): the spsc and seq
// workloads over spsc_bounded/spsc_unbounded (the SPSC ring and block list), the mpsc workload
// over mpsc_bounded/mpsc_unbounded (copyable senders, one single_receiver). The harness copies
// handles into threads, so the move-only ones are shared through a shared_ptr: in the spsc
// workload only the producer thread sends and only the main thread receives.
struct sluice_spsc_peer {
  static constexpr const char* name = "sluice-spsc";
  struct tx {
    std::shared_ptr<sluice::spsc_sender<msg>> one;  // spsc / seq
    sluice::sender<msg> many;                       // mpsc
  };
  using rx = std::shared_ptr<sluice::single_receiver<msg>>;
  static const char* unsupported(flavor f, workload w) {
    if (w == workload::mpmc || w == workload::select_rx || w == workload::select_both)
      return "single consumer: the handles cannot express it";
    if (f == flavor::bounded0) return "spsc_bounded(0) is the rendezvous flavor: see the sluice row";
    return nullptr;
  }
  // The workload is not passed to make(); which handles to build is chosen by mode(), set by
  // main.cpp before each run (spsc handles unless the workload is mpsc).
  static bool& multi_producer() {
    static bool m = false;
    return m;
  }
  static std::pair<tx, rx> make(flavor f, std::size_t n) {
    const std::size_t cap = f == flavor::bounded0 ? 0 : f == flavor::bounded1 ? 1 : n;
    if (multi_producer()) {
      auto ch = f == flavor::unbounded ? sluice::mpsc_unbounded<msg>() : sluice::mpsc_bounded<msg>(cap);
      return {tx{nullptr, std::move(ch.first)},
              std::make_shared<sluice::single_receiver<msg>>(std::move(ch.second))};
    }
    auto ch = f == flavor::unbounded ? sluice::spsc_unbounded<msg>() : sluice::spsc_bounded<msg>(cap);
    return {tx{std::make_shared<sluice::spsc_sender<msg>>(std::move(ch.first)), {}},
            std::make_shared<sluice::single_receiver<msg>>(std::move(ch.second))};
  }
  static void send(tx& t, msg m) {
    auto r = t.one ? t.one->send(std::move(m)) : t.many.send(std::move(m));
    if (!r) std::abort();
  }
  static msg recv(rx& r) {
    auto v = r->recv();
    if (!v.has_value()) std::abort();
    return *v;
  }
};
}  // namespace bench
#endif

// ---- moodycamel::BlockingConcurrentQueue ------------------------------------------------------
#if __has_include(<concurrentqueue/blockingconcurrentqueue.h>)
#include <concurrentqueue/blockingconcurrentqueue.h>
#define BENCH_HAVE_MOODYCAMEL 1
namespace bench {
struct moodycamel_peer {
  static constexpr const char* name = "moodycamel";
  using chan = moodycamel::BlockingConcurrentQueue<msg>;
  using tx = std::shared_ptr<chan>;
  using rx = std::shared_ptr<chan>;
  static const char* unsupported(flavor f, workload) {
    if (f == flavor::bounded0 || f == flavor::bounded1)
      return "no blocking bounded send (enqueue never blocks; try_enqueue fails)";
    return nullptr;
  }
  // bounded(N) never fills in this suite, so a queue preallocated for N elements gives the
  // same semantics as a blocking send on a channel of capacity N.
  static std::pair<tx, rx> make(flavor f, std::size_t n) {
    auto c = f == flavor::bounded_n ? std::make_shared<chan>(n) : std::make_shared<chan>();
    return {c, c};
  }
  static void send(tx& t, msg m) {
    if (!t->enqueue(m)) std::abort();
  }
  static msg recv(rx& r) {
    msg m;
    r->wait_dequeue(m);
    return m;
  }
};
}  // namespace bench
#endif

// ---- TBB concurrent_bounded_queue ---------------------------------------------------------------
#if defined(BENCH_WITH_TBB) && __has_include(<tbb/concurrent_queue.h>)
#include <tbb/concurrent_queue.h>
#define BENCH_HAVE_TBB 1
namespace bench {
struct tbb_peer {
  static constexpr const char* name = "tbb";
  using chan = tbb::concurrent_bounded_queue<msg>;
  using tx = std::shared_ptr<chan>;
  using rx = std::shared_ptr<chan>;
  static const char* unsupported(flavor f, workload) {
    if (f == flavor::bounded0) return "capacity 0 is not a rendezvous (push waits forever)";
    return nullptr;
  }
  static std::pair<tx, rx> make(flavor f, std::size_t n) {
    auto c = std::make_shared<chan>();
    if (f == flavor::bounded1) c->set_capacity(1);
    if (f == flavor::bounded_n) c->set_capacity(static_cast<chan::size_type>(n));
    return {c, c};
  }
  static void send(tx& t, msg m) { t->push(m); }
  static msg recv(rx& r) {
    msg m;
    r->pop(m);
    return m;
  }
};
}  // namespace bench
#endif

// ---- Boost.Fiber buffered_channel / unbuffered_channel ----------------------------------------
#if defined(BENCH_WITH_FIBER) && __has_include(<boost/fiber/buffered_channel.hpp>)
#include <boost/fiber/buffered_channel.hpp>
#include <boost/fiber/unbuffered_channel.hpp>
#define BENCH_HAVE_FIBER 1
namespace bench {
// Threads (not fibers) on both ends: each std::thread's main fiber blocks in the channel and
// its fiber scheduler sleeps on a condition variable until another thread wakes it.
struct fiber_peer {
  static constexpr const char* name = "boost-fiber";
  struct chan {
    std::unique_ptr<boost::fibers::buffered_channel<msg>> b;
    std::unique_ptr<boost::fibers::unbuffered_channel<msg>> u;
  };
  using tx = std::shared_ptr<chan>;
  using rx = std::shared_ptr<chan>;
  static const char* unsupported(flavor f, workload) {
    if (f == flavor::unbounded) return "no unbounded channel";
    return nullptr;
  }
  // buffered_channel(c) needs a power of two >= 2 and holds c - 1 items.
  static std::pair<tx, rx> make(flavor f, std::size_t n) {
    auto c = std::make_shared<chan>();
    if (f == flavor::bounded0) {
      c->u = std::make_unique<boost::fibers::unbuffered_channel<msg>>();
    } else {
      std::size_t want = (f == flavor::bounded1 ? 1 : n) + 1, p = 2;
      while (p < want) p <<= 1;
      c->b = std::make_unique<boost::fibers::buffered_channel<msg>>(p);
    }
    return {c, c};
  }
  static void send(tx& t, msg m) {
    auto st = t->b ? t->b->push(m) : t->u->push(m);
    if (st != boost::fibers::channel_op_status::success) std::abort();
  }
  static msg recv(rx& r) { return r->b ? r->b->value_pop() : r->u->value_pop(); }
};
}  // namespace bench
#endif
