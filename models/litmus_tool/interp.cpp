// models/litmus_tool/interp.cpp — see interp.hpp.
#include "interp.hpp"

#include <cstdlib>
#include <functional>
#include <memory>
#include <regex>
#include <sstream>

#include "sluice/model.hpp"

namespace sluice::litmus {

namespace mc = sluice::model;
using P = mc::platform;
using atom = P::atomic<std::int64_t>;
using cell = P::cell<std::int64_t>;

namespace {

// The checker's memory-model option, when this checker has one (options::model with
// enumerators cxx20 and rc11); SLUICE_MC_MODEL is set as well, for checkers that read it.
template <class O>
bool set_model_option(O& o, const std::string& model) {
  if constexpr (requires { o.model = decltype(o.model)::rc11; o.model = decltype(o.model)::cxx20; }) {
    o.model = model == "rc11" ? decltype(o.model)::rc11 : decltype(o.model)::cxx20;
    return true;
  } else {
    return false;
  }
}

// One execution's memory, registers and event labels.
// The records outlive the execution (a failing execution is abandoned mid-way); the memory
// objects are owned by the execution's main thread.
struct frame {
  std::vector<atom*> atoms;  // per location; null for a cell
  std::vector<cell*> cells;  // per location; null for an atomic
  std::vector<std::map<std::string, std::int64_t>> regs;
  std::vector<std::vector<event_label>> ops;
};

std::string show(std::int64_t v) { return std::to_string(v); }

// Runs a program's threads against one frame.
class machine {
 public:
  machine(const program& p, frame& f) : p_(p), f_(f) {}

  void run_thread(int t) { exec(t, p_.threads[static_cast<std::size_t>(t)].body); }

 private:
  std::size_t loc(const std::string& name) const {
    for (std::size_t i = 0; i < p_.locations.size(); ++i)
      if (p_.locations[i].name == name) return i;
    return 0;  // the parser guarantees every name is a location
  }
  // Records an event before it happens (a racing access never completes) and returns its slot.
  event_label& begin(int t, std::string label, int line, bool sc) {
    auto& v = f_.ops[static_cast<std::size_t>(t)];
    v.push_back({std::move(label), line, sc});
    return v.back();
  }
  static bool is_sc(std::memory_order mo) { return mo == std::memory_order::seq_cst; }
  static std::string tag(const char* kind, std::memory_order mo) { return std::string(kind) + "_" + order_text(mo); }

  void exec(int t, const std::vector<stmt>& body) {
    for (const stmt& s : body) {
      switch (s.k) {
        case stmt::kind::assign:
          f_.regs[static_cast<std::size_t>(t)][s.name] = s.e ? eval(t, *s.e) : 0;
          break;
        case stmt::kind::store: {
          std::int64_t v = eval(t, *s.e);
          std::size_t l = loc(s.loc);
          begin(t, tag("W", s.mo) + " " + s.loc + "=" + show(v), s.line, is_sc(s.mo));
          f_.atoms[l]->store(v, s.mo);
          break;
        }
        case stmt::kind::plain_store: {
          std::int64_t v = eval(t, *s.e);
          std::size_t l = loc(s.loc);
          begin(t, "W_na " + s.loc + "=" + show(v), s.line, false);
          if (f_.cells[l]) f_.cells[l]->with_mut([v](std::int64_t* p) { *p = v; });
          else f_.atoms[l]->store(v, std::memory_order::relaxed);
          break;
        }
        case stmt::kind::fence:
          begin(t, tag("F", s.mo), s.line, is_sc(s.mo));
          P::fence(s.mo);
          break;
        case stmt::kind::eval:
          eval(t, *s.e);
          break;
        case stmt::kind::branch:
          exec(t, eval(t, *s.e) != 0 ? s.then_ : s.else_);
          break;
      }
    }
  }

  std::int64_t eval(int t, const expr& e) {
    auto& regs = f_.regs[static_cast<std::size_t>(t)];
    switch (e.k) {
      case expr::kind::literal: return e.value;
      case expr::kind::reg: return regs[e.name];
      case expr::kind::plain_load: {
        std::size_t l = loc(e.loc);
        event_label& ev = begin(t, "R_na " + e.loc, e.line, false);
        std::int64_t v = f_.cells[l] ? f_.cells[l]->with([](const std::int64_t* p) { return *p; })
                                     : f_.atoms[l]->load(std::memory_order::relaxed);
        f_.ops[static_cast<std::size_t>(t)].back().label = ev.label + "=" + show(v);
        return v;
      }
      case expr::kind::load: {
        std::size_t l = loc(e.loc);
        begin(t, tag("R", e.mo) + " " + e.loc, e.line, is_sc(e.mo));
        std::int64_t v = f_.atoms[l]->load(e.mo);
        f_.ops[static_cast<std::size_t>(t)].back().label.append("=").append(show(v));  // (false -Wrestrict)
        return v;
      }
      case expr::kind::rmw: {
        std::int64_t operand = eval(t, *e.args[0]);
        std::size_t l = loc(e.loc);
        begin(t, tag("RMW", e.mo) + " " + e.loc, e.line, is_sc(e.mo));
        atom& a = *f_.atoms[l];
        std::int64_t old = 0, now = 0;
        if (e.op == "exchange") now = operand, old = a.exchange(operand, e.mo);
        else if (e.op == "add") old = a.fetch_add(operand, e.mo), now = old + operand;
        else if (e.op == "sub") old = a.fetch_sub(operand, e.mo), now = old - operand;
        else if (e.op == "or") old = a.fetch_or(operand, e.mo), now = old | operand;
        else old = a.fetch_and(operand, e.mo), now = old & operand;
        f_.ops[static_cast<std::size_t>(t)].back().label.append(" ").append(show(old)).append("->").append(show(now));
        return old;
      }
      case expr::kind::cas: {
        std::int64_t desired = eval(t, *e.args[0]);
        std::int64_t expected = regs[e.name];
        std::size_t l = loc(e.loc);
        begin(t, "CAS " + e.loc, e.line, is_sc(e.mo));
        atom& a = *f_.atoms[l];
        bool ok = e.weak ? a.compare_exchange_weak(expected, desired, e.mo, e.mo2)
                         : a.compare_exchange_strong(expected, desired, e.mo, e.mo2);
        event_label& ev = f_.ops[static_cast<std::size_t>(t)].back();
        if (ok) {
          ev.label = tag("RMW", e.mo) + " " + e.loc + " " + show(expected) + "->" + show(desired);
        } else {
          ev.label = tag("R", e.mo2) + " " + e.loc + "=" + show(expected) + " (cas fails)";
          ev.sc = is_sc(e.mo2);
          regs[e.name] = expected;
        }
        return ok ? 1 : 0;
      }
      case expr::kind::unary: {
        std::int64_t v = eval(t, *e.args[0]);
        return e.op == "!" ? !v : e.op == "-" ? -v : ~v;
      }
      case expr::kind::binary: {
        if (e.op == "&&") return eval(t, *e.args[0]) != 0 && eval(t, *e.args[1]) != 0;
        if (e.op == "||") return eval(t, *e.args[0]) != 0 || eval(t, *e.args[1]) != 0;
        std::int64_t a = eval(t, *e.args[0]), b = eval(t, *e.args[1]);
        const std::string& o = e.op;
        if (o == "+") return a + b;
        if (o == "-") return a - b;
        if (o == "*") return a * b;
        if (o == "/") return b == 0 ? 0 : a / b;
        if (o == "%") return b == 0 ? 0 : a % b;
        if (o == "&") return a & b;
        if (o == "|") return a | b;
        if (o == "^") return a ^ b;
        if (o == "==") return a == b;
        if (o == "!=") return a != b;
        if (o == "<") return a < b;
        if (o == "<=") return a <= b;
        if (o == ">") return a > b;
        return a >= b;
      }
    }
    return 0;
  }

  const program& p_;
  frame& f_;
};

// Runs the whole program once per execution of a check: init, threads, joins, final state.
struct session {
  const program& p;
  bool plain_as_cells = false;
  std::function<void(const state&)> on_state;
  frame f;  // the latest execution's (kept for witnesses and race reports)

  void execution() {
    std::size_t n = p.locations.size();
    std::vector<std::unique_ptr<atom>> atoms(n);
    std::vector<std::unique_ptr<cell>> cells(n);
    f = frame{};
    f.atoms.assign(n, nullptr);
    f.cells.assign(n, nullptr);
    for (std::size_t i = 0; i < n; ++i) {
      const location_def& l = p.locations[i];
      if (l.atomic || !plain_as_cells) f.atoms[i] = (atoms[i] = std::make_unique<atom>(l.init)).get();
      else f.cells[i] = (cells[i] = std::make_unique<cell>(l.init)).get();
    }
    f.regs.resize(p.threads.size());
    f.ops.resize(p.threads.size());
    {
      std::vector<std::unique_ptr<mc::thread>> threads;
      for (std::size_t t = 0; t < p.threads.size(); ++t)
        threads.push_back(std::make_unique<mc::thread>([this, t] { machine(p, f).run_thread(static_cast<int>(t)); }));
      for (auto& th : threads) th->join();
    }
    state s;
    for (const observed& o : p.observe) {
      if (o.thread >= 0) {
        auto& r = f.regs[static_cast<std::size_t>(o.thread)];
        auto it = r.find(o.name);
        s.push_back(it == r.end() ? 0 : it->second);
        continue;
      }
      std::size_t i = static_cast<std::size_t>(p.find_location(o.name) - p.locations.data());
      s.push_back(f.atoms[i] ? f.atoms[i]->load(std::memory_order::relaxed)
                             : f.cells[i]->with([](const std::int64_t* v) { return *v; }));
    }
    on_state(s);
  }
};

}  // namespace

const char* model_mechanism() {
  mc::options o;
  return set_model_option(o, "cxx20") ? "options::model" : "SLUICE_MC_MODEL (this checker has no options::model)";
}


interpreter::interpreter(const program& p, run_config cfg) : p_(p), cfg_(std::move(cfg)) {}

namespace {

mc::options options_for(const program& p, const run_config& cfg) {
  mc::options o;
  o.name = p.name.c_str();
  o.max_threads = static_cast<int>(p.threads.size()) + 1;
  o.preemption_bound = cfg.preemption_bound != -2 ? cfg.preemption_bound : p.threads.size() <= 3 ? -1 : 1;
  o.max_spurious = cfg.spurious;
  o.print_summary = false;
  o.print_failure = false;
  ::setenv("SLUICE_MC_MODEL", cfg.model.c_str(), 1);
  set_model_option(o, cfg.model);
  return o;
}

// The trace's memory events of thread `tid` (1-based model thread), up to and including `step`.
int events_before(const std::string& trace, int tid, unsigned step) {
  static const std::regex row(R"(^\s*(\d+)\s+T(\d+)\s+(\S+))");
  std::istringstream in(trace);
  std::string line;
  std::getline(in, line);
  int count = 0;
  while (std::getline(in, line)) {
    std::smatch m;
    if (!std::regex_search(line, m, row)) break;
    std::string op = m[3];
    bool mem = op == "load" || op == "store" || op == "rmw" || op == "cas-fail" || op == "fence" ||
               op == "cell-read" || op == "cell-write";
    if (std::stoi(m[2]) == tid && mem) ++count;
    if (static_cast<unsigned>(std::stoul(m[1])) == step) break;
  }
  return count;
}

std::string describe_race(const mc::result& r, const frame& f) {
  static const std::regex msg(R"(by thread (\d+) at .* \(step (\d+)\) and \w+ by thread (\d+))");
  std::smatch m;
  if (!std::regex_search(r.message, m, msg)) return r.message;
  auto name = [&](int tid, int index) -> std::string {
    if (tid < 1 || static_cast<std::size_t>(tid) > f.ops.size()) return "thread " + std::to_string(tid);
    const auto& ops = f.ops[static_cast<std::size_t>(tid - 1)];
    std::string who = std::string(1, 'P').append(std::to_string(tid - 1));  // not "P" + (false -Wrestrict)
    if (index < 1 || static_cast<std::size_t>(index) > ops.size()) return who;
    const event_label& l = ops[static_cast<std::size_t>(index - 1)];
    return who + " line " + std::to_string(l.line) + " (" + l.label + ")";
  };
  int t1 = std::stoi(m[1]), t2 = std::stoi(m[3]);
  int i1 = events_before(r.trace, t1, static_cast<unsigned>(std::stoul(m[2])));
  int i2 = t2 >= 1 && static_cast<std::size_t>(t2) <= f.ops.size() ? static_cast<int>(f.ops[static_cast<std::size_t>(t2 - 1)].size()) : 0;
  return name(t1, i1) + " and " + name(t2, i2) + " are not ordered by happens-before";
}

}  // namespace

exploration interpreter::explore() {
  exploration x;
  bool has_plain = false;
  for (const auto& l : p_.locations) has_plain |= !l.atomic;
  mc::options o = options_for(p_, cfg_);
  for (int pass = has_plain ? 0 : 1; pass < 2; ++pass) {
    session s{p_, pass == 0, nullptr, {}};
    std::map<state, std::uint64_t> seen;
    s.on_state = [&](const state& st) { ++seen[st]; };
    mc::result r = mc::check(o, [&] { s.execution(); });
    x.seconds += r.seconds;
    if (r.failure == mc::failure_kind::data_race) {
      x.race = true;
      x.race_text = describe_race(r, s.f);
      continue;  // pass 1 enumerates the states with plain locations as relaxed atomics
    }
    if (!r.passed()) {
      x.error = std::string(mc::to_string(r.failure)) + ": " + r.message;
      return x;
    }
    x.states = std::move(seen);
    x.executions = r.executions;
    x.exhausted = r.exhausted;
    break;
  }
  return x;
}

graph interpreter::witness(const state& target) {
  mc::options o = options_for(p_, cfg_);
  session s{p_, false, nullptr, {}};
  s.on_state = [&](const state& st) { MODEL_ASSERT(st != target); };
  mc::result r = mc::check(o, [&] { s.execution(); });
  if (r.failure != mc::failure_kind::assertion) return graph{};
  std::vector<std::string> init;
  for (const auto& l : p_.locations) init.push_back("W_na " + l.name + "=" + show(l.init));
  return build_graph(r.trace, r.dot, init, s.f.ops);
}

}  // namespace sluice::litmus
