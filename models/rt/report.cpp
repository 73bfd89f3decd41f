// models/rt/report.cpp — the failure trace and the execution graph.
//
// Contract: format_trace() prints one line per event of the current execution:
//   step  thread  operation  order[name]  value  rf=<store>(stale?)  file:line
// where a store is named "S<event step>" (the step that wrote it; "S-init" for a value that
// existed before the execution). format_dot() renders the same events as a Graphviz digraph in
// the style of CppMem: one column (cluster) per thread, black sb edges, red rf, blue mo (per
// location, consecutive stores), green sw (release to the acquire that synchronized with it).
#include <cstdio>
#include <initializer_list>
#include <string>
#include <string_view>

#include "execution.hpp"

namespace sluice::model::rt {

const char* op_name(op_kind k) noexcept {
  switch (k) {
    case op_kind::init: return "init";
    case op_kind::load: return "load";
    case op_kind::store: return "store";
    case op_kind::rmw: return "rmw";
    case op_kind::cas_fail: return "cas-fail";
    case op_kind::fence: return "fence";
    case op_kind::cell_read: return "cell-read";
    case op_kind::cell_write: return "cell-write";
    case op_kind::spawn: return "spawn";
    case op_kind::join: return "join";
    case op_kind::finish: return "finish";
    case op_kind::park: return "park";
    case op_kind::unpark: return "unpark";
    case op_kind::lock: return "lock";
    case op_kind::unlock: return "unlock";
    case op_kind::yield: return "yield";
    case op_kind::delay: return "delay";
    case op_kind::alloc: return "alloc";
    case op_kind::free: return "free";
    case op_kind::random: return "random";
  }
  return "?";
}

const char* order_name(std::memory_order o) noexcept {
  switch (o) {
    case std::memory_order::relaxed: return "rlx";
    case std::memory_order::consume: return "con";
    case std::memory_order::acquire: return "acq";
    case std::memory_order::release: return "rel";
    case std::memory_order::acq_rel: return "acq_rel";
    case std::memory_order::seq_cst: return "sc";
  }
  return "?";
}

std::string describe(const source_location& loc) {
  std::string f = loc.file_name() != nullptr ? loc.file_name() : "?";
  auto slash = f.rfind('/');
  if (slash != std::string::npos) {
    auto prev = f.rfind('/', slash - 1);  // keep one directory for context
    f = f.substr(prev == std::string::npos ? 0 : prev + 1);
  }
  return f + ":" + std::to_string(loc.line());
}

namespace {

// Joins the parts into one string. Used instead of `"literal" + std::string&&`: g++ 12 at -O2
// inlines that operator's insert-at-front and then reports a false -Wrestrict overlap (GCC bug
// 105329); appending to a reserved string has no insert, so nothing to misjudge.
std::string cat(std::initializer_list<std::string_view> parts) {
  std::size_t n = 0;
  for (std::string_view p : parts) n += p.size();
  std::string out;
  out.reserve(n);
  for (std::string_view p : parts) out += p;
  return out;
}

bool is_atomic(op_kind k) {
  return k == op_kind::init || k == op_kind::load || k == op_kind::store || k == op_kind::rmw ||
         k == op_kind::cas_fail || k == op_kind::fence;
}

std::string store_name(std::uint32_t sid) {
  const execution& e = g_ex;
  if (sid == none) return "-";
  std::uint32_t ev = e.stores[sid].event;
  return ev == none ? "S-init" : cat({"S", std::to_string(e.events[ev].step)});
}

std::string hex(std::uint64_t v) {
  char buf[32];
  if (v < 1000000) std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(v));
  else std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string value_text(const event& ev) {
  switch (ev.kind) {
    case op_kind::init:
    case op_kind::store: return cat({"= ", hex(ev.value)});
    case op_kind::load:
    case op_kind::cas_fail: return cat({"-> ", hex(ev.value)});
    case op_kind::rmw: return cat({hex(ev.value2), " -> ", hex(ev.value)});
    case op_kind::spawn: return cat({"thread ", hex(ev.value)});
    case op_kind::join: return cat({"thread ", hex(ev.value)});
    case op_kind::alloc: return hex(ev.value) + " bytes";
    case op_kind::random: return "-> " + std::to_string(ev.value) + " of " + std::to_string(ev.value2);
    default: return ev.note != nullptr ? ev.note : "";
  }
}

std::string target_text(const event& ev) {
  if (ev.loc == none) return "";
  if (ev.kind == op_kind::cell_read || ev.kind == op_kind::cell_write) return cat({"cell", std::to_string(ev.loc)});
  if (ev.kind == op_kind::park || ev.kind == op_kind::unpark) return cat({"P", std::to_string(ev.loc)});
  if (ev.kind == op_kind::lock || ev.kind == op_kind::unlock) return cat({"L", std::to_string(ev.loc)});
  return cat({"A", std::to_string(ev.loc)});
}

}  // namespace

std::string format_trace() {
  const execution& e = g_ex;
  std::string out = "step  thr  operation   order           location  value                   reads-from        source\n";
  char line[512];
  for (const event& ev : e.events) {
    std::string order;
    if (is_atomic(ev.kind) && ev.kind != op_kind::init) {
      order = order_name(ev.order);
      if (ev.order_name != nullptr) order += std::string("[") + ev.order_name + "]";
    }
    std::string rf;
    if (ev.rf != none) rf = store_name(ev.rf) + (ev.stale ? " (stale)" : "");
    std::string val = value_text(ev);
    if (ev.note != nullptr && ev.kind != op_kind::park && ev.kind != op_kind::unpark && ev.kind != op_kind::lock &&
        ev.kind != op_kind::unlock)
      val += std::string(" ") + ev.note;
    std::snprintf(line, sizeof line, "%4u  T%-2u  %-10s  %-14s  %-8s  %-22s  %-16s  %s\n", ev.step, ev.tid,
                  op_name(ev.kind), order.c_str(), target_text(ev).c_str(), val.c_str(), rf.c_str(),
                  describe(ev.src).c_str());
    out += line;
  }
  return out;
}

std::string format_dot() {
  const execution& e = g_ex;
  std::string out = "digraph execution {\n  rankdir=TB;\n  node [shape=box, fontname=monospace, fontsize=10];\n";
  auto node = [](std::uint32_t i) { return cat({"e", std::to_string(i)}); };
  for (int t = 0; t < e.nthreads; ++t) {
    out += cat({"  subgraph cluster_t", std::to_string(t), " {\n    label=\"thread ", std::to_string(t), "\";\n"});
    std::uint32_t prev = none;
    for (std::uint32_t i = 0; i < e.events.size(); ++i) {
      const event& ev = e.events[i];
      if (ev.tid != t) continue;
      std::string label = std::to_string(ev.step) + ": " + op_name(ev.kind);
      if (is_atomic(ev.kind) && ev.kind != op_kind::init) label += std::string(" ") + order_name(ev.order);
      label += cat({" ", target_text(ev), " ", value_text(ev), "\\n", describe(ev.src)});
      out += cat({"    ", node(i), " [label=\"", label, "\"];\n"});
      if (prev != none) out += cat({"    ", node(prev), " -> ", node(i), " [label=sb];\n"});
      prev = i;
    }
    out += "  }\n";
  }
  for (std::uint32_t i = 0; i < e.events.size(); ++i) {
    const event& ev = e.events[i];
    if (ev.rf != none && e.stores[ev.rf].event != none)
      out += cat({"  ", node(e.stores[ev.rf].event), " -> ", node(i), " [label=rf, color=red, fontcolor=red];\n"});
    if (ev.sw_from != none && ev.sw_from != i)
      out += cat({"  ", node(ev.sw_from), " -> ", node(i), " [label=sw, color=darkgreen, fontcolor=darkgreen];\n"});
  }
  for (std::size_t l = 0; l < e.nlocs; ++l) {
    const auto& mo = e.locs[l].mo;
    for (std::size_t k = 1; k < mo.size(); ++k) {
      std::uint32_t a = e.stores[mo[k - 1]].event, b = e.stores[mo[k]].event;
      if (a != none && b != none)
        out += cat({"  ", node(a), " -> ", node(b), " [label=mo, color=blue, fontcolor=blue, constraint=false];\n"});
    }
  }
  out += "}\n";
  return out;
}

}  // namespace sluice::model::rt
