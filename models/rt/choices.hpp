// models/rt/choices.hpp — the one recorded stream of choices every search mode shares.
//
// Contract: each nondeterministic decision (which thread runs, which store a load reads, where a
// store goes in modification order, a spurious failure, a timeout, a platform random_index(n))
// is a call to next(kind, n)
// returning an index in [0, n). Index 0 is always the "least surprising" option (keep running,
// read the newest store, append to modification order, no spurious event), so the first
// exhaustive execution is the sequential one. The stream is recorded; its string form is the
// replay string, and forcing it reproduces the execution exactly.
//  - dfs: depth-first over the recorded path; advance() backtracks to the deepest choice with an
//    untried option and reports when none is left (the space is exhausted).
//  - exhaustive: the same walk, but a thread choice (next_thread) is a `thread_point` that only
//    tries the threads the reduction (dpor.cpp) put in its backtrack set and that are not asleep.
//  - random: each index drawn from a generator seeded with mix(seed, iteration).
//  - pct: thread choices come from the scheduler's priorities (record()); others are random.
//  - replay: a forced prefix; a mismatch in option count means the test is nondeterministic.
// Replay strings start "mc1:" (scheduling points of dfs/random/pct) or "mc2:" (the reduction's,
// which adds thread end and join as scheduling points); replaying either sets them up again.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sluice/model/options.hpp"

namespace sluice::model::rt {

enum class choice_kind : std::uint8_t { thread, read_from, mo_position, spurious, weak_cas, timeout, random };
inline constexpr int choice_kinds = 7;

// Why the reduction added a thread to a backtrack set (the kind of the race; SLUICE_MC_STATS).
// A race on an atomic between two lone accesses is named by what the earlier (j) and the later
// (i) transition did: a load or failed CAS first (`atomic_read_write`), a write and then a read
// (`atomic_write_read`), a plain store or an RMW/CAS on each side; `atomic` for the rest.
enum class race_kind : std::uint8_t {
  atomic, cell, parker, thread_end, sc_fence, free_block, yield, global,
  atomic_read_write, atomic_write_read, atomic_rmw_rmw, atomic_store_rmw, atomic_rmw_store, atomic_store_store
};
inline constexpr int race_kinds = 14;

using thread_mask = std::uint8_t;  // bit t = model thread t (max_model_threads <= 8)
static_assert(max_model_threads <= 8);

// A thread choice under the reduction. Index i of the recorded choice names thread tids[i].
struct thread_point {
  std::array<std::uint8_t, max_model_threads> tids{};
  thread_mask enabled = 0;    // the candidates (tids[0..n))
  thread_mask sleep = 0;      // asleep here: an equivalent execution was explored elsewhere
  thread_mask backtrack = 0;  // must be tried from here (includes the ones already tried)
  thread_mask done = 0;       // tried and fully explored
  thread_mask allowed = 0xff; // within the reduction's preemption bound (bounded POR)
  thread_mask unstable = 0;   // ran a stop callback here: never put to sleep (dpor.cpp)
  // Bounded POR: the candidates whose run from here costs no preemption and leaves them unable
  // to go on (a yield, thread end, a join of a running thread): only these may be put to sleep
  // here (dpor.cpp, "sleep sets under a bound").
  thread_mask neutral = 0;
  std::array<race_kind, max_model_threads> why{};  // the race that put each thread in backtrack
};

class choice_stream {
 public:
  void configure(search_mode mode, std::uint64_t seed, const std::string& replay);
  // Starts execution number `iteration`; returns false if the replay string is malformed.
  bool begin(std::uint64_t iteration);
  // `file`/`line`: the operation's source, for SLUICE_MC_STATS only. `allowed` (bit i = index i,
  // for n <= 64): the indices the exhaustive walk may take (read-from-aware sleep sets); the
  // indices keep their meaning, so a replay string does not depend on it.
  static constexpr std::uint64_t all_allowed = ~std::uint64_t{0};
  std::uint32_t next(choice_kind kind, std::uint32_t n, const char* file = nullptr, unsigned line = 0,
                     std::uint64_t allowed = all_allowed);
  // The reduction's thread choice among n candidates; a sleeping one is never picked. Returns
  // `all_asleep` when every candidate sleeps (the execution repeats an explored one).
  static constexpr std::uint32_t all_asleep = ~std::uint32_t{0};
  // `allowed`: the candidates the preemption bound lets run here (bounded POR).
  std::uint32_t next_thread(std::uint32_t n, const int* tids, thread_mask sleep, thread_mask allowed = 0xff);
  // The point recorded at path index i (valid while i < position()).
  thread_point& point(std::size_t i) noexcept { return path_[i].point; }
  std::size_t position() const noexcept { return pos_; }
  // PCT: the scheduler decided `index` itself; record it so the replay string covers it.
  void record(std::uint32_t n, std::uint32_t index);
  // Exhaustive/dfs: moves to the next path; false when the (bounded) space is exhausted.
  bool advance();
  bool mismatch() const noexcept { return mismatch_; }
  bool replaying() const noexcept { return replay_mode_; }
  // The reduction is on: exhaustive mode, not replaying.
  bool reduction() const noexcept { return mode_ == search_mode::exhaustive && !replay_mode_; }
  // Thread end and join are scheduling points (the reduction, or replaying an "mc2:" string).
  bool join_points() const noexcept { return join_points_; }
  bool scheduler_decides_threads() const noexcept { return mode_ == search_mode::pct && !replay_mode_; }
  std::uint64_t random_u64() noexcept;
  std::string replay_string() const;
  // SLUICE_MC_STATS: executions started by advancing a choice of each kind (thread choices by
  // the race that added the thread), since configure().
  std::array<std::uint64_t, choice_kinds> advanced_by_kind{};
  std::array<std::uint64_t, race_kinds> advanced_by_race{};
  std::map<std::pair<const char*, unsigned>, std::uint64_t> advanced_by_site;  // data choices
  // The choice the last advance() moved (what the next execution is "begun by"): its kind, for
  // a thread choice the race, for a data choice its source (file may be null); last_kind = -1
  // before the first advance.
  int last_kind = -1;
  race_kind last_race = race_kind::atomic;
  const char* last_file = nullptr;
  unsigned last_line = 0;

 private:
  struct step {
    std::uint32_t n;
    std::uint32_t chosen;
    bool is_point;
    choice_kind kind;
    thread_point point;
    const char* file = nullptr;
    unsigned line = 0;
    std::uint64_t allowed = all_allowed;
  };
  bool walks_path() const noexcept {
    return !replay_mode_ && (mode_ == search_mode::exhaustive || mode_ == search_mode::dfs);
  }
  search_mode mode_ = search_mode::exhaustive;
  bool replay_mode_ = false;
  bool join_points_ = false;
  std::uint64_t seed_ = 0;
  std::uint64_t rng_ = 0;
  std::vector<step> path_;
  std::vector<std::uint32_t> forced_;
  std::size_t pos_ = 0;
  bool mismatch_ = false;
};

std::uint64_t mix_seed(std::uint64_t seed, std::uint64_t iteration) noexcept;

}  // namespace sluice::model::rt
