// sluice/detail/status.hpp — an operation's outcome inside core: every flavor and kind reports
// one; the handles turn a failure into the public errc (result.hpp) with to_errc().
#pragma once

#include "sluice/result.hpp"

namespace sluice::detail {
enum class status { ok, full, empty, closed, timed_out, cancelled };

constexpr errc to_errc(status s) noexcept {
  switch (s) {
    case status::full: return errc::full;
    case status::empty: return errc::empty;
    case status::timed_out: return errc::timed_out;
    case status::cancelled: return errc::cancelled;
    default: return errc::closed;
  }
}
}  // namespace sluice::detail
