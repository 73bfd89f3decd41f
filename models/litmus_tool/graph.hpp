// models/litmus_tool/graph.hpp — one execution as a CppMem-style graph: events and relations.
//
// Contract: build_graph() turns a failing check's result (its event trace and its DOT, the
// checker's public report of an execution; see interp.cpp for how a chosen outcome is made to
// "fail") into litmus-level events: the init writes, then each thread's memory events labelled
// from the litmus program ("W_rel x=1", "R_acq y=0", "RMW_sc x 0->1", "F_sc"). Relations:
// sb (program order), rf, mo and sw as the checker recorded them, and sc: a total order of the
// seq_cst events consistent with (sb | sw | rf | mo | rb)+ of this execution, derived here
// (the checker keeps only constraints on S, not S itself). to_dot() writes Graphviz; to_svg()
// lays the graph out itself (one column per thread), so pages render without Graphviz.
// Colours (CppMem's): sb black, rf red, mo blue, sw dark green, sc orange.
#pragma once

#include <string>
#include <vector>

namespace sluice::litmus {

struct gnode {
  int thread = -1;  // -1: an init write
  int index = 0;    // position in its thread (or among the init writes)
  std::string label;
  int line = 0;     // litmus source line (0 for init writes)
  bool sc = false;  // a seq_cst access or fence
};

struct gedge {
  int from = 0;
  int to = 0;
  std::string kind;  // sb rf mo sw sc
};

struct graph {
  bool ok = false;
  int nthreads = 0;
  std::vector<gnode> nodes;
  std::vector<gedge> edges;
};

// What the interpreter recorded for one memory event of a litmus thread.
struct event_label {
  std::string label;
  int line = 0;
  bool sc = false;
};

// trace/dot: sluice::model::result::trace and ::dot of the execution. init: one label per
// location, in creation order. ops[t]: thread t's memory events in program order.
graph build_graph(const std::string& trace, const std::string& dot, const std::vector<std::string>& init,
                  const std::vector<std::vector<event_label>>& ops);

std::string to_dot(const graph& g, const std::string& title);
std::string to_svg(const graph& g, const std::string& title);

const char* edge_colour(const std::string& kind);

}  // namespace sluice::litmus
