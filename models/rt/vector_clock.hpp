// models/rt/vector_clock.hpp — happens-before as one counter per model thread.
//
// Contract: c[t] is the latest event of thread t known to happen before the owner's current
// point. Each thread ticks its own entry once per visible operation, so an event (t, ts)
// happens before a point with clock c iff ts <= c[t].
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>

#include "sluice/model/options.hpp"

namespace sluice::model::rt {

struct vector_clock {
  std::array<std::uint32_t, max_model_threads> c{};

  void join(const vector_clock& o) noexcept {
    for (int i = 0; i < max_model_threads; ++i) c[i] = std::max(c[i], o.c[i]);
  }
  bool knows(int tid, std::uint32_t ts) const noexcept { return ts <= c[tid]; }
  std::uint32_t operator[](int tid) const noexcept { return c[tid]; }
  void clear() noexcept { c.fill(0); }
};

}  // namespace sluice::model::rt
