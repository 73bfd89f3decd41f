// models/rt/coverage.cpp — SLUICE_MC_COVERAGE: the named orderings each check executes.
//
// Contract: see sluice/model/coverage.hpp. Keys are pointers (the check's name, the order's
// name literal) so the per-operation cost is a set lookup; the strings are copied when a key is
// first seen, because a check's name may not outlive the check. Written once, at exit.
#include "sluice/model/coverage.hpp"

#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <tuple>

#include "execution.hpp"

namespace sluice::model::rt {

namespace {

const char* use_name(order_use u) noexcept {
  switch (u) {
    case order_use::load: return "load";
    case order_use::store: return "store";
    case order_use::rmw: return "rmw";
    case order_use::cas_success: return "cas_success";
    case order_use::cas_failure: return "cas_failure";
    case order_use::fence: return "fence";
  }
  return "?";
}

struct coverage {
  const char* path = nullptr;
  std::set<std::tuple<const void*, const void*, order_use>> seen;
  std::set<std::string> lines;

  coverage() {
    const char* v = std::getenv("SLUICE_MC_COVERAGE");
    if (v != nullptr && *v != '\0') path = v;
  }
  ~coverage() {
    if (path == nullptr || lines.empty()) return;
    std::FILE* f = std::fopen(path, "a");
    if (f == nullptr) return;
    for (const std::string& l : lines) std::fprintf(f, "%s\n", l.c_str());
    std::fclose(f);
  }
};

coverage& registry() {
  static coverage c;
  return c;
}

}  // namespace

void note_order(const char* name, order_use use) noexcept {
  coverage& c = registry();
  if (c.path == nullptr || name == nullptr || !active()) return;
  const char* check = g_ex.opts.name != nullptr ? g_ex.opts.name : "check";
  if (!c.seen.emplace(check, name, use).second) return;
  c.lines.insert(std::string(check) + '\t' + name + '\t' + use_name(use));
}

}  // namespace sluice::model::rt
