// sluice/std_platform.hpp — the real platform: std::atomic, a futex parker, steady_clock.
//
// Contract: satisfies sluice::platform (see platform.hpp for the meaning of each member).
// This header and std_parker.hpp are the only files in core/ that may name std::atomic,
// std::thread, std::this_thread, a clock's now(), futex calls or operator new for shared
// state (tools/check_platform_seam.sh enforces it).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <new>
#include <stop_token>
#include <thread>
#include <utility>

#include "sluice/platform.hpp"
#include "sluice/std_parker.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace sluice {
struct std_platform {
  template <class T>
  using atomic = std::atomic<T>;

  // Plain shared memory. Zero cost: with/with_mut hand the callable a pointer.
  template <class T>
  class cell {
   public:
    template <class... Args>
    explicit cell(Args&&... args) : value_(std::forward<Args>(args)...) {}
    cell(const cell&) = delete;
    cell& operator=(const cell&) = delete;

    template <class F>
    decltype(auto) with(F&& f) const {
      return std::forward<F>(f)(static_cast<const T*>(&value_));
    }
    template <class F>
    decltype(auto) with_mut(F&& f) {
      return std::forward<F>(f)(&value_);
    }

   private:
    T value_;
  };

  using clock = std::chrono::steady_clock;
  template <class F>
  using stop_callback = std::stop_callback<F>;
  // sched_yield rounds before the parker sleeps on its futex (std_parker.hpp). A decorator
  // that changes it re-declares `parker` with its own count (bench/parker_ab.sh does).
  static constexpr int parker_yield_rounds = 8;
  using parker = detail::futex_parker<parker_yield_rounds>;

  // ORDERING: the caller's order, passed through (each call site documents its own).
  static void fence(std::memory_order mo) noexcept { std::atomic_thread_fence(mo); }

  static void spin_hint() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    _mm_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
  }

  static void yield_now() noexcept { std::this_thread::yield(); }
  static void test_delay() noexcept {}

  static void* allocate(std::size_t bytes, std::size_t align) {
    if (align > __STDCPP_DEFAULT_NEW_ALIGNMENT__)
      return ::operator new(bytes, std::align_val_t{align});
    return ::operator new(bytes);
  }
  // Unsized delete: clang 14 does not enable sized deallocation by default.
  static void deallocate(void* p, std::size_t /*bytes*/, std::size_t align) noexcept {
    if (align > __STDCPP_DEFAULT_NEW_ALIGNMENT__)
      ::operator delete(p, std::align_val_t{align});
    else
      ::operator delete(p);
  }

  // Coroutine frames (detail::platform_frame, default new-alignment): each thread keeps the
  // last few frames it freed and hands one out again for the same size, so an async operation
  // that waits costs no malloc and free in steady traffic (the idea of Asio's recycling
  // allocator). A frame freed on another thread goes to that thread's cache; a thread's cache
  // is emptied when it exits. Off under AddressSanitizer, which must see every frame's free.
  static void* allocate_frame(std::size_t bytes) {
    if (void* p = frame_cache::take(bytes)) return p;
    return ::operator new(bytes);
  }
  static void deallocate_frame(void* p, std::size_t bytes) noexcept {
    if (!frame_cache::give(p, bytes)) ::operator delete(p);
  }

 private:
  class frame_cache {
   public:
    static void* take(std::size_t bytes) noexcept {
      if constexpr (!enabled) return (void)bytes, nullptr;
      for (entry& e : slots())
        if (e.p != nullptr && e.bytes == bytes) return std::exchange(e.p, nullptr);
      return nullptr;
    }
    static bool give(void* p, std::size_t bytes) noexcept {
      if constexpr (!enabled) return (void)p, (void)bytes, false;
      static thread_local closer close_at_exit;  // registers the emptying on first use
      (void)close_at_exit;
      if (closed()) return false;
      for (entry& e : slots())
        if (e.p == nullptr) return e = {p, bytes}, true;
      return false;
    }

   private:
#if defined(__SANITIZE_ADDRESS__)
    static constexpr bool enabled = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    static constexpr bool enabled = false;
#else
    static constexpr bool enabled = true;
#endif
#else
    static constexpr bool enabled = true;
#endif
    struct entry {
      void* p = nullptr;
      std::size_t bytes = 0;
    };
    using table = entry[4];
    // Trivially destructible, so frames freed during other thread-local destructors still
    // find them; the closer empties the table and stops further caching.
    static table& slots() noexcept {
      static thread_local table cache;
      return cache;
    }
    static bool& closed() noexcept {
      static thread_local bool c = false;
      return c;
    }
    struct closer {
      ~closer() {
        closed() = true;
        for (entry& e : slots())
          if (e.p != nullptr) ::operator delete(std::exchange(e.p, nullptr));
      }
    };
  };
};

static_assert(platform<std_platform>);
}  // namespace sluice
