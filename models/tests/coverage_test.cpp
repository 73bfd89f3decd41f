// models/tests/coverage_test.cpp — SLUICE_MC_COVERAGE (models/rt/coverage.cpp).
//
// Proves: with SLUICE_MC_COVERAGE=FILE, a process appends one line "check\tsite\tuse" per named
// ordering a check executes, with the right operation kind (a CAS's success and failure orders
// apart, a fence as a fence); an operation outside any check and a bare std::memory_order are
// not recorded; without the variable nothing is written. The recording happens at exit, so
// the test runs itself as a child process (argv[1] == "child").
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>

#include "sluice/model.hpp"

namespace mc = sluice::model;
using P = mc::platform;

namespace {

constexpr sluice::named_order put{"cov.put", std::memory_order::release};
constexpr sluice::named_order get{"cov.get", std::memory_order::acquire};
constexpr sluice::named_order swap_ok{"cov.swap_ok", std::memory_order::acq_rel};
constexpr sluice::named_order swap_fail{"cov.swap_fail", std::memory_order::relaxed};
constexpr sluice::named_order bump{"cov.bump", std::memory_order::relaxed};
constexpr sluice::named_order wall{"cov.fence", std::memory_order::seq_cst};
constexpr sluice::named_order outside{"cov.outside", std::memory_order::relaxed};

int child() {
  P::atomic<int> lonely(0);
  (void)lonely.load(outside);  // no check is running: not recorded
  mc::options o;
  o.name = "cov_check";
  o.print_summary = false;
  mc::result r = mc::check(o, [] {
    P::atomic<int> a(0);
    a.store(1, put);
    (void)a.load(get);
    int expected = 7;  // fails: a is 1
    (void)a.compare_exchange_strong(expected, 2, swap_ok, swap_fail);
    (void)a.fetch_add(1, bump);
    P::fence(wall);
    (void)a.load(std::memory_order::relaxed);  // not a named order: not recorded
  });
  return r.passed() ? 0 : 1;
}

std::set<std::string> lines_of(const std::string& path) {
  std::set<std::string> out;
  std::ifstream in(path);
  for (std::string l; std::getline(in, l);) out.insert(l);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "child") return child();
  const std::string path = std::string(argv[0]) + ".coverage.txt";
  std::remove(path.c_str());
  int failures = 0;
  auto expect = [&](bool ok, const char* what) {
    std::printf("%-70s %s\n", what, ok ? "ok" : "FAIL");
    if (!ok) ++failures;
  };

  const std::string quoted = std::string("'") + argv[0] + "'";
  expect(std::system(("env -u SLUICE_MC_COVERAGE " + quoted + " child").c_str()) == 0,
         "child passes without SLUICE_MC_COVERAGE");
  expect(lines_of(path).empty(), "without the variable nothing is written");

  expect(std::system(("SLUICE_MC_COVERAGE='" + path + "' " + quoted + " child").c_str()) == 0,
         "child passes with SLUICE_MC_COVERAGE");
  const std::set<std::string> want = {
      "cov_check\tcov.put\tstore",           "cov_check\tcov.get\tload",
      "cov_check\tcov.swap_ok\tcas_success", "cov_check\tcov.swap_fail\tcas_failure",
      "cov_check\tcov.bump\trmw",            "cov_check\tcov.fence\tfence"};
  const std::set<std::string> got = lines_of(path);
  for (const std::string& l : got) std::printf("  recorded: %s\n", l.c_str());
  expect(got == want, "exactly the named orderings the check executed, each with its use");
  std::remove(path.c_str());
  return failures == 0 ? 0 : 1;
}
