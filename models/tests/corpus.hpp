// models/tests/corpus.hpp — helpers for the classic-algorithm corpus: run a scenario in every
// search mode and record how many executions each needed to find (or clear) it.
#pragma once

#include <cstdio>
#include <string>

#include "sluice/model.hpp"

namespace corpus {

namespace mc = sluice::model;

// Budgets: exhaustive (the reduction, unbounded) runs to exhaustion; the plain DFS (unbounded
// too, so that the two search the same space) stops after dfs_budget executions (the spin
// loops of Peterson make its unbounded space astronomically large); random and PCT
// (preemption bound 2) stop at the first failure or after sampling_budget executions.
inline constexpr std::uint64_t sampling_budget = 20000;
inline constexpr std::uint64_t dfs_budget = 300000;
inline constexpr int corpus_preemption_bound = 2;
// Bounded POR (exhaustive with options::reduction_bound) and the DFS at this bound must agree.
inline constexpr int bounded_check_bound = 1;

inline int failures = 0;

inline mc::options opts(const char* name, mc::search_mode mode) {
  mc::options o;
  o.name = name;
  o.mode = mode;
  bool walks = mode == mc::search_mode::exhaustive || mode == mc::search_mode::dfs;
  o.preemption_bound = walks ? -1 : corpus_preemption_bound;
  o.iterations = mode == mc::search_mode::exhaustive ? 0 : mode == mc::search_mode::dfs ? dfs_budget : sampling_budget;
  o.print_summary = false;
  o.print_failure = false;
  return o;
}

inline std::string cell(const mc::result& r, bool want_fail) {
  if (want_fail) return r.passed() ? "missed(" + std::to_string(r.executions) + ")" : std::to_string(r.executions);
  return r.passed() ? std::to_string(r.executions) + (r.exhausted ? "*" : "") : "FAILED";
}

// A correct variant must pass exhaustively (marked *) under the reduction, and pass the plain
// DFS (exhausted where it fits its budget) and the sampling modes. A broken variant must be caught with `expected` by both the
// reduction and the DFS (the reduction loses no verdict); the sampling modes report
// executions-to-find (or "missed(n)").
template <class F>
void entry(const char* name, bool broken, mc::failure_kind expected, F test) {
  mc::result ex = mc::check(opts(name, mc::search_mode::exhaustive), test);
  // The plain sleep sets (read-from-aware ones off): the same verdict.
  mc::options po = opts(name, mc::search_mode::exhaustive);
  po.rf_sleep = po.write_sleep = false;
  mc::result plain = mc::check(po, test);
  bool same_plain = plain.failure == ex.failure && (!plain.passed() || plain.exhausted);
  // Every race reversed (options::rf_races, mo_races, fence_races, rmw_races off): the same verdict.
  mc::options vo = opts(name, mc::search_mode::exhaustive);
  vo.rf_races = vo.mo_races = vo.fence_races = vo.rmw_races = false;
  mc::result rev = mc::check(vo, test);
  bool same_rev = rev.failure == ex.failure && (!rev.passed() || rev.exhausted);
  mc::result dfs = mc::check(opts(name, mc::search_mode::dfs), test);
  mc::result rnd = mc::check(opts(name, mc::search_mode::random), test);
  mc::result pct = mc::check(opts(name, mc::search_mode::pct), test);
  // Bounded POR against the DFS at the same preemption bound: the same verdict (the bounded
  // reduction loses no execution of the bounded space).
  mc::options bo = opts(name, mc::search_mode::exhaustive), bd = opts(name, mc::search_mode::dfs);
  bo.reduction_bound = bd.preemption_bound = bounded_check_bound;
  mc::result bpor = mc::check(bo, test);
  mc::result bdfs = mc::check(bd, test);
  bool same_bounded = bpor.failure == bdfs.failure && (!bpor.passed() || (bpor.exhausted && bdfs.exhausted));
  bool ok;
  if (broken)
    ok = ex.failure == expected && dfs.failure == expected && (rnd.passed() || rnd.failure == expected) &&
         (pct.passed() || pct.failure == expected);
  else
    ok = ex.passed() && ex.exhausted && dfs.passed() && rnd.passed() && pct.passed();
  ok = ok && same_bounded && same_plain && same_rev;
  std::printf("| %-34s | %-7s | %-14s | %12s | %12s | %12s | %12s | %12s | %12s | %12s | %12s | %s\n", name,
              broken ? "broken" : "correct", broken ? mc::to_string(expected) : "-", cell(ex, broken).c_str(),
              cell(rev, broken).c_str(), cell(plain, broken).c_str(),
              cell(dfs, broken).c_str(), cell(rnd, broken).c_str(), cell(pct, broken).c_str(),
              cell(bpor, !bdfs.passed()).c_str(), cell(bdfs, !bdfs.passed()).c_str(), ok ? "ok" : "FAIL");
  if (!ok) {
    ++failures;
    const mc::result& bad = !ex.passed() && !broken   ? ex
                            : !dfs.passed() && !broken ? dfs
                            : !rnd.passed() && !broken ? rnd
                            : broken && dfs.failure != expected ? dfs
                                                              : ex;
    std::printf("    %s: %s\n%s\n", mc::to_string(bad.failure), bad.message.c_str(), bad.trace.c_str());
  }
}

}  // namespace corpus
