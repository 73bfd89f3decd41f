// bench/harness/main.cpp — the C++ side of the benchmark suite (driven by bench/report.py).
//
//   sluice_bench list
//   sluice_bench run <peer> <test> <n> <threads>      e.g. run sluice bounded_mpmc 5000000 4
//   sluice_bench pingpong <peer> <bounded0|bounded1> <round_trips>
//   sluice_bench memory <peer>
//   sluice_bench parker <futex_parker|atomic_wait> <round_trips>
//
// Output lines (one fact per line, whitespace separated) are the protocol shared with the Rust
// and Go programs in bench/peers:
//   RESULT <peer> <test> <secs> <n> <ok|BAD> <peak_rss_kb>
//   UNSUPPORTED <peer> <test> <reason...>
//   MEM <peer> <key> <value>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <malloc.h>
#include <map>
#include <string>
#include <thread>

#include "alloc_hook.hpp"
#include "peers_basic.hpp"
#include "peers_ext.hpp"
#include "workloads.hpp"
#ifdef BENCH_HAVE_SLUICE  // (peers_ext.hpp)
#include "async_peer.hpp"
#endif
#ifdef BENCH_WITH_ASIO  // (CMake: asio/experimental/concurrent_channel.hpp found)
#include "asio_peer.hpp"
#endif

#if __has_include(<sluice/std_platform.hpp>)
#include <sluice/std_platform.hpp>
#define BENCH_HAVE_PARKER 1
#endif

namespace bench {
namespace {

long peak_rss_kb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
  return -1;
}

struct peer_entry {
  std::function<const char*(flavor, workload)> unsupported;
  std::function<run_result(workload, flavor, std::size_t, int)> run;
  std::function<run_result(flavor, std::size_t)> pingpong;
  std::function<void()> memory;
};

// Bytes malloc has handed out and not got back (all of them: peers that call malloc directly,
// like moodycamel, or their own allocator front-ends, bypass the operator new hook).
std::size_t malloc_in_use() {
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

template <class P>
void memory_probe() {
  const char* name = P::name;
  const flavor fl[] = {flavor::bounded0, flavor::bounded1, flavor::bounded_n, flavor::unbounded};
  for (flavor f : fl) {
    if (P::unsupported(f, workload::spsc)) continue;
    alloc::start();
    {
      auto ch = P::make(f, 1024);
      auto c = alloc::now();
      std::printf("MEM %s empty_%s_bytes %zu\n", name,
                  f == flavor::bounded_n ? "bounded1024" : flavor_name(f), c.live_bytes);
      std::printf("MEM %s empty_%s_allocs %zu\n", name,
                  f == flavor::bounded_n ? "bounded1024" : flavor_name(f), c.allocs);
    }
    alloc::stop();
  }
  if (P::unsupported(flavor::unbounded, workload::seq)) return;
  constexpr std::size_t n = 1'000'000;
  std::size_t s = 0;
  // Pass 1: the operator new hook (requested bytes).
  alloc::start();
  {
    auto [tx, rx] = P::make(flavor::unbounded, 0);
    auto base = alloc::now();
    for (std::size_t i = 0; i < n; ++i) P::send(tx, msg{i});
    auto full = alloc::now();
    for (std::size_t i = 0; i < n; ++i) s += P::recv(rx).v;
    auto drained = alloc::now();
    std::printf("MEM %s unbounded_bytes_per_msg %.3f\n", name,
                double(full.live_bytes - base.live_bytes) / double(n));
    std::printf("MEM %s unbounded_allocs_per_msg %.4f\n", name,
                double(full.allocs - base.allocs) / double(n));
    std::printf("MEM %s unbounded_after_drain_bytes %zu\n", name, drained.live_bytes);
  }
  alloc::stop();
  // Pass 2: malloc's own accounting with the hook off, which also sees peers that call malloc
  // directly (moodycamel) or through their own allocator front-end.
  {
    std::size_t m0 = malloc_in_use();
    auto [tx, rx] = P::make(flavor::unbounded, 0);
    std::size_t m1 = malloc_in_use();
    for (std::size_t i = 0; i < n; ++i) P::send(tx, msg{i});
    std::size_t m2 = malloc_in_use();
    for (std::size_t i = 0; i < n; ++i) s += P::recv(rx).v;
    std::size_t m3 = malloc_in_use();
    std::printf("MEM %s malloc_empty_unbounded_bytes %lld\n", name,
                static_cast<long long>(m1) - static_cast<long long>(m0));
    std::printf("MEM %s malloc_bytes_per_msg %.3f\n", name,
                (double(m2) - double(m1)) / double(n));
    std::printf("MEM %s malloc_after_drain_bytes %lld\n", name,
                static_cast<long long>(m3) - static_cast<long long>(m0));
  }
  if (s != n * (n - 1)) std::printf("MEM %s checksum BAD\n", name);
}

template <class P>
peer_entry entry() {
  return {[](flavor f, workload w) { return P::unsupported(f, w); },
          [](workload w, flavor f, std::size_t n, int t) { return run_workload<P>(w, f, n, t); },
          [](flavor f, std::size_t it) { return run_pingpong<P>(f, it); },
          [] { memory_probe<P>(); }};
}

std::map<std::string, peer_entry> peers() {
  std::map<std::string, peer_entry> m;
#ifdef BENCH_HAVE_SLUICE
  m["sluice"] = entry<sluice_peer>();
  m["sluice-spsc"] = entry<sluice_spsc_peer>();
  m["sluice-async"] = {[](flavor f, workload w) { return sluice_async_peer::unsupported(f, w); },
                       [](workload w, flavor f, std::size_t n, int t) { return sluice_async_peer::run(w, f, n, t); },
                       [](flavor f, std::size_t it) { return sluice_async_peer::pingpong(f, it); },
                       [] {}};  // its channels are sluice's: the memory rows are sluice's
#endif
  m["mutex-deque"] = entry<mutex_peer>();
  m["limit-ring"] = entry<limit_peer>();
#ifdef BENCH_HAVE_MOODYCAMEL
  m["moodycamel"] = entry<moodycamel_peer>();
#endif
#ifdef BENCH_HAVE_TBB
  m["tbb"] = entry<tbb_peer>();
#endif
#ifdef BENCH_HAVE_FIBER
  m["boost-fiber"] = entry<fiber_peer>();
#endif
#ifdef BENCH_WITH_ASIO
  m["asio"] = {[](flavor f, workload w) { return asio_peer::unsupported(f, w); },
               [](workload w, flavor f, std::size_t n, int t) { return asio_peer::run(w, f, n, t); },
               [](flavor f, std::size_t it) { return asio_peer::pingpong(f, it); },
               [] {}};  // no memory rows: its channels live on an io_context
#endif
  return m;
}

// ---- parker ping-pong: sluice's futex parker (std_platform::parker) against std::atomic<uint32_t>::wait -------------
double parker_pingpong(const std::string& kind, std::size_t iters) {
  using clock = std::chrono::steady_clock;
#ifdef BENCH_HAVE_PARKER
  if (kind == "futex_parker") {
    sluice::std_platform::parker a, b;
    auto start = clock::now();
    {
      std::jthread echo([&] {
        for (std::size_t i = 0; i < iters; ++i) {
          b.park();
          a.unpark();
        }
      });
      for (std::size_t i = 0; i < iters; ++i) {
        b.unpark();
        a.park();
      }
    }
    return std::chrono::duration<double>(clock::now() - start).count();
  }
#endif
  if (kind == "atomic_wait") {
    std::atomic<std::uint32_t> x{0};
    auto start = clock::now();
    {
      std::jthread echo([&] {
        for (std::size_t i = 0; i < iters; ++i) {
          std::uint32_t want = static_cast<std::uint32_t>(2 * i + 1);
          std::uint32_t cur;
          while ((cur = x.load(std::memory_order_acquire)) != want) x.wait(cur);
          x.store(want + 1, std::memory_order_release);
          x.notify_one();
        }
      });
      for (std::size_t i = 0; i < iters; ++i) {
        std::uint32_t mine = static_cast<std::uint32_t>(2 * i + 1);
        x.store(mine, std::memory_order_release);
        x.notify_one();
        std::uint32_t cur;
        while ((cur = x.load(std::memory_order_acquire)) != mine + 1) x.wait(cur);
      }
    }
    return std::chrono::duration<double>(clock::now() - start).count();
  }
  return -1;
}

int usage() {
  std::fprintf(stderr,
               "usage: sluice_bench list | run <peer> <test> <n> <threads> | pingpong <peer> "
               "<bounded0|bounded1> <round_trips> | memory <peer> | parker <kind> <round_trips>\n");
  return 2;
}

}  // namespace
}  // namespace bench

int main(int argc, char** argv) {
  using namespace bench;
  if (argc < 2) return usage();
  std::string cmd = argv[1];
  auto all = peers();
  if (cmd == "list") {
    for (auto& [k, v] : all) std::printf("%s\n", k.c_str());
#ifndef BENCH_HAVE_SLUICE
    std::printf("SKIPPED sluice <sluice/sluice.hpp> not present when this binary was built\n");
#endif
    return 0;
  }
  if (cmd == "parker" && argc == 4) {
    std::size_t it = std::strtoull(argv[3], nullptr, 10);
    double s = parker_pingpong(argv[2], it);
    if (s < 0) {
      std::printf("UNSUPPORTED parker %s not built\n", argv[2]);
      return 0;
    }
    std::printf("RESULT parker parker_%s %.9f %zu ok %ld\n", argv[2], s, it, peak_rss_kb());
    return 0;
  }
  if (argc < 3) return usage();
  std::string peer = argv[2];
  auto it = all.find(peer);
  if (it == all.end()) {
    std::printf("UNSUPPORTED %s * peer not built\n", peer.c_str());
    return 0;
  }
  auto& e = it->second;
  if (cmd == "memory") {
    e.memory();
    return 0;
  }
  if (cmd == "run" && argc == 6) {
    flavor f;
    workload w;
    if (!parse_test(argv[3], f, w)) return usage();
    if (const char* why = e.unsupported(f, w)) {
      std::printf("UNSUPPORTED %s %s %s\n", peer.c_str(), argv[3], why);
      return 0;
    }
    if (w == workload::seq && (f == flavor::bounded0 || f == flavor::bounded1)) {
      std::printf("UNSUPPORTED %s %s seq would deadlock\n", peer.c_str(), argv[3]);
      return 0;
    }
    std::size_t n = std::strtoull(argv[4], nullptr, 10);
    int t = std::atoi(argv[5]);
#ifdef BENCH_HAVE_SLUICE
    sluice_spsc_peer::multi_producer() = w == workload::mpsc;  // which handles make() builds
#endif
    auto r = e.run(w, f, n, t);
    std::printf("RESULT %s %s %.9f %zu %s %ld\n", peer.c_str(), argv[3], r.secs, n,
                r.checksum_ok ? "ok" : "BAD", peak_rss_kb());
    return 0;
  }
  if (cmd == "pingpong" && argc == 5) {
    std::string fs = argv[3];
    flavor f = fs == "bounded0" ? flavor::bounded0 : flavor::bounded1;
    std::string test = "pingpong_" + fs;
    if (const char* why = e.unsupported(f, workload::spsc)) {
      std::printf("UNSUPPORTED %s %s %s\n", peer.c_str(), test.c_str(), why);
      return 0;
    }
    std::size_t n = std::strtoull(argv[4], nullptr, 10);
    auto r = e.pingpong(f, n);
    std::printf("RESULT %s %s %.9f %zu %s %ld\n", peer.c_str(), test.c_str(), r.secs, n,
                r.checksum_ok ? "ok" : "BAD", peak_rss_kb());
    return 0;
  }
  return usage();
}
