// models/litmus_tool/parser.cpp — see parser.hpp. A recursive-descent parser over lexer tokens:
//   C NAME ["doc"] { init } P0 (params) { body } ... [locations [..]] exists|~exists|forall (prop)
#include "parser.hpp"

#include <algorithm>
#include <map>

#include "lexer.hpp"

namespace sluice::litmus {

const char* order_text(std::memory_order mo) {
  switch (mo) {
    case std::memory_order::relaxed: return "rlx";
    case std::memory_order::consume: return "con";
    case std::memory_order::acquire: return "acq";
    case std::memory_order::release: return "rel";
    case std::memory_order::acq_rel: return "acq_rel";
    case std::memory_order::seq_cst: return "sc";
  }
  return "?";
}

namespace {

const std::map<std::string, std::memory_order>& order_names() {
  static const std::map<std::string, std::memory_order> m = {
      {"memory_order_relaxed", std::memory_order::relaxed}, {"memory_order_consume", std::memory_order::consume},
      {"memory_order_acquire", std::memory_order::acquire}, {"memory_order_release", std::memory_order::release},
      {"memory_order_acq_rel", std::memory_order::acq_rel}, {"memory_order_seq_cst", std::memory_order::seq_cst}};
  return m;
}

// RMW builtins: name -> (rmw op, explicit form)
struct rmw_name {
  const char* op;
  bool is_explicit;
};
const std::map<std::string, rmw_name>& rmw_names() {
  static const std::map<std::string, rmw_name> m = {
      {"atomic_exchange", {"exchange", false}},   {"atomic_exchange_explicit", {"exchange", true}},
      {"atomic_fetch_add", {"add", false}},       {"atomic_fetch_add_explicit", {"add", true}},
      {"atomic_fetch_sub", {"sub", false}},       {"atomic_fetch_sub_explicit", {"sub", true}},
      {"atomic_fetch_or", {"or", false}},         {"atomic_fetch_or_explicit", {"or", true}},
      {"atomic_fetch_and", {"and", false}},       {"atomic_fetch_and_explicit", {"and", true}}};
  return m;
}

bool is_int_type(const std::string& t) {
  static const char* types[] = {"int", "long", "short", "char", "unsigned", "signed", "intptr_t", "int32_t",
                                "int64_t", "uint32_t", "uint64_t"};
  return std::find_if(std::begin(types), std::end(types), [&](const char* x) { return t == x; }) != std::end(types);
}
bool is_atomic_type(const std::string& t) { return t.rfind("atomic_", 0) == 0 || t == "_Atomic"; }

class parser {
 public:
  parser(std::vector<token> toks, std::string file) : t_(std::move(toks)), file_(std::move(file)) {}

  void run(program& p) {
    p_ = &p;
    while (peek().k == token::kind::string) next();  // herd's optional doc string
    // herd's optional `key=value` info lines before the init block are not supported (rare).
    parse_init();
    while (peek().k == token::kind::ident && peek().text.size() > 1 && peek().text[0] == 'P' &&
           std::all_of(peek().text.begin() + 1, peek().text.end(), ::isdigit))
      parse_thread();
    if (p.threads.empty()) fail(peek().line, "expected a thread P0 (...) { ... }");
    for (std::size_t i = 0; i < p.threads.size(); ++i)
      if (p.threads[i].id != static_cast<int>(i))
        fail(p.threads[i].line, "threads must be P0, P1, ... in order");
    parse_postlude();
  }

 private:
  const token& peek(int k = 0) const { return t_[std::min(pos_ + k, t_.size() - 1)]; }
  const token& next() { return t_[std::min(pos_++, t_.size() - 1)]; }
  bool is(const char* text, int k = 0) const { return peek(k).text == text && peek(k).k != token::kind::string; }
  bool accept(const char* text) {
    if (!is(text)) return false;
    next();
    return true;
  }
  [[noreturn]] void fail(int line, const std::string& msg) const {
    throw parse_error(file_ + ":" + std::to_string(line) + ": " + msg);
  }
  void expect(const char* text) {
    if (!accept(text)) fail(peek().line, std::string("expected '") + text + "', found '" + peek().text + "'");
  }
  std::string ident() {
    if (peek().k != token::kind::ident) fail(peek().line, "expected a name, found '" + peek().text + "'");
    return next().text;
  }
  std::int64_t number() {
    bool neg = accept("-");
    if (peek().k != token::kind::number) fail(peek().line, "expected a number, found '" + peek().text + "'");
    std::int64_t v = static_cast<std::int64_t>(std::stoull(next().text, nullptr, 0));
    return neg ? -v : v;
  }

  location_def& location(const std::string& name, int line) {
    for (auto& l : p_->locations)
      if (l.name == name) return l;
    p_->locations.push_back({name, true, 0, line});
    declared_.push_back(false);
    return p_->locations.back();
  }
  void set_kind(location_def& l, bool atomic, int line) {
    std::size_t i = static_cast<std::size_t>(&l - p_->locations.data());
    if (declared_[i] && l.atomic != atomic)
      fail(line, "location '" + l.name + "' is declared both atomic and plain");
    l.atomic = atomic;
    declared_[i] = true;
  }

  // { x = 0; [y] = 1; int z = 0; atomic_int w = 2; *v = 0; 0:r0 = 1; }
  void parse_init() {
    expect("{");
    while (!accept("}")) {
      if (accept(";")) continue;
      int line = peek().line;
      if (peek().k == token::kind::number && is(":", 1)) {
        int tid = static_cast<int>(number());
        expect(":");
        std::string r = ident();
        expect("=");
        reg_init_.push_back({tid, r, number(), line});
        continue;
      }
      std::string type;
      while (peek().k == token::kind::ident && (is_int_type(peek().text) || is_atomic_type(peek().text) ||
                                                 peek().text == "volatile" || peek().text == "const"))
        type += next().text + " ";
      bool bracket = accept("["), star = !bracket && accept("*");
      (void)star;
      std::string name = ident();
      if (bracket) expect("]");
      location_def& l = location(name, line);
      if (!type.empty()) set_kind(l, type.find("atomic") != std::string::npos || type.find("_Atomic") != std::string::npos, line);
      if (accept("=")) l.init = number();
      if (!is("}")) expect(";");
    }
  }

  void parse_thread() {
    thread_def th;
    th.line = peek().line;
    th.id = std::stoi(next().text.substr(1));
    expect("(");
    while (!accept(")")) {
      int line = peek().line;
      std::string type;
      while (peek().k == token::kind::ident && !is("*", 1) && peek(1).k == token::kind::ident) type += next().text + " ";
      if (peek().k == token::kind::ident && is("*", 1)) type += next().text + " ";
      if (type.empty()) fail(line, "expected a parameter such as 'atomic_int* x'");
      expect("*");
      std::string name = ident();
      bool atomic = type.find("atomic") != std::string::npos || type.find("_Atomic") != std::string::npos;
      set_kind(location(name, line), atomic, line);
      th.params.push_back(name);
      if (!is(")")) expect(",");
    }
    cur_params_ = &th.params;
    expect("{");
    while (!accept("}")) th.body.push_back(statement());
    cur_params_ = nullptr;
    for (const auto& ri : reg_init_)
      if (ri.tid == th.id) {
        stmt s;
        s.k = stmt::kind::assign;
        s.name = ri.reg;
        s.line = ri.line;
        s.e = literal(ri.value, ri.line);
        th.body.insert(th.body.begin(), std::move(s));
      }
    p_->threads.push_back(std::move(th));
  }

  std::unique_ptr<expr> literal(std::int64_t v, int line) {
    auto e = std::make_unique<expr>();
    e->value = v;
    e->line = line;
    return e;
  }

  bool is_location(const std::string& n) const {
    return cur_params_ != nullptr && std::find(cur_params_->begin(), cur_params_->end(), n) != cur_params_->end();
  }
  // The location argument of a builtin: `x` or `&x`, a parameter of the thread.
  std::string loc_arg() {
    accept("&");
    int line = peek().line;
    std::string n = ident();
    if (!is_location(n)) fail(line, "'" + n + "' is not a shared location (a parameter of this thread)");
    return n;
  }
  std::memory_order order_arg() {
    int line = peek().line;
    std::string n = ident();
    auto it = order_names().find(n);
    if (it == order_names().end()) fail(line, "expected a memory_order_*, found '" + n + "'");
    return it->second;
  }

  std::vector<stmt> block_or_statement() {
    std::vector<stmt> out;
    if (accept("{")) {
      while (!accept("}")) out.push_back(statement());
    } else {
      out.push_back(statement());
    }
    return out;
  }

  stmt statement() {
    stmt s;
    s.line = peek().line;
    const std::string w = peek().text;
    if (peek().k != token::kind::ident && w != "*" && w != "{")
      fail(s.line, "unsupported statement starting with '" + w + "'");
    if (w == "{") {
      // a nested block: flatten it into an always-taken branch
      s.k = stmt::kind::branch;
      s.e = literal(1, s.line);
      s.then_ = block_or_statement();
      return s;
    }
    if (w == "if") {
      next();
      expect("(");
      s.k = stmt::kind::branch;
      s.e = expression();
      expect(")");
      s.then_ = block_or_statement();
      if (accept("else")) s.else_ = block_or_statement();
      return s;
    }
    if (w == "while" || w == "for" || w == "do" || w == "goto" || w == "return" || w == "switch")
      fail(s.line, "unsupported construct '" + w + "' (only straight-line code and if/else)");
    if (w == "atomic_store_explicit" || w == "atomic_store") {
      next();
      expect("(");
      s.k = stmt::kind::store;
      s.loc = loc_arg();
      expect(",");
      s.e = expression();
      if (w == "atomic_store_explicit") {
        expect(",");
        s.mo = order_arg();
        if (s.mo == std::memory_order::acquire || s.mo == std::memory_order::consume || s.mo == std::memory_order::acq_rel)
          fail(s.line, std::string("a store cannot be ") + order_text(s.mo));
      }
      expect(")");
      expect(";");
      return s;
    }
    if (w == "atomic_thread_fence") {
      next();
      expect("(");
      s.k = stmt::kind::fence;
      s.mo = order_arg();
      expect(")");
      expect(";");
      return s;
    }
    if (w == "*") {
      next();
      s.k = stmt::kind::plain_store;
      s.loc = loc_arg();
      expect("=");
      s.e = expression();
      expect(";");
      return s;
    }
    if (is_int_type(w)) {  // declaration
      while (peek().k == token::kind::ident && is_int_type(peek().text)) next();
      if (is("*")) fail(s.line, "local pointers are not supported");
      s.k = stmt::kind::assign;
      s.name = ident();
      if (accept("=")) s.e = expression();
      expect(";");
      return s;
    }
    if (peek().k == token::kind::ident && is("=", 1) && !is_location(w)) {
      s.k = stmt::kind::assign;
      s.name = ident();
      next();
      s.e = expression();
      expect(";");
      return s;
    }
    if (is_location(w) && is("=", 1)) fail(s.line, "write '" + w + "' through a builtin or as '*" + w + " = ...'");
    s.k = stmt::kind::eval;
    s.e = expression();
    expect(";");
    return s;
  }

  // Expressions, by precedence (lowest first).
  int precedence(const std::string& op) const {
    static const std::map<std::string, int> p = {{"||", 1}, {"&&", 2}, {"|", 3}, {"^", 4}, {"&", 5},
                                                 {"==", 6}, {"!=", 6}, {"<", 7}, {"<=", 7}, {">", 7},
                                                 {">=", 7}, {"+", 8}, {"-", 8}, {"*", 9}, {"/", 9}, {"%", 9}};
    auto it = p.find(op);
    return peek().k == token::kind::punct && it != p.end() ? it->second : 0;
  }
  std::unique_ptr<expr> expression(int min_prec = 1) {
    auto lhs = unary();
    while (true) {
      int prec = precedence(peek().text);
      if (prec < min_prec || prec == 0) return lhs;
      auto e = std::make_unique<expr>();
      e->k = expr::kind::binary;
      e->line = peek().line;
      e->op = next().text;
      e->args.push_back(std::move(lhs));
      e->args.push_back(expression(prec + 1));
      lhs = std::move(e);
    }
  }
  std::unique_ptr<expr> unary() {
    int line = peek().line;
    if (is("!") || is("-") || is("~")) {
      auto e = std::make_unique<expr>();
      e->k = expr::kind::unary;
      e->line = line;
      e->op = next().text;
      e->args.push_back(unary());
      return e;
    }
    if (accept("*")) {  // *x: a plain read, or a seq_cst load of an atomic
      auto e = std::make_unique<expr>();
      e->line = line;
      e->loc = loc_arg();
      e->k = p_->find_location(e->loc)->atomic ? expr::kind::load : expr::kind::plain_load;
      return e;
    }
    if (accept("(")) {
      auto e = expression();
      expect(")");
      return e;
    }
    if (peek().k == token::kind::number) return literal(number(), line);
    if (peek().k != token::kind::ident) fail(line, "unsupported expression starting with '" + peek().text + "'");
    std::string n = ident();
    auto e = std::make_unique<expr>();
    e->line = line;
    if (n == "atomic_load_explicit" || n == "atomic_load") {
      expect("(");
      e->k = expr::kind::load;
      e->loc = loc_arg();
      if (n == "atomic_load_explicit") {
        expect(",");
        e->mo = order_arg();
        if (e->mo == std::memory_order::release || e->mo == std::memory_order::acq_rel)
          fail(line, std::string("a load cannot be ") + order_text(e->mo));
      }
      expect(")");
      return e;
    }
    if (auto it = rmw_names().find(n); it != rmw_names().end()) {
      expect("(");
      e->k = expr::kind::rmw;
      e->op = it->second.op;
      e->loc = loc_arg();
      expect(",");
      e->args.push_back(expression());
      if (it->second.is_explicit) {
        expect(",");
        e->mo = order_arg();
      }
      expect(")");
      return e;
    }
    if (n.rfind("atomic_compare_exchange_", 0) == 0) {
      std::string rest = n.substr(24);
      bool expl = rest.size() > 9 && rest.substr(rest.size() - 9) == "_explicit";
      if (expl) rest = rest.substr(0, rest.size() - 9);
      if (rest != "strong" && rest != "weak") fail(line, "unknown builtin '" + n + "'");
      expect("(");
      e->k = expr::kind::cas;
      e->weak = rest == "weak";
      e->loc = loc_arg();
      expect(",");
      expect("&");
      e->name = ident();
      if (is_location(e->name)) fail(line, "the expected value of a compare-exchange must be a register");
      expect(",");
      e->args.push_back(expression());
      if (expl) {
        expect(",");
        e->mo = order_arg();
        expect(",");
        e->mo2 = order_arg();
        if (e->mo2 == std::memory_order::release || e->mo2 == std::memory_order::acq_rel)
          fail(line, std::string("a compare-exchange cannot fail with ") + order_text(e->mo2));
      }
      expect(")");
      return e;
    }
    if (is("(")) fail(line, "unsupported function '" + n + "'");
    if (is_location(n)) fail(line, "'" + n + "' is a shared location: read it with atomic_load_explicit or *" + n);
    if (order_names().count(n)) fail(line, "a memory order is not a value");
    e->k = expr::kind::reg;
    e->name = n;
    return e;
  }

  // Postlude: [locations [x; 0:r0;]] then exists/~exists/forall (prop).
  void parse_postlude() {
    std::vector<observed> extra;
    if (accept("locations")) {
      expect("[");
      while (!accept("]")) {
        if (accept(";")) continue;
        extra.push_back(observed_name());
      }
    }
    int line = peek().line;
    if (is("filter")) fail(line, "'filter' clauses are not supported");
    condition& c = p_->cond;
    if (accept("~")) {
      if (!accept("exists")) fail(line, "expected 'exists' after '~'");
      c.q = condition::quantifier::not_exists;
    } else if (accept("exists")) {
      c.q = condition::quantifier::exists;
    } else if (accept("forall")) {
      c.q = condition::quantifier::forall;
    } else {
      fail(line, "expected 'exists', '~exists' or 'forall', found '" + peek().text + "'");
    }
    c.p = disjunction();
    if (peek().k != token::kind::end) fail(peek().line, "unexpected '" + peek().text + "' after the condition");
    for (auto& o : extra) add_observed(o);
    auto key = [](const observed& o) { return std::make_pair(o.thread < 0 ? 1 << 20 : o.thread, o.name); };
    std::stable_sort(p_->observe.begin(), p_->observe.end(),
                     [&](const observed& a, const observed& b) { return key(a) < key(b); });
  }
  void add_observed(const observed& o) {
    if (std::find(p_->observe.begin(), p_->observe.end(), o) == p_->observe.end()) p_->observe.push_back(o);
  }
  observed observed_name() {
    int line = peek().line;
    observed o;
    if (peek().k == token::kind::number) {
      o.thread = static_cast<int>(number());
      expect(":");
      if (o.thread >= static_cast<int>(p_->threads.size())) fail(line, "no thread P" + std::to_string(o.thread));
      o.name = ident();
    } else {
      bool bracket = accept("[");
      o.name = ident();
      if (bracket) expect("]");
      if (p_->find_location(o.name) == nullptr) fail(line, "unknown location '" + o.name + "'");
    }
    return o;
  }
  std::unique_ptr<prop> disjunction() {
    auto lhs = conjunction();
    while (is("\\/") || is("=>")) {
      auto p = std::make_unique<prop>();
      p->k = next().text == "=>" ? prop::kind::implies : prop::kind::disj;
      p->args.push_back(std::move(lhs));
      p->args.push_back(conjunction());
      lhs = std::move(p);
    }
    return lhs;
  }
  std::unique_ptr<prop> conjunction() {
    auto lhs = atom();
    while (accept("/\\")) {
      auto p = std::make_unique<prop>();
      p->k = prop::kind::conj;
      p->args.push_back(std::move(lhs));
      p->args.push_back(atom());
      lhs = std::move(p);
    }
    return lhs;
  }
  std::unique_ptr<prop> atom() {
    auto p = std::make_unique<prop>();
    if (accept("~") || accept("not")) {
      p->k = prop::kind::neg;
      p->args.push_back(atom());
      return p;
    }
    if (accept("(")) {
      auto inner = disjunction();
      expect(")");
      return inner;
    }
    if (accept("true") || accept("false")) {
      p->truth = t_[pos_ - 1].text == "true";
      return p;
    }
    observed o = observed_name();
    if (!accept("=")) expect("==");
    p->k = prop::kind::eq;
    p->thread = o.thread;
    p->name = o.name;
    p->value = number();
    add_observed(o);
    return p;
  }

  struct reg_init {
    int tid;
    std::string reg;
    std::int64_t value;
    int line;
  };
  std::vector<token> t_;
  std::string file_;
  std::size_t pos_ = 0;
  program* p_ = nullptr;
  std::vector<bool> declared_;
  std::vector<reg_init> reg_init_;
  const std::vector<std::string>* cur_params_ = nullptr;
};

}  // namespace

program parse(const std::string& text, const std::string& file) {
  program p;
  p.source = text;
  std::size_t eol = text.find('\n');
  std::string first = text.substr(0, eol);
  std::size_t sp = first.find_first_of(" \t");
  p.arch = first.substr(0, sp);
  if (p.arch != "C") throw parse_error(file + ":1: expected 'C <name>' (herd's C litmus format), found '" + first + "'");
  std::size_t ns = first.find_first_not_of(" \t", sp);
  if (sp == std::string::npos || ns == std::string::npos) throw parse_error(file + ":1: the test has no name");
  p.name = first.substr(ns);
  while (!p.name.empty() && std::isspace(static_cast<unsigned char>(p.name.back()))) p.name.pop_back();
  std::string rest = eol == std::string::npos ? "" : std::string("\n") + text.substr(eol + 1);
  parser(tokenize(rest, file), file).run(p);
  return p;
}

}  // namespace sluice::litmus
