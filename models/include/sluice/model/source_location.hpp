// sluice/model/source_location.hpp — the source position every model operation records.
//
// Contract: `sluice::model::source_location` is std::source_location where the standard
// library provides it (g++ 12), and otherwise (clang 14 with libstdc++, which lacks
// __builtin_source_location) a struct with the same current()/file_name()/line() interface
// built from __builtin_FILE/__builtin_LINE. Either way it is a defaulted trailing argument,
// so callers never write it.
#pragma once

#include <cstdint>
#if __has_include(<source_location>)
#include <source_location>
#endif

namespace sluice::model {

#if defined(__cpp_lib_source_location)
using source_location = std::source_location;
#else
class source_location {
 public:
  static constexpr source_location current(const char* file = __builtin_FILE(),
                                           unsigned line = __builtin_LINE(),
                                           const char* fn = __builtin_FUNCTION()) noexcept {
    source_location l;
    l.file_ = file;
    l.line_ = line;
    l.fn_ = fn;
    return l;
  }
  constexpr source_location() noexcept = default;
  constexpr const char* file_name() const noexcept { return file_; }
  constexpr const char* function_name() const noexcept { return fn_; }
  constexpr std::uint_least32_t line() const noexcept { return line_; }
  constexpr std::uint_least32_t column() const noexcept { return 0; }

 private:
  const char* file_ = "";
  const char* fn_ = "";
  std::uint_least32_t line_ = 0;
};
#endif

}  // namespace sluice::model
