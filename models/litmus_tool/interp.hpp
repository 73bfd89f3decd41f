// models/litmus_tool/interp.hpp — running a litmus program under the model checker.
//
// Contract: explore() runs every thread of the program as a model thread, the init block and
// the final reads on the checker's main thread, and returns each reachable final state of the
// observed names with the number of explored executions that ended in it. Atomic locations are
// sluice::model::platform atomics; plain `int` locations are model cells in a first pass (so
// the checker reports a data race), and, when that pass finds a race, relaxed atomics in a
// second pass that enumerates the states (herd flags a racy test but still lists its states).
// witness(state) re-runs the search until an execution ends in `state` and returns that
// execution as a graph (graph.hpp). Only the public checker API (sluice/model/...) is used.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "ast.hpp"
#include "graph.hpp"

namespace sluice::litmus {

using state = std::vector<std::int64_t>;  // one value per program::observe entry

struct run_config {
  std::string model = "cxx20";  // cxx20 | rc11
  int preemption_bound = -2;    // -2: -1 (unbounded) for up to 3 threads, 1 for more
  int spurious = 0;             // weak-CAS spurious failures per execution
};

struct exploration {
  std::map<state, std::uint64_t> states;  // reachable final state -> executions ending in it
  std::uint64_t executions = 0;
  double seconds = 0;
  bool exhausted = false;
  bool race = false;
  std::string race_text;  // the two racing accesses, by thread and litmus line
  std::string error;      // a failure other than a race (usage error, livelock...): the run is void
};

// Which model the checker was asked for and how: "options::model" or "SLUICE_MC_MODEL".
const char* model_mechanism();

class interpreter {
 public:
  interpreter(const program& p, run_config cfg);
  exploration explore();
  // An execution ending in `s`, or an empty graph (ok == false) if none is found.
  graph witness(const state& s);

 private:
  const program& p_;
  run_config cfg_;
};

}  // namespace sluice::litmus
