// relacy_tests/support/table.hpp — an entry of the scenario table (scenarios/all.hpp), its tags,
// and how a runner selects entries.
//
// Every entry carries three tags, set where it is registered:
//   group   what it exercises: channel (the MPMC flavors), oneshot, broadcast, watermark, spsc,
//           mpsc, select, async (coroutines on the channels), async_select (async_select and
//           the async deadlines)
//   flavor  the channel flavor (bounded1, bounded2, rendezvous, unbounded; ring1, list, ... for
//           spsc); empty for a kind without flavors
//   weight  light: the model tier searches it exhaustively at preemption bound 2; heavy: three
//           or more busy threads, or a spin the exhaustive search cannot finish, so the fast
//           model tier samples it (random, PCT) and the deep tier searches it longer
// A tier's ctest entry names tags, never name fragments: `--tag channel --tag bounded1 --tag
// light`. Each --tag is a comma list of which the entry must carry one; every --tag must hold.
// --filter / --exclude (a substring of the name) remain for picking single scenarios (a mutant's
// witness, one scenario across flavors, a replay).
#pragma once

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/common.hpp"

namespace sluice::verif {

enum class weight { light, heavy };

inline const char* weight_name(weight w) noexcept { return w == weight::heavy ? "heavy" : "light"; }

struct scenario {
  std::string name;
  void (*run)(const config&);
  std::string group;
  std::string flavor;
  weight cost = weight::light;

  bool has_tag(std::string_view t) const {
    return t == group || (!flavor.empty() && t == flavor) || t == weight_name(cost);
  }
};

// A name matches when it contains any of the filters (or there are none).
inline bool matches(const std::string& name, const std::vector<std::string>& filters) {
  if (filters.empty()) return true;
  for (const auto& f : filters)
    if (name.find(f) != std::string::npos) return true;
  return false;
}

// The scenario-choosing options every runner shares: --tag A[,B...], --filter S, --exclude S.
struct selection {
  std::vector<std::vector<std::string>> tags;  // all must hold; each: one of its list
  std::vector<std::string> filters;
  std::vector<std::string> excludes;

  // Consumes argv[i] (and its value) when it is a selection option.
  bool parse(int argc, char** argv, int& i) {
    if (i + 1 >= argc) return false;
    if (std::strcmp(argv[i], "--filter") == 0) filters.emplace_back(argv[++i]);
    else if (std::strcmp(argv[i], "--exclude") == 0) excludes.emplace_back(argv[++i]);
    else if (std::strcmp(argv[i], "--tag") == 0) {
      std::vector<std::string> any;
      std::string_view list = argv[++i];
      for (std::size_t at = 0; at <= list.size();) {
        const std::size_t comma = std::min(list.find(',', at), list.size());
        any.emplace_back(list.substr(at, comma - at));
        at = comma + 1;
      }
      tags.push_back(std::move(any));
    } else {
      return false;
    }
    return true;
  }

  bool selects(const scenario& s) const {
    for (const auto& any : tags) {
      bool held = false;
      for (const auto& t : any) held = held || s.has_tag(t);
      if (!held) return false;
    }
    return matches(s.name, filters) && (excludes.empty() || !matches(s.name, excludes));
  }

  // The entries of `table` this selection keeps; a tag no entry carries (a typo) is an error,
  // reported on stderr (an empty result).
  std::vector<scenario> choose(const std::vector<scenario>& table, const char* who) const {
    for (const auto& any : tags)
      for (const auto& t : any) {
        bool known = false;
        for (const auto& s : table) known = known || s.has_tag(t);
        if (!known) {
          std::fprintf(stderr, "%s: no scenario carries the tag '%s'\n", who, t.c_str());
          return {};
        }
      }
    std::vector<scenario> out;
    for (const auto& s : table)
      if (selects(s)) out.push_back(s);
    return out;
  }
};

}  // namespace sluice::verif
