// bench/harness/peers_basic.hpp — peers that need nothing but the standard library:
// the mutex + condition_variable + deque baseline and the "limit" SPSC ring.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <mutex>
#include <new>
#include <thread>
#include <utility>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#include "workloads.hpp"

namespace bench {

inline void cpu_pause() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#endif
}

// ---- mutex + condition_variable + std::deque ------------------------------------------------
// cap == 0 is a rendezvous: a sender enqueues its item and then waits until a receiver took it.
template <class T>
class mutex_channel {
 public:
  explicit mutex_channel(std::size_t cap) : cap_(cap) {}

  void send(T v) {
    std::unique_lock lk(m_);
    if (cap_ == 0) {
      space_.wait(lk, [&] { return q_.empty(); });
      q_.push_back(std::move(v));
      std::uint64_t my = ++sent_;
      lk.unlock();
      items_.notify_one();
      lk.lock();
      taken_.wait(lk, [&] { return received_ >= my; });
      return;
    }
    space_.wait(lk, [&] { return q_.size() < cap_; });
    q_.push_back(std::move(v));
    lk.unlock();
    items_.notify_one();
  }

  T recv() {
    std::unique_lock lk(m_);
    items_.wait(lk, [&] { return !q_.empty(); });
    T v = std::move(q_.front());
    q_.pop_front();
    ++received_;
    lk.unlock();
    if (cap_ == 0) {
      taken_.notify_all();  // the sender of this item waits for it
      space_.notify_one();
    } else {
      space_.notify_one();
    }
    return v;
  }

 private:
  std::mutex m_;
  std::condition_variable items_, space_, taken_;
  std::deque<T> q_;
  std::size_t cap_;
  std::uint64_t sent_ = 0, received_ = 0;
};

struct mutex_peer {
  static constexpr const char* name = "mutex-deque";
  using chan = mutex_channel<msg>;
  using tx = std::shared_ptr<chan>;
  using rx = std::shared_ptr<chan>;
  static const char* unsupported(flavor, workload) { return nullptr; }
  static std::pair<tx, rx> make(flavor f, std::size_t n) {
    std::size_t cap = f == flavor::bounded0   ? 0
                      : f == flavor::bounded1 ? 1
                      : f == flavor::bounded_n ? n
                                               : std::numeric_limits<std::size_t>::max();
    auto c = std::make_shared<chan>(cap);
    return {c, c};
  }
  static void send(tx& t, msg m) { t->send(m); }
  static msg recv(rx& r) { return r->recv(); }
};

// ---- the limit: a single-producer single-consumer ring with cached indices -----------------
// No blocking support at all: a full or empty ring is waited out by spinning (pause, with a
// yield every 128 spins so an oversubscribed 2-vCPU machine still makes progress).
template <class T>
class spsc_ring {
 public:
  explicit spsc_ring(std::size_t cap) {
    std::size_t c = 1;
    while (c < cap) c <<= 1;
    mask_ = c - 1;
    cap_ = cap;
    buf_ = std::make_unique<T[]>(c);
  }
  void send(T v) {
    std::size_t t = tail_.v.load(std::memory_order_relaxed);
    if (t - head_cache_ >= cap_) {
      for (unsigned spins = 0;; ++spins) {
        head_cache_ = head_.v.load(std::memory_order_acquire);
        if (t - head_cache_ < cap_) break;
        backoff(spins);
      }
    }
    buf_[t & mask_] = std::move(v);
    tail_.v.store(t + 1, std::memory_order_release);
  }
  T recv() {
    std::size_t h = head_.v.load(std::memory_order_relaxed);
    if (h == tail_cache_) {
      for (unsigned spins = 0;; ++spins) {
        tail_cache_ = tail_.v.load(std::memory_order_acquire);
        if (h != tail_cache_) break;
        backoff(spins);
      }
    }
    T v = std::move(buf_[h & mask_]);
    head_.v.store(h + 1, std::memory_order_release);
    return v;
  }

 private:
  static void backoff(unsigned spins) {
    if ((spins & 127) == 127) std::this_thread::yield();
    else cpu_pause();
  }
  struct alignas(64) idx {
    std::atomic<std::size_t> v{0};
  };
  idx head_;                           // written by the consumer
  alignas(64) std::size_t tail_cache_ = 0;  // consumer's copy of tail_
  idx tail_;                           // written by the producer
  alignas(64) std::size_t head_cache_ = 0;  // producer's copy of head_
  alignas(64) std::size_t mask_ = 0;
  std::size_t cap_ = 0;
  std::unique_ptr<T[]> buf_;
};

struct limit_peer {
  static constexpr const char* name = "limit-ring";
  using chan = spsc_ring<msg>;
  using tx = std::shared_ptr<chan>;
  using rx = std::shared_ptr<chan>;
  static const char* unsupported(flavor f, workload w) {
    if (f == flavor::bounded0) return "a ring cannot rendezvous";
    if (f == flavor::unbounded) return "a fixed ring is not unbounded";
    if (w == workload::mpsc || w == workload::mpmc) return "single-producer single-consumer only";
    return nullptr;
  }
  static std::pair<tx, rx> make(flavor f, std::size_t n) {
    auto c = std::make_shared<chan>(f == flavor::bounded1 ? 1 : n);
    return {c, c};
  }
  static void send(tx& t, msg m) { t->send(m); }
  static msg recv(rx& r) { return r->recv(); }
};

}  // namespace bench
