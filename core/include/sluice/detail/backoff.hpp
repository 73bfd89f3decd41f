// sluice/detail/backoff.hpp — bounded exponential backoff for retry loops.
//
// Contract: spin() waits 2^step spin hints (step capped at spin_limit); snooze() does the same
// while step <= spin_limit, then yields the processor; is_completed() says the caller should
// stop retrying and register to wait. The limits follow crossbeam-utils' Backoff (spin limit 6,
// yield limit 10); a platform can lower them with P::spin_budget (the model checker does, to
// keep every spin a small number of scheduling points).
#pragma once

#include "sluice/platform.hpp"

namespace sluice::detail {
template <class P>
class backoff {
 public:
  static constexpr int budget = platform_traits<P>::spin_budget;
  static constexpr int spin_limit = budget < 6 ? budget : 6;
  static constexpr int yield_limit = budget < 6 ? budget : 10;

  void spin() noexcept {
    const int n = 1 << (step_ < spin_limit ? step_ : spin_limit);
    for (int i = 0; i < n; ++i) P::spin_hint();
    if (step_ <= spin_limit) ++step_;
  }

  void snooze() noexcept {
    if (step_ <= spin_limit) {
      const int n = 1 << step_;
      for (int i = 0; i < n; ++i) P::spin_hint();
    } else {
      P::yield_now();
    }
    if (step_ <= yield_limit) ++step_;
  }

  bool is_completed() const noexcept { return step_ > yield_limit; }

 private:
  int step_ = 0;
};
}  // namespace sluice::detail
