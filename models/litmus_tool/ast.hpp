// models/litmus_tool/ast.hpp — a parsed C litmus test (herd7's C dialect).
//
// Contract: the parser (parser.cpp) builds a `program`; the interpreter (interp.cpp) runs its
// threads under the model checker; output.cpp prints it. Every node keeps the source line it
// came from so that errors and graphs can name it. Values are 64-bit signed integers.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sluice::litmus {

// An expression: a literal, a register, a shared-memory access or an operator.
struct expr {
  enum class kind {
    literal,     // value
    reg,         // name (a register of the enclosing thread)
    plain_load,  // *loc (a plain int)
    load,        // atomic_load_explicit(loc, mo)
    rmw,         // atomic_exchange / fetch_add / fetch_sub / fetch_or / fetch_and (op), args[0] operand
    cas,         // atomic_compare_exchange_*(loc, &name, args[0], mo, mo2): 1 on success
    unary,       // op, args[0]
    binary,      // op, args[0], args[1]
  };
  kind k = kind::literal;
  std::int64_t value = 0;
  std::string name;  // register name, or the cas expected-value register
  std::string loc;   // shared location
  std::string op;    // operator, or the rmw name ("exchange", "add", "sub", "or", "and")
  std::memory_order mo = std::memory_order::seq_cst;
  std::memory_order mo2 = std::memory_order::seq_cst;  // cas failure order
  bool weak = false;                                    // compare_exchange_weak
  std::vector<std::unique_ptr<expr>> args;
  int line = 0;
};

// A statement of a thread body.
struct stmt {
  enum class kind {
    assign,       // name = args e (also `int name = e;` and `int name;` with e == nullptr)
    store,        // atomic_store_explicit(loc, e, mo)
    plain_store,  // *loc = e
    fence,        // atomic_thread_fence(mo)
    eval,         // an expression evaluated for its effect (an RMW whose result is dropped)
    branch,       // if (e) then_ else else_
  };
  kind k = kind::eval;
  std::string name;
  std::string loc;
  std::memory_order mo = std::memory_order::seq_cst;
  std::unique_ptr<expr> e;
  std::vector<stmt> then_;
  std::vector<stmt> else_;
  int line = 0;
};

struct thread_def {
  int id = 0;                 // N of PN
  std::vector<std::string> params;
  std::vector<stmt> body;
  int line = 0;
};

struct location_def {
  std::string name;
  bool atomic = true;  // false: a plain `int` (accesses are checked for data races)
  std::int64_t init = 0;
  int line = 0;
};

// A condition proposition over final values: `P:r = v` (thread register) or `x = v` (location).
struct prop {
  enum class kind { truth, eq, neg, conj, disj, implies };
  kind k = kind::truth;
  bool truth = true;
  int thread = -1;  // -1: a shared location
  std::string name;
  std::int64_t value = 0;
  std::vector<std::unique_ptr<prop>> args;
};

struct condition {
  enum class quantifier { exists, not_exists, forall };
  quantifier q = quantifier::exists;
  std::unique_ptr<prop> p;
  std::string text;  // as written (after `exists`/`~exists`/`forall`), normalized spaces
};

// One observed name of the final state: a thread register or a shared location.
struct observed {
  int thread = -1;  // -1: location
  std::string name;
  bool operator==(const observed& o) const { return thread == o.thread && name == o.name; }
};

struct program {
  std::string arch;  // "C"
  std::string name;
  std::string source;  // the whole file as read
  std::vector<location_def> locations;
  std::vector<thread_def> threads;
  condition cond;
  std::vector<observed> observe;  // the condition's names, then `locations [...]`, herd's order
  const location_def* find_location(const std::string& n) const {
    for (const auto& l : locations)
      if (l.name == n) return &l;
    return nullptr;
  }
};

const char* order_text(std::memory_order mo);  // "rlx", "acq", "rel", "acq_rel", "sc", "con"

}  // namespace sluice::litmus
