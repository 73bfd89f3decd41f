// models/litmus_tool/main.cpp — sluice-litmus: herd7's C litmus tests on sluice's model checker.
//
// Usage: sluice-litmus [--model cxx20|rc11] [--preemptions N] [--spurious N] [--graphs DIR]
//                      [--html FILE] [--json] FILE.litmus...
// Prints herd7's result block for each test (or JSON with --json). Exit status: 0 when every
// file ran, 2 on a usage, parse or checker error.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "output.hpp"
#include "parser.hpp"

namespace lt = sluice::litmus;
namespace fs = std::filesystem;

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: sluice-litmus [--model cxx20|rc11] [--preemptions N] [--spurious N] [--graphs DIR]\n"
               "                     [--html FILE] [--json] FILE.litmus...\n");
  return 2;
}

std::string file_name(const std::string& test) {
  std::string o;
  for (char c : test) o += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : c == '+' ? '+' : '_';
  return o;
}

bool write_file(const fs::path& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
  return static_cast<bool>(f);
}

bool have_dot() { return std::system("command -v dot >/dev/null 2>&1") == 0; }

}  // namespace

int main(int argc, char** argv) {
  lt::run_config cfg;
  std::string graphs_dir, html_file;
  bool json = false;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--model") {
      cfg.model = value();
      if (cfg.model != "cxx20" && cfg.model != "rc11") return usage();
    } else if (a == "--preemptions") {
      cfg.preemption_bound = std::atoi(value().c_str());
    } else if (a == "--spurious") {
      cfg.spurious = std::atoi(value().c_str());
    } else if (a == "--graphs") {
      graphs_dir = value();
    } else if (a == "--html") {
      html_file = value();
    } else if (a == "--json") {
      json = true;
    } else if (a == "--help" || a == "-h") {
      usage();
      return 0;
    } else if (!a.empty() && a[0] == '-') {
      return usage();
    } else {
      files.push_back(a);
    }
  }
  if (files.empty()) return usage();
  if (cfg.model == "rc11") std::fprintf(stderr, "sluice-litmus: model rc11 requested through %s\n", lt::model_mechanism());

  std::vector<lt::program> programs;
  programs.reserve(files.size());
  std::vector<lt::report> reports;
  bool want_graphs = !graphs_dir.empty() || !html_file.empty();
  bool dot = !graphs_dir.empty() && have_dot();
  if (!graphs_dir.empty()) fs::create_directories(graphs_dir);
  int status = 0;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "%s: cannot read\n", file.c_str());
      status = 2;
      continue;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    try {
      programs.push_back(lt::parse(ss.str(), file));
    } catch (const lt::parse_error& e) {
      std::fprintf(stderr, "%s\n", e.what());
      status = 2;
      continue;
    }
    const lt::program& p = programs.back();
    lt::interpreter interp(p, cfg);
    int bound = cfg.preemption_bound != -2 ? cfg.preemption_bound : p.threads.size() <= 3 ? -1 : 1;
    lt::report r = lt::judge(p, file, cfg.model, bound, interp.explore());
    if (!r.x.error.empty()) {
      std::fprintf(stderr, "%s: %s: %s\n", file.c_str(), p.name.c_str(), r.x.error.c_str());
      status = 2;
    }
    if (want_graphs && r.x.error.empty()) {
      for (std::size_t i = 0; i < r.states.size(); ++i) {
        r.graphs.push_back(interp.witness(r.states[i]));
        if (graphs_dir.empty() || !r.graphs.back().ok) continue;
        std::string title = p.name + " #" + std::to_string(i + 1) + ": " + lt::state_text(p, r.states[i]);
        fs::path base = fs::path(graphs_dir) / (file_name(p.name) + "-" + std::to_string(i + 1));
        write_file(base.string() + ".dot", lt::to_dot(r.graphs.back(), title));
        write_file(base.string() + ".svg", lt::to_svg(r.graphs.back(), title));
        if (dot) {
          std::string cmd = "dot -Tsvg '" + base.string() + ".dot' -o '" + base.string() + ".graphviz.svg'";
          if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "sluice-litmus: dot failed on %s.dot\n", base.c_str());
        }
      }
    }
    if (!json) std::fputs((lt::herd_text(r) + "\n").c_str(), stdout);
    reports.push_back(std::move(r));
  }
  if (json) std::fputs(lt::json_text(reports).c_str(), stdout);
  if (!html_file.empty()) {
    std::string title = reports.size() == 1 && reports[0].p ? "sluice-litmus: " + reports[0].p->name
                                                            : "sluice-litmus: " + std::to_string(reports.size()) + " tests";
    if (!write_file(html_file, lt::html_page(reports, title))) {
      std::fprintf(stderr, "%s: cannot write\n", html_file.c_str());
      status = 2;
    }
  }
  return status;
}
