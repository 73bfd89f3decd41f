// models/rt/mutant.cpp — structural mutants: SLUICE_MC_MUTANT names the fixes core leaves out
// (core's detail::mutant<P>, relacy_tests/mutants/structural_mutants.txt). Read once.
#include <cstdlib>
#include <string>

#include "sluice/model/runtime.hpp"

namespace sluice::model::rt {

bool mutant_enabled(const char* name) noexcept {
  static const std::string names = [] {
    const char* v = std::getenv("SLUICE_MC_MUTANT");
    return "," + std::string(v ? v : "") + ",";
  }();
  return names.find("," + std::string(name) + ",") != std::string::npos;
}

}  // namespace sluice::model::rt
