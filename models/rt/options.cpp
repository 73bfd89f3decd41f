// models/rt/options.cpp — SLUICE_MC_* environment overrides and failure names.
//
// Contract: apply_env returns `in` with every set variable applied:
//   SLUICE_MC_MODE=exhaustive|dfs|random|pct  SLUICE_MC_PREEMPTIONS=<n, -1 unbounded>
//   SLUICE_MC_REDUCTION_BOUND=<n, -1 unbounded> (exhaustive: bounded POR)
//   SLUICE_MC_RF_SLEEP=0|1 (exhaustive: read-from-aware sleep sets, default 1)
//   SLUICE_MC_RF_RACES, _MO_RACES, _FENCE_RACES, _RMW_RACES, _WRITE_SLEEP=0|1 (exhaustive,
//   unbounded: the races the memory model already covers and the write sleep sets, default 1)
//   SLUICE_MC_GRAPHS=0|1|2 (count distinct execution graphs; 2 also prints each new one)
//   SLUICE_MC_MODEL=rc11|cxx20 (anything else: the process stops with a message)
//   SLUICE_MC_ITERATIONS=<n>  SLUICE_MC_SEED=<n>  SLUICE_MC_STEPS=<n>  SLUICE_MC_THREADS=<n>
//   SLUICE_MC_SPURIOUS=<n>    SLUICE_MC_PCT_DEPTH=<n>  SLUICE_MC_REPLAY=<replay string>
//   SLUICE_MC_DOT=<path>      SLUICE_MC_QUIET=1
//   SLUICE_MC_OVERRIDE=<site>=<order>[,<site>=<order>...]   (order: relaxed|acquire|release|
//                                                            acq_rel|seq_cst|consume)
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "execution.hpp"

namespace sluice::model {

const char* to_string(failure_kind k) noexcept {
  switch (k) {
    case failure_kind::none: return "none";
    case failure_kind::assertion: return "assertion";
    case failure_kind::data_race: return "data race";
    case failure_kind::deadlock: return "deadlock";
    case failure_kind::livelock: return "livelock";
    case failure_kind::leak: return "leak";
    case failure_kind::double_free: return "double free";
    case failure_kind::use_after_free: return "use after free";
    case failure_kind::invalid_free: return "invalid free";
    case failure_kind::usage: return "usage error";
    case failure_kind::nondeterminism: return "nondeterminism";
  }
  return "?";
}

namespace rt {

namespace {

bool parse_order(const std::string& s, std::memory_order& out) {
  static const std::pair<const char*, std::memory_order> names[] = {
      {"relaxed", std::memory_order::relaxed}, {"consume", std::memory_order::consume},
      {"acquire", std::memory_order::acquire}, {"release", std::memory_order::release},
      {"acq_rel", std::memory_order::acq_rel}, {"seq_cst", std::memory_order::seq_cst}};
  for (auto& [name, o] : names)
    if (s == name) {
      out = o;
      return true;
    }
  return false;
}

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : nullptr;
}

}  // namespace

options apply_env(const options& in) {
  options o = in;
  if (const char* v = env("SLUICE_MC_MODE")) {
    if (std::strcmp(v, "random") == 0) o.mode = search_mode::random;
    else if (std::strcmp(v, "pct") == 0) o.mode = search_mode::pct;
    else if (std::strcmp(v, "dfs") == 0) o.mode = search_mode::dfs;
    else o.mode = search_mode::exhaustive;
  }
  if (const char* v = env("SLUICE_MC_MODEL")) {
    if (std::strcmp(v, "rc11") == 0) o.model = memory_model::rc11;
    else if (std::strcmp(v, "cxx20") == 0) o.model = memory_model::cxx20;
    else {
      std::fprintf(stderr, "sluice model: SLUICE_MC_MODEL=%s: expected rc11 or cxx20\n", v);
      std::exit(2);
    }
  }
  if (const char* v = env("SLUICE_MC_PREEMPTIONS")) o.preemption_bound = std::atoi(v);
  if (const char* v = env("SLUICE_MC_REDUCTION_BOUND")) o.reduction_bound = std::atoi(v);
  if (const char* v = env("SLUICE_MC_RF_SLEEP")) o.rf_sleep = std::atoi(v) != 0;
  if (const char* v = env("SLUICE_MC_RF_RACES")) o.rf_races = std::atoi(v) != 0;
  if (const char* v = env("SLUICE_MC_MO_RACES")) o.mo_races = std::atoi(v) != 0;
  if (const char* v = env("SLUICE_MC_FENCE_RACES")) o.fence_races = std::atoi(v) != 0;
  if (const char* v = env("SLUICE_MC_RMW_RACES")) o.rmw_races = std::atoi(v) != 0;
  if (const char* v = env("SLUICE_MC_WRITE_SLEEP")) o.write_sleep = std::atoi(v) != 0;
  if (const char* v = env("SLUICE_MC_BOUNDED_SLEEP")) o.bounded_sleep = std::atoi(v) != 0;
  if (const char* v = env("SLUICE_MC_GRAPHS")) o.graphs = std::atoi(v);
  if (const char* v = env("SLUICE_MC_ITERATIONS")) o.iterations = std::strtoull(v, nullptr, 10);
  if (const char* v = env("SLUICE_MC_TIME_BUDGET")) o.time_budget = std::strtod(v, nullptr);
  if (const char* v = env("SLUICE_MC_SEED")) o.seed = std::strtoull(v, nullptr, 10);
  if (const char* v = env("SLUICE_MC_STEPS")) o.step_bound = std::strtoull(v, nullptr, 10);
  if (const char* v = env("SLUICE_MC_THREADS")) o.max_threads = std::atoi(v);
  if (const char* v = env("SLUICE_MC_SPURIOUS")) o.max_spurious = std::atoi(v);
  if (const char* v = env("SLUICE_MC_PCT_DEPTH")) o.pct_depth = std::atoi(v);
  if (const char* v = env("SLUICE_MC_REPLAY")) o.replay = v;
  if (const char* v = env("SLUICE_MC_DOT")) o.dot_path = v;
  if (env("SLUICE_MC_QUIET") != nullptr) o.print_summary = o.print_failure = false;
  if (const char* v = env("SLUICE_MC_OVERRIDE")) {
    std::string all = v;
    std::size_t start = 0;
    while (start < all.size()) {
      std::size_t end = all.find(',', start);
      if (end == std::string::npos) end = all.size();
      std::string item = all.substr(start, end - start);
      std::size_t eq = item.rfind('=');
      std::memory_order mo;
      if (eq != std::string::npos && parse_order(item.substr(eq + 1), mo))
        o.overrides.push_back({item.substr(0, eq), mo});
      start = end + 1;
    }
  }
  return o;
}

}  // namespace rt
}  // namespace sluice::model
