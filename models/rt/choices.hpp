// models/rt/choices.hpp — the one recorded stream of choices every search mode shares.
//
// Contract: each nondeterministic decision (which thread runs, which store a load reads, where a
// store goes in modification order, a spurious failure, a timeout, a platform random_index(n))
// is a call to next(kind, n)
// returning an index in [0, n). Index 0 is always the "least surprising" option (keep running,
// read the newest store, append to modification order, no spurious event), so the first
// exhaustive execution is the sequential one. The stream is recorded; its string form is the
// replay string, and forcing it reproduces the execution exactly.
//  - exhaustive: depth-first over the recorded path; advance() backtracks to the deepest
//    choice with an untried option and reports when none is left (the space is exhausted).
//  - random: each index drawn from a generator seeded with mix(seed, iteration).
//  - pct: thread choices come from the scheduler's priorities (record()); others are random.
//  - replay: a forced prefix; a mismatch in option count means the test is nondeterministic.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sluice/model/options.hpp"

namespace sluice::model::rt {

enum class choice_kind : std::uint8_t { thread, read_from, mo_position, spurious, timeout, random };

class choice_stream {
 public:
  void configure(search_mode mode, std::uint64_t seed, const std::string& replay);
  // Starts execution number `iteration`; returns false if the replay string is malformed.
  bool begin(std::uint64_t iteration);
  std::uint32_t next(choice_kind kind, std::uint32_t n);
  // PCT: the scheduler decided `index` itself; record it so the replay string covers it.
  void record(std::uint32_t n, std::uint32_t index);
  // Exhaustive: moves to the next path; false when the bounded space is exhausted.
  bool advance();
  bool mismatch() const noexcept { return mismatch_; }
  bool replaying() const noexcept { return replay_mode_; }
  bool scheduler_decides_threads() const noexcept { return mode_ == search_mode::pct && !replay_mode_; }
  std::uint64_t random_u64() noexcept;
  std::string replay_string() const;

 private:
  struct step {
    std::uint32_t n;
    std::uint32_t chosen;
  };
  search_mode mode_ = search_mode::exhaustive;
  bool replay_mode_ = false;
  std::uint64_t seed_ = 0;
  std::uint64_t rng_ = 0;
  std::vector<step> path_;
  std::vector<std::uint32_t> forced_;
  std::size_t pos_ = 0;
  bool mismatch_ = false;
};

std::uint64_t mix_seed(std::uint64_t seed, std::uint64_t iteration) noexcept;

}  // namespace sluice::model::rt
