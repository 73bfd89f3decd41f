// bench/harness/workloads.hpp — the crossbeam-channel benchmark suite (its benches/ folder),
// written once over a small "peer" adapter so every C++ channel runs the same code.
//
// A peer P provides:
//   using tx = ...; using rx = ...;            // copyable handles (copy = one more user)
//   static const char* unsupported(flavor, workload);  // nullptr, or why the peer cannot run it
//   static std::pair<tx, rx> make(flavor, std::size_t n);  // n = capacity for flavor::bounded_n
//   static void send(tx&, msg);                // blocking send
//   static msg recv(rx&);                      // blocking receive
//
// Timing follows crossbeam: one steady_clock interval around construction, spawn, transfer, join
// and destruction. Receivers add the values they get to a checksum, which the harness compares
// with the expected sum (the correctness guard crossbeam's benches use).
#pragma once

#include <atomic>
#include <concepts>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace bench {

struct msg {
  std::size_t v;
};
static_assert(sizeof(msg) == 8);

enum class flavor { bounded0, bounded1, bounded_n, unbounded };
enum class workload { seq, spsc, mpsc, mpmc, select_rx, select_both };

// A peer with select provides select_recv(std::vector<rx>&) and select_send(std::vector<tx>&, msg).
template <class P>
concept has_select = requires(std::vector<typename P::rx>& rs, std::vector<typename P::tx>& ts, msg m) {
  { P::select_recv(rs) } -> std::same_as<msg>;
  P::select_send(ts, m);
};

inline const char* flavor_name(flavor f) {
  switch (f) {
    case flavor::bounded0: return "bounded0";
    case flavor::bounded1: return "bounded1";
    case flavor::bounded_n: return "bounded";
    case flavor::unbounded: return "unbounded";
  }
  return "?";
}

inline const char* workload_name(workload w) {
  switch (w) {
    case workload::seq: return "seq";
    case workload::spsc: return "spsc";
    case workload::mpsc: return "mpsc";
    case workload::mpmc: return "mpmc";
    case workload::select_rx: return "select_rx";
    case workload::select_both: return "select_both";
  }
  return "?";
}

inline bool parse_test(const std::string& s, flavor& f, workload& w) {
  auto us = s.find('_');
  if (us == std::string::npos) return false;
  std::string fs = s.substr(0, us), ws = s.substr(us + 1);
  if (fs == "bounded0") f = flavor::bounded0;
  else if (fs == "bounded1") f = flavor::bounded1;
  else if (fs == "bounded") f = flavor::bounded_n;
  else if (fs == "unbounded") f = flavor::unbounded;
  else return false;
  if (ws == "seq") w = workload::seq;
  else if (ws == "spsc") w = workload::spsc;
  else if (ws == "mpsc") w = workload::mpsc;
  else if (ws == "mpmc") w = workload::mpmc;
  else if (ws == "select_rx") w = workload::select_rx;
  else if (ws == "select_both") w = workload::select_both;
  else return false;
  return true;
}

struct run_result {
  double secs = 0;
  bool checksum_ok = false;
};

// Runs one workload once. n = total messages, t = producer (and consumer) thread count.
template <class P>
run_result run_workload(workload w, flavor f, std::size_t n, int t) {
  using clock = std::chrono::steady_clock;
  const std::size_t expected = n * (n - 1) / 2;  // sum of loop indices over all producers
  std::atomic<std::size_t> sum{0};
  std::size_t per = n / static_cast<std::size_t>(t);
  std::size_t expected_mp = 0;  // mpsc/mpmc send i in 0..per from each of t producers
  for (int k = 0; k < t; ++k) expected_mp += per * (per - 1) / 2;

  auto start = clock::now();
  {
    auto [tx, rx] = P::make(f, n);
    switch (w) {
      case workload::seq: {
        for (std::size_t i = 0; i < n; ++i) P::send(tx, msg{i});
        std::size_t s = 0;
        for (std::size_t i = 0; i < n; ++i) s += P::recv(rx).v;
        sum += s;
        break;
      }
      case workload::spsc: {
        std::jthread prod([tx = tx, n]() mutable {
          for (std::size_t i = 0; i < n; ++i) P::send(tx, msg{i});
        });
        std::size_t s = 0;
        for (std::size_t i = 0; i < n; ++i) s += P::recv(rx).v;
        sum += s;
        break;
      }
      case workload::mpsc: {
        std::vector<std::jthread> prods;
        for (int k = 0; k < t; ++k)
          prods.emplace_back([tx = tx, per]() mutable {
            for (std::size_t i = 0; i < per; ++i) P::send(tx, msg{i});
          });
        std::size_t s = 0;
        for (std::size_t i = 0; i < per * static_cast<std::size_t>(t); ++i) s += P::recv(rx).v;
        sum += s;
        break;  // jthreads join here
      }
      case workload::select_rx:
      case workload::select_both: {
        // crossbeam's select_rx / select_both: t channels; producer k sends per on channel k
        // (select_rx) or select-sends over all channels (select_both); main (select_rx) or t
        // consumers (select_both) select-receive over all channels, a new select each time.
        if constexpr (has_select<P>) {
          std::vector<typename P::tx> txs{tx};
          std::vector<typename P::rx> rxs{rx};
          for (int k = 1; k < t; ++k) {
            auto [a, b] = P::make(f, n);
            txs.push_back(a);
            rxs.push_back(b);
          }
          std::vector<std::jthread> threads;
          for (int k = 0; k < t; ++k)
            threads.emplace_back([&txs, w, k, per]() mutable {
              auto mine = txs;  // each producer holds its own handles
              for (std::size_t i = 0; i < per; ++i) {
                if (w == workload::select_rx)
                  P::send(mine[static_cast<std::size_t>(k)], msg{i});
                else
                  P::select_send(mine, msg{i});
              }
            });
          if (w == workload::select_rx) {
            std::size_t s = 0;
            for (std::size_t i = 0; i < per * static_cast<std::size_t>(t); ++i) s += P::select_recv(rxs).v;
            sum += s;
          } else {
            for (int k = 0; k < t; ++k)
              threads.emplace_back([&rxs, per, &sum]() mutable {
                auto mine = rxs;
                std::size_t s = 0;
                for (std::size_t i = 0; i < per; ++i) s += P::select_recv(mine).v;
                sum += s;
              });
          }
        }
        break;
      }
      case workload::mpmc: {
        std::vector<std::jthread> threads;
        for (int k = 0; k < t; ++k)
          threads.emplace_back([tx = tx, per]() mutable {
            for (std::size_t i = 0; i < per; ++i) P::send(tx, msg{i});
          });
        for (int k = 0; k < t; ++k)
          threads.emplace_back([rx = rx, per, &sum]() mutable {
            std::size_t s = 0;
            for (std::size_t i = 0; i < per; ++i) s += P::recv(rx).v;
            sum += s;
          });
        break;
      }
    }
  }
  auto secs = std::chrono::duration<double>(clock::now() - start).count();
  std::size_t want = (w == workload::seq || w == workload::spsc) ? expected : expected_mp;
  if constexpr (!has_select<P>)
    if (w == workload::select_rx || w == workload::select_both) return {secs, false};
  return {secs, sum.load() == want};
}

// Ping-pong: round trips over two channels of the given flavor; the echo thread returns v + 1
// and the main thread sends that back, so every hop depends on the previous one.
template <class P>
run_result run_pingpong(flavor f, std::size_t iters) {
  using clock = std::chrono::steady_clock;
  auto start = clock::now();
  bool ok = true;
  {
    auto [tx1, rx1] = P::make(f, 1);
    auto [tx2, rx2] = P::make(f, 1);
    std::jthread echo([rx = rx1, tx = tx2, iters]() mutable {
      for (std::size_t i = 0; i < iters; ++i) {
        msg m = P::recv(rx);
        P::send(tx, msg{m.v + 1});
      }
    });
    std::size_t v = 0;
    for (std::size_t i = 0; i < iters; ++i) {
      P::send(tx1, msg{v});
      v = P::recv(rx2).v;
    }
    ok = (v == iters);
  }
  return {std::chrono::duration<double>(clock::now() - start).count(), ok};
}

}  // namespace bench
