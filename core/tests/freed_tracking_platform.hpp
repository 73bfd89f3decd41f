// core/tests/freed_tracking_platform.hpp — std_platform whose allocations (channel state,
// operation frames, resume shims) are recorded, so a test can ask whether a block is already
// freed without touching it (no UB needed to see a use after free coming).
#pragma once

#include <mutex>
#include <unordered_set>

#include "sluice/std_platform.hpp"

namespace sluice_test {

struct freed_tracking_platform : sluice::std_platform {
  static inline std::mutex m;
  static inline std::unordered_set<void*> freed;
  static void* allocate(std::size_t bytes, std::size_t align) {
    void* p = sluice::std_platform::allocate(bytes, align);
    std::lock_guard lk(m);
    freed.erase(p);
    return p;
  }
  static void deallocate(void* p, std::size_t bytes, std::size_t align) noexcept {
    {
      std::lock_guard lk(m);
      freed.insert(p);
    }
    sluice::std_platform::deallocate(p, bytes, align);
  }
  static bool is_freed(const void* p) {
    std::lock_guard lk(m);
    return freed.count(const_cast<void*>(p)) != 0;
  }
};
static_assert(sluice::platform<freed_tracking_platform>);

}  // namespace sluice_test
