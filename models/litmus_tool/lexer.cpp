// models/litmus_tool/lexer.cpp — see lexer.hpp.
#include "lexer.hpp"

#include <cctype>

namespace sluice::litmus {

std::vector<token> tokenize(const std::string& s, const std::string& file) {
  std::vector<token> out;
  int line = 1;
  std::size_t i = 0;
  auto fail = [&](const std::string& msg) { throw parse_error(file + ":" + std::to_string(line) + ": " + msg); };
  auto push = [&](token::kind k, std::string t) { out.push_back({k, std::move(t), line}); };
  while (i < s.size()) {
    char c = s[i];
    if (c == '\n') {
      ++line;
      ++i;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (s.compare(i, 2, "//") == 0) {
      while (i < s.size() && s[i] != '\n') ++i;
    } else if (s.compare(i, 2, "/*") == 0 || s.compare(i, 2, "(*") == 0) {
      const char* close = s[i] == '/' ? "*/" : "*)";
      int start = line;
      i += 2;
      while (i < s.size() && s.compare(i, 2, close) != 0) line += s[i++] == '\n';
      if (i >= s.size()) {
        line = start;
        fail("unterminated comment");
      }
      i += 2;
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      std::size_t j = i;
      while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_')) ++j;
      push(token::kind::ident, s.substr(i, j - i));
      i = j;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      std::size_t j = i;
      if (s.compare(i, 2, "0x") == 0 || s.compare(i, 2, "0X") == 0) j += 2;
      while (j < s.size() && std::isxdigit(static_cast<unsigned char>(s[j]))) ++j;
      push(token::kind::number, s.substr(i, j - i));
      i = j;
    } else if (c == '"') {
      std::size_t j = i + 1;
      while (j < s.size() && s[j] != '"') line += s[j++] == '\n';
      if (j >= s.size()) fail("unterminated string");
      push(token::kind::string, s.substr(i + 1, j - i - 1));
      i = j + 1;
    } else {
      static const char* multi[] = {"/\\", "\\/", "=>", "==", "!=", "<=", ">=", "&&", "||", "->"};
      bool matched = false;
      for (const char* m : multi)
        if (s.compare(i, 2, m) == 0) {
          push(token::kind::punct, m);
          i += 2;
          matched = true;
          break;
        }
      if (matched) continue;
      if (std::string("{}()[];,*&=<>+-!~^|:%/").find(c) == std::string::npos)
        fail(std::string("unexpected character '") + c + "'");
      push(token::kind::punct, std::string(1, c));
      ++i;
    }
  }
  push(token::kind::end, "end of file");
  return out;
}

}  // namespace sluice::litmus
