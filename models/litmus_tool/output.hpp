// models/litmus_tool/output.hpp — herd7's result format, JSON and the HTML page.
//
// Contract: a `report` is one test's exploration judged against its condition. herd_text()
// prints herd7's block (Test, States, the states, Ok/No, Witnesses, Flag, Condition,
// Observation, Time) so that it can be diffed against herd7's output, followed by the
// checker's own lines (Executions, per-state counts) that herd does not print. Positive and
// Negative count explored executions (schedules), not herd's candidate executions, so they
// differ from herd's; States and the verdicts are comparable.
#pragma once

#include <string>
#include <vector>

#include "ast.hpp"
#include "graph.hpp"
#include "interp.hpp"

namespace sluice::litmus {

struct report {
  const program* p = nullptr;
  std::string file;
  std::string model;
  int preemption_bound = -1;
  exploration x;
  std::vector<state> states;           // in herd's order (sorted)
  std::vector<std::uint64_t> counts;   // per state
  std::vector<bool> satisfies;         // per state: the condition's proposition holds
  std::vector<graph> graphs;           // per state, when graphs were asked for
  std::uint64_t positive = 0, negative = 0;
  bool ok = false;
  const char* observation = "Never";   // Always / Sometimes / Never (for the proposition)
};

report judge(const program& p, const std::string& file, const std::string& model, int bound, exploration x);
std::string state_text(const program& p, const state& s);  // "0:r0=1; x=2;"
std::string condition_text(const program& p);              // "exists (0:r0=1 /\ x=2)"
std::string herd_text(const report& r);
std::string json_text(const std::vector<report>& rs);
std::string html_page(const std::vector<report>& rs, const std::string& title);

}  // namespace sluice::litmus
