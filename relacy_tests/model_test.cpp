// relacy_tests/model_test.cpp — the model tier: every scenario of scenarios/all.hpp run under
// the model checker (sluice::model::check), for every flavor.
//
// Usage: sluice_model_tests [--tag T[,T...]]... [--filter SUBSTRING]... [--exclude SUBSTRING]...
//          [--bound N] [--mode exhaustive|dfs|random|pct]
//          [--iterations N] [--seed N] [--seeds N] [--pct-depth N]
//          [--override SITE=ORDER]... [--expect KIND] [--table FILE] [--trace FILE]
//          [--per-producer N] [--findings] [--list]
//   --tag, --filter, --exclude   the selection (support/table.hpp): the ctest entries select
//                    by tag (group, flavor, weight), a mutant by its witness's name
//   --exclude-other-flavors F   excludes the names of the other channel flavors (by name; kept
//                    for models/tools/reduction_figures.sh)
//   --mode M         default dfs (the bounded DFS); exhaustive = the checker's reduction
//   --bound N        preemption bound (default 2; -1 unbounded) of dfs, random and the
//                    exhaustive mode (bounded POR: each execution class with at most N
//                    preemptions once; models/README.md)
//   --seeds N        random/pct: sweep seeds 0..N-1, --iterations executions each
//   --override S=O   weaken (or strengthen) a named ordering of core, e.g.
//                    array.stamp_publish=relaxed (the checker's override table)
//   --expect KIND    mutant mode: succeed iff some selected scenario fails with failure KIND
//                    (assertion, data_race, deadlock, leak, use_after_free, ...); the runs stop
//                    at the first failure, whose trace is printed (and written to --trace FILE)
//   --table FILE     append one Markdown row per scenario (the figures table)
//   --findings       run the finding scenarios (guarantees core does not give yet) instead
// SLUICE_MC_* environment variables are honoured by the checker as documented in
// models/README.md (e.g. SLUICE_MC_REPLAY to rerun one failing execution).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "support/model_harness.hpp"  // first: harness<model::platform> before the scenarios
#include "scenarios/all.hpp"
#include "support/table.hpp"

namespace {

using sluice::model::failure_kind;
using sluice::model::search_mode;

struct cli {
  sluice::verif::selection select;
  int bound = 2;
  // The ctest entries name a preemption bound, so the harness keeps the bounded DFS as its
  // default; --mode exhaustive selects the checker's reduction (unbounded).
  search_mode mode = search_mode::dfs;
  std::uint64_t iterations = 0;
  std::uint64_t seed = 0;
  std::uint64_t seeds = 0;
  int pct_depth = 3;
  std::vector<sluice::model::order_override> overrides;
  std::string expect;
  std::string table;
  std::string trace;
  int per_producer = 1;
  bool list = false;
  bool findings = false;
};

bool parse_order(const std::string& s, std::memory_order& o) {
  if (s == "relaxed") o = std::memory_order_relaxed;
  else if (s == "acquire") o = std::memory_order_acquire;
  else if (s == "release") o = std::memory_order_release;
  else if (s == "acq_rel") o = std::memory_order_acq_rel;
  else if (s == "seq_cst") o = std::memory_order_seq_cst;
  else return false;
  return true;
}

bool parse(int argc, char** argv, cli& c) {
  for (int i = 1; i < argc; ++i) {
    auto arg = [&](const char* n) { return std::strcmp(argv[i], n) == 0 && i + 1 < argc; };
    if (c.select.parse(argc, argv, i)) continue;
    if (arg("--exclude-other-flavors")) {
      const std::string keep = argv[++i];
      for (const char* f : {"bounded1", "bounded2", "rendezvous", "unbounded"})
        if (keep != f) c.select.excludes.push_back(std::string("/") + f);
    }
    else if (arg("--bound")) c.bound = std::atoi(argv[++i]);
    else if (arg("--iterations")) c.iterations = std::strtoull(argv[++i], nullptr, 10);
    else if (arg("--seed")) c.seed = std::strtoull(argv[++i], nullptr, 10);
    else if (arg("--seeds")) c.seeds = std::strtoull(argv[++i], nullptr, 10);
    else if (arg("--pct-depth")) c.pct_depth = std::atoi(argv[++i]);
    else if (arg("--expect")) c.expect = argv[++i];
    else if (arg("--per-producer")) c.per_producer = std::atoi(argv[++i]);
    else if (arg("--table")) c.table = argv[++i];
    else if (arg("--trace")) c.trace = argv[++i];
    else if (arg("--mode")) {
      std::string m = argv[++i];
      if (m == "exhaustive") c.mode = search_mode::exhaustive;
      else if (m == "dfs") c.mode = search_mode::dfs;
      else if (m == "random") c.mode = search_mode::random;
      else if (m == "pct") c.mode = search_mode::pct;
      else return false;
    } else if (arg("--override")) {
      std::string s = argv[++i];
      auto eq = s.find('=');
      std::memory_order o{};
      if (eq == std::string::npos || !parse_order(s.substr(eq + 1), o)) {
        std::fprintf(stderr, "bad --override %s (want SITE=relaxed|acquire|release|acq_rel|seq_cst)\n",
                     s.c_str());
        return false;
      }
      c.overrides.push_back({s.substr(0, eq), o});
    } else if (std::strcmp(argv[i], "--list") == 0) c.list = true;
    else if (std::strcmp(argv[i], "--findings") == 0) c.findings = true;
    else {
      std::fprintf(stderr, "unknown argument: %s\n", argv[i]);
      return false;
    }
  }
  return true;
}

const char* mode_name(search_mode m) {
  switch (m) {
    case search_mode::exhaustive: return "exhaustive";
    case search_mode::random: return "random";
    case search_mode::pct: return "pct";
    case search_mode::dfs: return "dfs";
  }
  return "?";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sluice::verif;
  cli c;
  if (!parse(argc, argv, c)) return 2;

  // Model sizes: one message per producer in the delivery scenarios (two per
  // producer cost 3.6 million executions for 1p1c alone at bound 2); FIFO is still checked
  // at this size by the scenarios that queue a message behind a full ring (send_for_*,
  // stop_token_cancel_send_*, try_send_*), and with --per-producer 2 in the deep tier.
  config cfg;
  cfg.per_producer = c.per_producer;
  cfg.buffered = 2;

  const std::vector<scenario> chosen =
      c.select.choose(c.findings ? finding_scenarios<sluice::model::platform>()
                                 : all_scenarios<sluice::model::platform>(),
                      "model");
  if (c.list) {
    for (auto& s : chosen) std::printf("%s\n", s.name.c_str());
    return 0;
  }
  if (chosen.empty()) {
    std::fprintf(stderr, "model: no scenario matches the selection\n");
    return 2;
  }

  std::FILE* table = c.table.empty() ? nullptr : std::fopen(c.table.c_str(), "a");
  const bool mutant = !c.expect.empty();
  int failed = 0;
  std::uint64_t total_execs = 0;
  double total_seconds = 0;
  const bool walks = c.mode == search_mode::exhaustive || c.mode == search_mode::dfs;
  const std::uint64_t sweeps = (!walks && c.seeds > 0) ? c.seeds : 1;
  for (auto& s : chosen) {
    std::uint64_t execs = 0;
    double seconds = 0;
    bool exhausted = true;
    sluice::model::result r;
    for (std::uint64_t k = 0; k < sweeps; ++k) {
      sluice::model::options o;
      o.name = s.name.c_str();
      o.mode = c.mode;
      o.preemption_bound = c.bound;
      o.reduction_bound = c.mode == search_mode::exhaustive ? c.bound : -1;
      o.iterations = c.iterations;
      o.seed = c.seed + k;
      o.pct_depth = c.pct_depth;
      o.overrides = c.overrides;
      o.print_summary = false;
      o.print_failure = true;
      r = sluice::model::check(o, [&] { s.run(cfg); });
      execs += r.executions;
      seconds += r.seconds;
      exhausted = exhausted && r.exhausted;
      if (!r.passed()) break;
    }
    total_execs += execs;
    total_seconds += seconds;
    const char* verdict = r.passed() ? "pass" : sluice::model::to_string(r.failure);
    std::printf("  %-80s %10llu execs %-9s %8.2f s  %s\n", s.name.c_str(),
                static_cast<unsigned long long>(execs), exhausted ? "exhausted" : "bounded",
                seconds, verdict);
    std::fflush(stdout);
    if (table)
      std::fprintf(table, "| `%s` | %s | %d | %llu | %s | %.2f | %s |\n", s.name.c_str(),
                   mode_name(c.mode), c.bound, static_cast<unsigned long long>(execs),
                   walks ? (exhausted ? "yes" : "no") : "n/a",
                   seconds, verdict);
    if (!r.passed()) {
      ++failed;
      if (!c.trace.empty()) {
        std::ofstream out(c.trace);
        out << "scenario: " << s.name << "\nfailure: " << sluice::model::to_string(r.failure)
            << "\nmessage: " << r.message << "\nreplay: " << r.replay << "\n\n"
            << r.trace;
      }
      if (mutant) {
        std::string want = c.expect;  // data_race and "data race" both name the class
        for (char& ch : want)
          if (ch == '_') ch = ' ';
        if (want == sluice::model::to_string(r.failure)) {
          std::printf("mutant caught as expected: %s in %s\n", c.expect.c_str(), s.name.c_str());
          return 0;
        }
        std::printf("mutant caught, but as %s, not the expected %s\n",
                    sluice::model::to_string(r.failure), c.expect.c_str());
        return 1;
      }
    }
  }
  if (table) std::fclose(table);
  std::printf("model: %zu scenarios, %d failed, %llu executions, %.1f s\n", chosen.size(),
              failed, static_cast<unsigned long long>(total_execs), total_seconds);
  if (mutant) {
    std::printf("mutant NOT caught: no scenario failed (expected %s)\n", c.expect.c_str());
    return 1;
  }
  return failed == 0 ? 0 : 1;
}
