// models/litmus_tool/lexer.hpp — tokens of a C litmus file.
//
// Contract: tokenize(text) returns identifiers, integers, strings and punctuation with their
// lines; C comments (// and /* */) and herd's OCaml comments ((* *)) are dropped. The
// multi-character operators of conditions (/\ \/ => ~) and of C (== != <= >= && || ->) are
// single tokens. An unknown character throws parse_error naming its line.
#pragma once

#include <string>
#include <vector>

#include "parser.hpp"

namespace sluice::litmus {

struct token {
  enum class kind { ident, number, string, punct, end };
  kind k = kind::end;
  std::string text;
  int line = 0;
};

std::vector<token> tokenize(const std::string& text, const std::string& file);

}  // namespace sluice::litmus
