// bench/harness/alloc_hook.cpp — replaces the global operator new/delete to count allocations.
//
// Counting is off by default (a single relaxed load per call, so timed runs are unaffected) and
// is switched on only by the single-threaded memory probe. While on, each live block's requested
// size is kept in a side table so that "live bytes" means bytes the program asked for (the same
// quantity a Rust GlobalAlloc sees), not malloc's rounded-up usable size.
#include "alloc_hook.hpp"

#include <cstdlib>
#include <malloc.h>
#include <new>
#include <unordered_map>

namespace bench::alloc {
namespace {
std::atomic<bool> g_on{false};
thread_local bool t_in_hook = false;
std::size_t g_live = 0, g_allocs = 0, g_frees = 0, g_usable = 0;

std::unordered_map<void*, std::size_t>& table() {
  static auto* t = new std::unordered_map<void*, std::size_t>();  // never destroyed
  return *t;
}

void note_alloc(void* p, std::size_t n) {
  if (!p || !g_on.load(std::memory_order_relaxed) || t_in_hook) return;
  t_in_hook = true;
  table()[p] = n;
  g_live += n;
  g_usable += malloc_usable_size(p);
  ++g_allocs;
  t_in_hook = false;
}

void note_free(void* p) {
  if (!p || !g_on.load(std::memory_order_relaxed) || t_in_hook) return;
  t_in_hook = true;
  auto& t = table();
  auto it = t.find(p);
  if (it != t.end()) {
    g_live -= it->second;
    g_usable -= malloc_usable_size(p);
    ++g_frees;
    t.erase(it);
  }
  t_in_hook = false;
}

void* do_alloc(std::size_t n, std::size_t align) {
  if (n == 0) n = 1;
  void* p;
  if (align > __STDCPP_DEFAULT_NEW_ALIGNMENT__) {
    std::size_t rounded = (n + align - 1) / align * align;
    p = std::aligned_alloc(align, rounded);
  } else {
    p = std::malloc(n);
  }
  if (!p) throw std::bad_alloc();
  note_alloc(p, n);
  return p;
}

void do_free(void* p) {
  note_free(p);
  std::free(p);
}
}  // namespace

void start() {
  table().reserve(1 << 16);
  g_live = g_allocs = g_frees = g_usable = 0;
  table().clear();
  g_on.store(true);
}
void stop() { g_on.store(false); }
counters now() { return {g_live, g_allocs, g_frees, g_usable}; }

}  // namespace bench::alloc

void* operator new(std::size_t n) { return bench::alloc::do_alloc(n, 0); }
void* operator new[](std::size_t n) { return bench::alloc::do_alloc(n, 0); }
void* operator new(std::size_t n, std::align_val_t a) {
  return bench::alloc::do_alloc(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a) {
  return bench::alloc::do_alloc(n, static_cast<std::size_t>(a));
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return bench::alloc::do_alloc(n, 0);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return bench::alloc::do_alloc(n, 0);
  } catch (...) {
    return nullptr;
  }
}
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  try {
    return bench::alloc::do_alloc(n, static_cast<std::size_t>(a));
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  try {
    return bench::alloc::do_alloc(n, static_cast<std::size_t>(a));
  } catch (...) {
    return nullptr;
  }
}
void operator delete(void* p) noexcept { bench::alloc::do_free(p); }
void operator delete[](void* p) noexcept { bench::alloc::do_free(p); }
void operator delete(void* p, std::size_t) noexcept { bench::alloc::do_free(p); }
void operator delete[](void* p, std::size_t) noexcept { bench::alloc::do_free(p); }
void operator delete(void* p, std::align_val_t) noexcept { bench::alloc::do_free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { bench::alloc::do_free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { bench::alloc::do_free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
  bench::alloc::do_free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept { bench::alloc::do_free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { bench::alloc::do_free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  bench::alloc::do_free(p);
}
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  bench::alloc::do_free(p);
}
