// sluice/detail/status.hpp — the outcome of one operation inside core, before it becomes a
// public result.
//
// Contract: every flavor and kind reports an attempt or a wait as a `status`; the handles turn
// a failure into the public errc (result.hpp) with to_errc(). ok never reaches to_errc.
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
