// models/litmus_tool/parser.hpp — reading herd7's C litmus format.
//
// Contract: parse(text, file) returns the program or throws parse_error whose what() is
// "file:line: message". Every construct outside the supported subset (README, "Litmus tests")
// is an error naming its line; nothing is skipped silently.
#pragma once

#include <stdexcept>
#include <string>

#include "ast.hpp"

namespace sluice::litmus {

struct parse_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

program parse(const std::string& text, const std::string& file);

}  // namespace sluice::litmus
