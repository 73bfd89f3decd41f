// sluice/detail/deadline.hpp — the one conversion of a caller's deadline or timeout into the
// platform clock's time_point (every `_for` / `_until`, select's deadlines, the async forms).
//
// Contract: saturation, for any clock and duration type. A deadline at or before now
// (time_point::min() included) or a timeout <= 0 gives a time <= now: the operation times out
// at once (after its one non-blocking attempt). A deadline or timeout beyond the platform
// clock's range gives time_point::max(), "never" to every wait (parkers compute only
// `deadline - now`). "Beyond" is decided in floating point before any integer conversion, with
// a margin of half the range (146 years for a nanosecond clock), so nothing below overflows.
// Another clock's deadline goes through its now() (once) and the platform's now(): a duration
// from now, so the clocks' epochs never meet.
#pragma once

#include <chrono>
#include <type_traits>

namespace sluice::detail {
// `d` in To, rounded up, clamped to To::min() / To::max() when its magnitude reaches half of
// To's range (so the exact integer conversion it otherwise does cannot overflow).
template <class To, class Rep, class Period>
constexpr To saturating_ceil(std::chrono::duration<Rep, Period> d) noexcept {
  using wide = std::chrono::duration<long double, typename To::period>;
  const long double w = std::chrono::duration_cast<wide>(d).count();
  const long double half = static_cast<long double>(To::max().count()) / 2;
  if (w >= half) return To::max();
  if (w <= -half) return To::min();
  if constexpr (std::is_floating_point_v<typename To::rep>)
    return std::chrono::duration_cast<To>(d);
  else
    return std::chrono::ceil<To>(d);
}

// now + d on the platform clock, saturating (see the header).
template <class P, class Rep, class Period>
typename P::clock::time_point deadline_after(std::chrono::duration<Rep, Period> d) {
  using time_point = typename P::clock::time_point;
  using duration = typename P::clock::duration;
  const time_point now = P::clock::now();
  if (!(d > d.zero())) return now;
  const duration step = saturating_ceil<duration>(d);
  // now <= max/2 for any real clock (a nanosecond steady clock since boot: 146 years), so
  // max() - now cannot overflow.
  if (step == duration::max() || step >= time_point::max() - now) return time_point::max();
  return now + step;
}

// A deadline of any clock and duration as a platform time point, saturating.
template <class P, class Clock, class Duration>
typename P::clock::time_point to_platform_time(std::chrono::time_point<Clock, Duration> tp) {
  using time_point = typename P::clock::time_point;
  constexpr bool ours = std::is_same_v<Clock, typename P::clock>;
  using duration = std::conditional_t<ours, typename P::clock::duration, typename Clock::duration>;
  const duration at = saturating_ceil<duration>(tp.time_since_epoch());
  if (at == duration::max()) return time_point::max();
  if (at == duration::min()) return time_point::min();
  if constexpr (ours)
    return time_point(at);
  else  // both within half the range: the difference cannot overflow
    return deadline_after<P>(at - Clock::now().time_since_epoch());
}
}  // namespace sluice::detail
