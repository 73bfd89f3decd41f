// bench/harness/alloc_hook.hpp — allocation counting for the memory probe (see alloc_hook.cpp).
#pragma once

#include <atomic>
#include <cstddef>

namespace bench::alloc {

struct counters {
  std::size_t live_bytes;    // requested bytes of blocks allocated since start() and still live
  std::size_t allocs;        // allocations since start()
  std::size_t frees;         // frees (of blocks allocated since start())
  std::size_t live_usable;   // malloc_usable_size of the same live blocks
};

void start();  // reset the counters and begin counting (single-threaded use only)
void stop();
counters now();

}  // namespace bench::alloc
