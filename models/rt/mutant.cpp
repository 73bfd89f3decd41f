// models/rt/mutant.cpp — structural mutants: SLUICE_MC_MUTANT names the fixes core leaves out
// (core's detail::mutant<P>, relacy_tests/mutants/structural_mutants.txt). Read once.
#include <cstdlib>
#include <string>

#include "sluice/model/runtime.hpp"

namespace sluice::model::rt {

bool mutant_enabled(const char* name) noexcept {
  // Built by appending: g++ 12 -O3 misreports "literal" + std::string&& as -Wrestrict.
  const auto fenced = [](const char* s) {
    std::string out(1, ',');
    out.append(s ? s : "").push_back(',');
    return out;
  };
  static const std::string names = fenced(std::getenv("SLUICE_MC_MUTANT"));
  return names.find(fenced(name)) != std::string::npos;
}

}  // namespace sluice::model::rt
