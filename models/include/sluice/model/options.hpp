// sluice/model/options.hpp — what a check explores, and what it reports back.
//
// Contract: `options` configures one check() call; unless use_env is false, SLUICE_MC_*
// environment variables override the fields (see models/README.md for the list). `result`
// is returned by check() and never aborts the process, so tests can expect a failure class
// ("this mutant must be reported as a data race").
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sluice::model {

// Compile-time ceiling on model threads (vector-clock width). options::max_threads may lower it.
inline constexpr int max_model_threads = 8;

// exhaustive: every execution, each Mazurkiewicz class once (source-DPOR with sleep sets; the
//             preemption bound does not apply). dfs: every interleaving within the preemption
//             bound (the earlier search). random, pct: sampling. See models/README.md "Search".
enum class search_mode { exhaustive, random, pct, dfs };

// Which seq_cst semantics the checker enforces (models/README.md, "Memory model"):
//  - rc11: Lahav et al., "Repairing sequential consistency in C/C++11" (PLDI 2017): psc over
//    scb = po ∪ po|≠loc;hb;po|≠loc ∪ hb|loc ∪ mo ∪ rb — reads-from is not in scb, so a seq_cst
//    load that reads a non-seq_cst store is not ordered by it. Weaker; the default.
//  - cxx20: the standard's text ([atomics.order]/3-4): "coherence-ordered before" includes
//    "B reads the value stored by A" and is transitive.
enum class memory_model { rc11, cxx20 };

enum class failure_kind {
  none,
  assertion,       // MODEL_ASSERT failed
  data_race,       // two cell accesses, at least one a write, not ordered by happens-before
  deadlock,        // every live thread blocked with nothing that could wake it
  livelock,        // the execution exceeded options::step_bound
  leak,            // a platform allocation was not freed by the end of the execution
  double_free,     // deallocate of an already freed block
  use_after_free,  // an atomic or cell inside a freed block was accessed
  invalid_free,    // deallocate of a pointer allocate did not return
  usage,           // misuse of the model API (bad memory order, too many threads, ...)
  nondeterminism,  // the test made different choices on the same path (replay mismatch)
};

const char* to_string(failure_kind k) noexcept;

// Rewrites the memory order of matching operations before the check runs. `site` is either
// the name of a core named_order (e.g. "array.stamp_publish") or "file:line", where file
// matches any suffix of the operation's path (e.g. "array.hpp:212").
struct order_override {
  std::string site;
  std::memory_order order;
};

struct options {
  const char* name = "check";
  search_mode mode = search_mode::exhaustive;
  memory_model model = memory_model::rc11;
  int max_threads = 5;             // model threads per execution, main included (<= 8)
  int preemption_bound = 2;        // dfs and random: max preemptions; -1 = unbounded
  // exhaustive: the reduction's preemption bound (bounded POR, models/README.md); -1 = unbounded
  int reduction_bound = -1;
  // exhaustive (unbounded): read-from-aware sleep sets — a sleeping load woken by a write to its
  // location stays asleep for the stores it could already read (models/README.md, "Search").
  // false: the plain sleep sets (SLUICE_MC_RF_SLEEP=0), to compare the two.
  bool rf_sleep = true;
  // exhaustive (unbounded): races the memory model already covers are not reversed
  // (models/README.md, "Races the memory model already covers"). rf_races: a store or RMW
  // followed by a plain load of its atomic (the load may read the older stores after it as well;
  // SLUICE_MC_RF_RACES). mo_races: two plain stores to one atomic (modification-order placement
  // reaches both orders; SLUICE_MC_MO_RACES). false: every race is reversed, to compare.
  bool rf_races = true;
  bool mo_races = true;
  // exhaustive (unbounded): two more kinds of race the memory model already covers
  // (models/README.md, same section). fence_races: two seq_cst fences are not a race (the SC
  // constraint graph, not the order they ran in, decides consistency; SLUICE_MC_FENCE_RACES).
  // rmw_races: a plain store followed by an RMW or compare-exchange of its atomic (the RMW may
  // read, before and after the store, the same older stores; SLUICE_MC_RMW_RACES).
  bool fence_races = true;
  bool rmw_races = true;
  // exhaustive (unbounded): the sleep sets for writes (models/README.md, same section). A
  // sleeping RMW or compare-exchange is not woken by a plain load of its atomic and, like a
  // sleeping load, stays asleep for the stores it could already read when a write to it runs; a
  // sleeping plain store is not woken by a lone load, store or RMW of its atomic; a sleeping
  // seq_cst fence is not woken by another one (with fence_races). SLUICE_MC_WRITE_SLEEP.
  bool write_sleep = true;
  // exhaustive with reduction_bound >= 0: sleep sets restricted to the threads whose move to the
  // front costs no preemption (models/README.md, "Sleep sets under a bound";
  // SLUICE_MC_BOUNDED_SLEEP=1). Off by default: with it one mutant escapes bounded POR.
  bool bounded_sleep = false;
  // Count distinct execution graphs (models/README.md, "Distinct execution graphs";
  // SLUICE_MC_GRAPHS): each completed execution that no sleep set cut short is reduced to a
  // canonical fingerprint (program order, reads-from, modification order, the other choices'
  // outcomes) and its 128-bit hash kept in a set; result::graphs reports the set's size.
  // 0 = off (the default, no cost); 1 = count; 2 = also print each new graph to stderr.
  int graphs = 0;
  std::uint64_t iterations = 0;    // 0: exhaustive = until exhausted, random/pct = 10000
  std::uint64_t seed = 0;          // random/pct: execution i uses seed mix(seed, i)
  // Stop after this many seconds of wall time (0 = no limit), reporting the executions run and
  // exhausted = false: for measuring how far a search gets (figures), never for a verdict.
  double time_budget = 0;
  std::uint64_t step_bound = 20000;  // scheduling points per execution before "livelock"
  int max_spurious = 1;            // spurious wake-ups + weak-CAS failures per execution
  int pct_depth = 3;               // PCT bug depth d (d - 1 priority change points)
  std::string replay;              // a replay string printed by a failure: rerun exactly it
  std::vector<order_override> overrides;
  std::string dot_path;            // where to write the DOT graph of a failure ("" = none)
  bool print_summary = true;
  bool print_failure = true;
  bool use_env = true;
};

struct result {
  failure_kind failure = failure_kind::none;
  std::string message;  // one-line description (both accesses for a race)
  std::string trace;    // the per-step trace of the failing execution
  std::string replay;   // pass as options::replay or SLUICE_MC_REPLAY to rerun it
  std::string dot;      // Graphviz DOT of the failing execution
  std::uint64_t executions = 0;
  std::uint64_t pruned = 0;  // exhaustive: executions (counted above) cut short by a sleep set
  bool exhausted = false;  // exhaustive/dfs explored the whole (bounded) space
  // options::graphs: distinct execution graphs among the executions (pruned ones excluded; a
  // failing execution counts, as the prefix up to its failure), and their 128-bit ids, sorted.
  std::uint64_t graphs = 0;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> graph_ids;
  double seconds = 0;
  bool passed() const noexcept { return failure == failure_kind::none; }
};

}  // namespace sluice::model
