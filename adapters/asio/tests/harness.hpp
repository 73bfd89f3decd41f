// Test support for the Asio adapter: a multi-threaded io_context, a small thread pool that is
// a sluice scheduler (the second executor), a fire-and-forget coroutine type bound to any
// scheduler, an exact-accounting ledger for tagged messages, and a counted message type.
#pragma once

#include <asio.hpp>

#include <atomic>
#include <condition_variable>
#include <coroutine>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "sluice/asio.hpp"
#include "sluice_testing/coro_pool.hpp"

namespace sluice_asio_test {

// An io_context run by `threads` threads until release() (or destruction): work is held so
// run() does not return while the test sets things up.
class io_runner {
 public:
  explicit io_runner(int threads) : work_(asio::make_work_guard(io_)) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { io_.run(); });
  }
  ~io_runner() { join(); }
  asio::io_context& io() { return io_; }
  asio::io_context::executor_type executor() { return io_.get_executor(); }
  // Lets run() return once the context runs out of work, and joins the threads.
  void join() {
    work_.reset();
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }

 private:
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::vector<std::thread> threads_;
};

// A small thread pool: the second executor (not Asio), a sluice::scheduler.
using test_pool = sluice_testing::coro_pool;
static_assert(sluice::scheduler<test_pool>);

// A fire-and-forget sluice coroutine whose promise exposes the scheduler given as its first
// argument: every co_await on a channel resumes through it. It starts on the calling thread.
template <class Sched>
struct on {
  struct promise_type {
    Sched* sched;
    template <class... Args>
    explicit promise_type(Sched& s, Args&&...) : sched(&s) {}
    Sched* scheduler() const noexcept { return sched; }
    on get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }
  };
};

// Messages tagged with their producer and sequence number.
struct tagged {
  std::uint32_t producer;
  std::uint32_t seq;
};

// Exact accounting: every (producer, seq) received exactly once, each consumer sees each
// producer's messages in increasing order, and the count and sum match.
class ledger {
 public:
  ledger(std::uint32_t producers, std::uint32_t per_producer)
      : producers_(producers), per_(per_producer), seen_(std::size_t{producers} * per_producer) {}

  class consumer {
   public:
    explicit consumer(ledger& l) : l_(&l), last_(l.producers_, -1) {}
    void record(const tagged& m) {
      if (m.producer >= l_->producers_ || m.seq >= l_->per_) {
        ++errors_;
        return;
      }
      if (static_cast<std::int64_t>(m.seq) <= last_[m.producer]) ++errors_;  // out of order
      last_[m.producer] = m.seq;
      // fetch_add: a second receipt of the same message shows as a previous value of 1.
      if (l_->seen_[std::size_t{m.producer} * l_->per_ + m.seq].fetch_add(1, std::memory_order_relaxed) != 0)
        ++errors_;
      ++count_;
      sum_ += m.seq;
    }
    ~consumer() {
      l_->count_.fetch_add(count_);
      l_->sum_.fetch_add(sum_);
      l_->errors_.fetch_add(errors_);
    }

   private:
    ledger* l_;
    std::vector<std::int64_t> last_;
    std::uint64_t count_ = 0, sum_ = 0, errors_ = 0;
  };

  std::uint64_t expected_count() const { return std::uint64_t{producers_} * per_; }
  std::uint64_t expected_sum() const { return std::uint64_t{producers_} * (std::uint64_t{per_} * (per_ - 1) / 2); }
  std::uint64_t count() const { return count_.load(); }
  std::uint64_t sum() const { return sum_.load(); }
  std::uint64_t errors() const { return errors_.load(); }
  std::uint64_t missing() const {
    std::uint64_t n = 0;
    for (auto& s : seen_) n += s.load(std::memory_order_relaxed) == 0;
    return n;
  }

 private:
  std::uint32_t producers_, per_;
  std::vector<std::atomic<std::uint8_t>> seen_;
  std::atomic<std::uint64_t> count_{0}, sum_{0}, errors_{0};
};

// A message that counts the live values it carries (a moved-from instance carries none) and
// aborts on a double destruction.
struct counted {
  static inline std::atomic<long> live{0};
  static constexpr std::uint32_t alive_mark = 0x51C3A11Fu;
  int v;
  bool owns = true;
  std::uint32_t mark = alive_mark;
  explicit counted(int x) : v(x) { ++live; }
  counted(counted&& o) noexcept : v(o.v), owns(std::exchange(o.owns, false)) {
    if (o.mark != alive_mark) std::abort();  // moved from a destroyed object
  }
  counted& operator=(counted&&) = delete;
  ~counted() {
    if (mark != alive_mark) std::abort();  // destroyed twice
    mark = 0;
    if (owns) --live;
  }
};

}  // namespace sluice_asio_test
