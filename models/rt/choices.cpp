// models/rt/choices.cpp — the choice stream (see choices.hpp for the contract).
//
// Replay string: "mc1:" or "mc2:" (see choices.hpp) then one character per choice from a
// 62-letter alphabet; an index of 62 or more is written "~<decimal>.".
#include "choices.hpp"

#include <cstring>

namespace sluice::model::rt {

namespace {
constexpr char alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
constexpr std::uint32_t alphabet_size = 62;
constexpr const char* replay_prefix = "mc1:";
constexpr const char* replay_prefix_joins = "mc2:";

std::uint64_t splitmix(std::uint64_t& s) noexcept {
  std::uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

bool decode(const std::string& s, std::vector<std::uint32_t>& out, bool& joins) {
  std::size_t plen = std::strlen(replay_prefix);
  joins = s.compare(0, plen, replay_prefix_joins) == 0;
  if (!joins && s.compare(0, plen, replay_prefix) != 0) return false;
  for (std::size_t i = plen; i < s.size(); ++i) {
    char ch = s[i];
    if (ch == '~') {
      std::uint32_t v = 0;
      ++i;
      while (i < s.size() && s[i] != '.') v = v * 10 + static_cast<std::uint32_t>(s[i++] - '0');
      out.push_back(v);
      continue;
    }
    const char* p = std::strchr(alphabet, ch);
    if (p == nullptr || ch == '\0') return false;
    out.push_back(static_cast<std::uint32_t>(p - alphabet));
  }
  return true;
}
}  // namespace

std::uint64_t mix_seed(std::uint64_t seed, std::uint64_t iteration) noexcept {
  std::uint64_t s = seed ^ (iteration * 0xd1b54a32d192ed03ULL);
  return splitmix(s);
}

void choice_stream::configure(search_mode mode, std::uint64_t seed, const std::string& replay) {
  mode_ = mode;
  seed_ = seed;
  replay_mode_ = !replay.empty();
  join_points_ = mode == search_mode::exhaustive && !replay_mode_;
  path_.clear();
  forced_.clear();
  mismatch_ = false;
  advanced_by_kind.fill(0);
  advanced_by_race.fill(0);
  advanced_by_site.clear();
  last_kind = -1;
  if (replay_mode_ && !decode(replay, forced_, join_points_)) mismatch_ = true;
}

bool choice_stream::begin(std::uint64_t iteration) {
  pos_ = 0;
  rng_ = mix_seed(seed_, iteration);
  if (!walks_path()) path_.clear();
  return !mismatch_;
}

std::uint64_t choice_stream::random_u64() noexcept { return splitmix(rng_); }

namespace {
bool index_allowed(std::uint64_t allowed, std::uint32_t i) { return i >= 64 || (allowed >> i & 1) != 0; }
}  // namespace

std::uint32_t choice_stream::next(choice_kind kind, std::uint32_t n, const char* file, unsigned line,
                                  std::uint64_t allowed) {
  std::uint32_t idx = 0;
  if (replay_mode_) {
    if (pos_ < forced_.size()) idx = forced_[pos_];
    if (idx >= n) {
      mismatch_ = true;
      idx = 0;
    }
  } else if (walks_path()) {
    if (pos_ < path_.size()) {
      if (path_[pos_].n != n || path_[pos_].is_point) {
        mismatch_ = true;
        path_.resize(pos_);
      } else {
        ++pos_;
        return path_[pos_ - 1].chosen;
      }
    }
    std::uint32_t first = 0;
    while (first + 1 < n && !index_allowed(allowed, first)) ++first;
    path_.push_back({n, first, false, kind, {}, file, line, allowed});
    ++pos_;
    return first;
  } else {
    idx = static_cast<std::uint32_t>(random_u64() % n);
  }
  path_.push_back({n, idx, false, kind, {}});
  ++pos_;
  return idx;
}

std::uint32_t choice_stream::next_thread(std::uint32_t n, const int* tids, thread_mask sleep, thread_mask allowed) {
  if (pos_ < path_.size()) {  // replaying the prefix of the path being explored
    step& s = path_[pos_];
    bool same = s.n == n && s.is_point;
    for (std::uint32_t i = 0; same && i < n; ++i) same = s.point.tids[i] == tids[i];
    if (same) {
      ++pos_;
      return s.chosen;
    }
    mismatch_ = true;
    path_.resize(pos_);
  }
  std::uint32_t idx = 0;
  while (idx < n && ((sleep >> tids[idx] & 1) != 0 || (allowed >> tids[idx] & 1) == 0)) ++idx;
  if (idx == n) return all_asleep;
  step s{n, idx, true, choice_kind::thread, {}};
  for (std::uint32_t i = 0; i < n; ++i) {
    s.point.tids[i] = static_cast<std::uint8_t>(tids[i]);
    s.point.enabled = static_cast<thread_mask>(s.point.enabled | 1u << tids[i]);
  }
  s.point.sleep = sleep;
  s.point.allowed = allowed;
  s.point.backtrack = static_cast<thread_mask>(1u << tids[idx]);
  path_.push_back(s);
  ++pos_;
  return idx;
}

void choice_stream::record(std::uint32_t n, std::uint32_t index) {
  path_.push_back({n, index, false, choice_kind::thread, {}});
  ++pos_;
}

bool choice_stream::advance() {
  if (!walks_path()) return true;
  path_.resize(pos_);
  while (!path_.empty()) {
    step& s = path_.back();
    if (!s.is_point) {
      std::uint32_t c = s.chosen + 1;
      while (c < s.n && !index_allowed(s.allowed, c)) ++c;
      if (c < s.n) {
        s.chosen = c;
        ++advanced_by_kind[static_cast<int>(s.kind)];
        if (s.file != nullptr) ++advanced_by_site[{s.file, s.line}];
        last_kind = static_cast<int>(s.kind);
        last_file = s.file;
        last_line = s.line;
        return true;
      }
    } else {  // the reduction: the next thread of the backtrack set not yet tried nor asleep
      thread_point& p = s.point;
      p.done = static_cast<thread_mask>(p.done | 1u << p.tids[s.chosen]);
      for (std::uint32_t i = 0; i < s.n; ++i) {
        unsigned bit = 1u << p.tids[i];
        if ((p.backtrack & bit) != 0 && (p.done & bit) == 0 && (p.sleep & bit) == 0 && (p.allowed & bit) != 0) {
          s.chosen = i;
          ++advanced_by_kind[static_cast<int>(choice_kind::thread)];
          ++advanced_by_race[static_cast<int>(p.why[p.tids[i]])];
          last_kind = static_cast<int>(choice_kind::thread);
          last_race = p.why[p.tids[i]];
          return true;
        }
      }
    }
    path_.pop_back();
  }
  return false;
}

std::string choice_stream::replay_string() const {
  std::string s = join_points_ ? replay_prefix_joins : replay_prefix;
  for (std::size_t i = 0; i < pos_ && i < path_.size(); ++i) {
    std::uint32_t c = path_[i].chosen;
    if (c < alphabet_size) {
      s += alphabet[c];
    } else {
      s += '~';
      s += std::to_string(c);
      s += '.';
    }
  }
  return s;
}

}  // namespace sluice::model::rt
