// relacy_tests/support/real_runner.hpp — the driver of the real-thread tiers (tsan_tests,
// stress, the valgrind and ASan/UBSan runs): runs every scenario of the table that the
// selection keeps, again and again, on real threads.
//
// Usage: <binary> [--tag T[,T...]]... [--filter SUBSTRING]... [--exclude SUBSTRING]...
//                 [--seconds S] [--min-iterations N] [--max-iterations N] [--per-producer N]
//                 [--watchdog S] [--list]
//   --tag, --filter, --exclude   the selection (support/table.hpp); none: every scenario
//   --seconds S         total time budget, shared equally by the selected scenarios
//                       (env SLUICE_STRESS_SECONDS overrides; default 10)
//   --min-iterations N  each scenario runs at least N times whatever the budget (default 1)
//   --max-iterations N  and at most N times (default: unlimited)
//   --watchdog S        abort, naming the scenario and iteration, if one iteration takes
//                       longer than S seconds: a lost wake-up shows as a named hang, not as
//                       a ctest timeout (default 60)
// Exit status 0 when every run passed; a failed check aborts the process with its location.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "scenarios/all.hpp"
#include "support/table.hpp"

namespace sluice::verif {

struct real_options {
  selection select;
  double seconds = 10.0;
  long min_iterations = 1;
  long max_iterations = -1;
  double watchdog_seconds = 60.0;
  bool list = false;
  config cfg{};
};

inline bool parse_real_options(int argc, char** argv, real_options& o) {
  if (const char* e = std::getenv("SLUICE_STRESS_SECONDS")) o.seconds = std::atof(e);
  for (int i = 1; i < argc; ++i) {
    auto arg = [&](const char* name) { return std::strcmp(argv[i], name) == 0 && i + 1 < argc; };
    if (o.select.parse(argc, argv, i)) continue;
    if (arg("--seconds")) o.seconds = std::atof(argv[++i]);
    else if (arg("--min-iterations")) o.min_iterations = std::atol(argv[++i]);
    else if (arg("--max-iterations")) o.max_iterations = std::atol(argv[++i]);
    else if (arg("--per-producer")) o.cfg.per_producer = std::atoi(argv[++i]);
    else if (arg("--watchdog")) o.watchdog_seconds = std::atof(argv[++i]);
    else if (std::strcmp(argv[i], "--list") == 0) o.list = true;
    else {
      std::fprintf(stderr, "unknown argument: %s\n", argv[i]);
      return false;
    }
  }
  return true;
}

// Watches the progress counter from its own thread (sleeping between looks: it observes, it
// never synchronizes the scenario).
class watchdog {
 public:
  explicit watchdog(double seconds) : limit_(seconds) {
    thread_ = std::thread([this] { loop(); });
  }
  ~watchdog() {
    stop_.store(true, std::memory_order_relaxed);
    thread_.join();
  }
  void iteration(const std::string* name, long i) {
    name_.store(name, std::memory_order_relaxed);
    iteration_.store(i, std::memory_order_relaxed);
    progress_.fetch_add(1, std::memory_order_relaxed);
  }

 private:
  void loop() {
    auto last_change = std::chrono::steady_clock::now();
    unsigned long seen = progress_.load(std::memory_order_relaxed);
    while (!stop_.load(std::memory_order_relaxed)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      const unsigned long now_seen = progress_.load(std::memory_order_relaxed);
      const auto now = std::chrono::steady_clock::now();
      if (now_seen != seen) {
        seen = now_seen;
        last_change = now;
      } else if (std::chrono::duration<double>(now - last_change).count() > limit_) {
        const std::string* n = name_.load(std::memory_order_relaxed);
        std::fprintf(stderr, "watchdog: %s iteration %ld made no progress for %.0f s (hang)\n",
                     n ? n->c_str() : "?", iteration_.load(std::memory_order_relaxed), limit_);
        std::fflush(stderr);
        std::abort();
      }
    }
  }
  double limit_;
  std::atomic<bool> stop_{false};
  std::atomic<unsigned long> progress_{0};
  std::atomic<const std::string*> name_{nullptr};
  std::atomic<long> iteration_{0};
  std::thread thread_;
};

template <class P>
int run_real_tier(int argc, char** argv, const char* tier, config defaults) {
  real_options o;
  o.cfg = defaults;
  if (!parse_real_options(argc, argv, o)) return 2;
  const std::vector<scenario> chosen = o.select.choose(all_scenarios<P>(), tier);
  if (o.list) {
    for (auto& s : chosen) std::printf("%s\n", s.name.c_str());
    return 0;
  }
  if (chosen.empty()) {
    std::fprintf(stderr, "%s: no scenario matches the selection\n", tier);
    return 2;
  }
  const double per_scenario = o.seconds / static_cast<double>(chosen.size());
  std::printf("%s: %zu scenarios, %.2f s each\n", tier, chosen.size(), per_scenario);
  watchdog dog(o.watchdog_seconds);
  long total = 0;
  for (auto& s : chosen) {
    const auto start = std::chrono::steady_clock::now();
    long i = 0;
    for (;; ++i) {
      const double spent =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (i >= o.min_iterations && spent >= per_scenario) break;
      if (o.max_iterations >= 0 && i >= o.max_iterations) break;
      dog.iteration(&s.name, i);
      s.run(o.cfg);
    }
    const double spent =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("  %-80s %8ld runs %7.2f s\n", s.name.c_str(), i, spent);
    std::fflush(stdout);
    total += i;
  }
  std::printf("%s: all %zu scenarios passed, %ld runs\n", tier, chosen.size(), total);
  return 0;
}

}  // namespace sluice::verif
