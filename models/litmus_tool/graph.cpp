// models/litmus_tool/graph.cpp — see graph.hpp.
#include "graph.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <regex>
#include <sstream>

namespace sluice::litmus {

const char* edge_colour(const std::string& kind) {
  if (kind == "rf") return "red";
  if (kind == "mo") return "blue";
  if (kind == "sw") return "darkgreen";
  if (kind == "sc") return "orange";
  return "black";
}

namespace {

bool memory_kind(const std::string& op) {
  return op == "load" || op == "store" || op == "rmw" || op == "cas-fail" || op == "fence" || op == "cell-read" ||
         op == "cell-write";
}

// Adds the sc edges: a topological order of the seq_cst nodes under the closure of the other
// relations plus rb (from-reads: a read before every mo-successor of the write it read).
void add_sc(graph& g) {
  const std::size_t n = g.nodes.size();
  std::vector<std::vector<char>> r(n, std::vector<char>(n, 0));
  std::map<int, std::vector<int>> mo_next;
  std::vector<int> rf_of(n, -1);
  for (const auto& e : g.edges) {
    r[e.from][e.to] = 1;
    if (e.kind == "mo") mo_next[e.from].push_back(e.to);
    if (e.kind == "rf") rf_of[e.to] = e.from;
  }
  for (std::size_t rd = 0; rd < n; ++rd) {  // rb: rd -> every mo-successor of rf(rd)
    if (rf_of[rd] < 0) continue;
    std::vector<int> todo = mo_next[rf_of[rd]];
    while (!todo.empty()) {
      int w = todo.back();
      todo.pop_back();
      if (static_cast<std::size_t>(w) != rd) r[rd][w] = 1;
      for (int m : mo_next[w]) todo.push_back(m);
    }
  }
  for (std::size_t k = 0; k < n; ++k)
    for (std::size_t i = 0; i < n; ++i)
      if (r[i][k])
        for (std::size_t j = 0; j < n; ++j)
          if (r[k][j]) r[i][j] = 1;
  std::vector<int> sc, order;
  for (std::size_t i = 0; i < n; ++i)
    if (g.nodes[i].sc) sc.push_back(static_cast<int>(i));
  std::vector<char> done(n, 0);
  while (order.size() < sc.size()) {
    int pick = -1;
    for (int a : sc) {
      if (done[a]) continue;
      bool minimal = std::none_of(sc.begin(), sc.end(), [&](int b) { return !done[b] && b != a && r[b][a]; });
      if (minimal) {
        pick = a;
        break;
      }
    }
    if (pick < 0)  // a cycle (not expected in a consistent execution): keep execution order
      for (int a : sc)
        if (!done[a]) {
          pick = a;
          break;
        }
    done[pick] = 1;
    order.push_back(pick);
  }
  for (std::size_t k = 1; k < order.size(); ++k) g.edges.push_back({order[k - 1], order[k], "sc"});
}

}  // namespace

graph build_graph(const std::string& trace, const std::string& dot, const std::vector<std::string>& init,
                  const std::vector<std::vector<event_label>>& ops) {
  graph g;
  g.nthreads = static_cast<int>(ops.size());
  std::map<int, int> node_of;  // checker event index -> node
  std::vector<std::size_t> next_op(ops.size(), 0);
  std::size_t next_init = 0;
  std::istringstream in(trace);
  std::string line;
  std::getline(in, line);  // header
  static const std::regex row(R"(^\s*(\d+)\s+T(\d+)\s+(\S+))");
  for (int ev = 0; std::getline(in, line); ++ev) {
    std::smatch m;
    if (!std::regex_search(line, m, row)) return g;
    int tid = std::stoi(m[2]);
    std::string op = m[3];
    if (tid == 0 && op == "init" && next_init < init.size()) {
      node_of[ev] = static_cast<int>(g.nodes.size());
      g.nodes.push_back({-1, static_cast<int>(next_init), init[next_init], 0, false});
      ++next_init;
    } else if (tid >= 1 && tid <= g.nthreads && memory_kind(op)) {
      auto t = static_cast<std::size_t>(tid - 1);
      if (next_op[t] >= ops[t].size()) return g;  // the trace and the interpreter disagree
      const event_label& l = ops[t][next_op[t]];
      node_of[ev] = static_cast<int>(g.nodes.size());
      g.nodes.push_back({tid - 1, static_cast<int>(next_op[t]), l.label, l.line, l.sc});
      ++next_op[t];
    }
  }
  for (std::size_t t = 0; t < ops.size(); ++t)
    if (next_op[t] != ops[t].size()) return g;
  std::vector<int> last(ops.size(), -1);
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    int t = g.nodes[i].thread;
    if (t < 0) continue;
    if (last[t] >= 0) g.edges.push_back({last[t], static_cast<int>(i), "sb"});
    last[t] = static_cast<int>(i);
  }
  static const std::regex edge(R"(e(\d+) -> e(\d+) \[label=(rf|mo|sw))");
  for (std::sregex_iterator it(dot.begin(), dot.end(), edge), end; it != end; ++it) {
    auto a = node_of.find(std::stoi((*it)[1])), b = node_of.find(std::stoi((*it)[2]));
    if (a != node_of.end() && b != node_of.end()) g.edges.push_back({a->second, b->second, (*it)[3]});
  }
  add_sc(g);
  g.ok = true;
  return g;
}

namespace {

std::string esc(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '&') o += "&amp;";
    else if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '"') o += "&quot;";
    else o += c;
  }
  return o;
}

std::string node_text(const gnode& n) {
  return n.line > 0 ? n.label + "  (line " + std::to_string(n.line) + ")" : n.label;
}

}  // namespace

std::string to_dot(const graph& g, const std::string& title) {
  std::string o = "digraph \"" + title + "\" {\n  label=\"" + title +
                  "\"; labelloc=t;\n  node [shape=box, fontname=monospace, fontsize=10];\n";
  auto id = [](int i) { return "n" + std::to_string(i); };
  o += "  subgraph cluster_init {\n    label=\"init\";\n";
  for (std::size_t i = 0; i < g.nodes.size(); ++i)
    if (g.nodes[i].thread < 0) o += "    " + id(static_cast<int>(i)) + " [label=\"" + node_text(g.nodes[i]) + "\"];\n";
  o += "  }\n";
  for (int t = 0; t < g.nthreads; ++t) {
    o += "  subgraph cluster_p" + std::to_string(t) + " {\n    label=\"P" + std::to_string(t) + "\";\n";
    for (std::size_t i = 0; i < g.nodes.size(); ++i)
      if (g.nodes[i].thread == t) o += "    " + id(static_cast<int>(i)) + " [label=\"" + node_text(g.nodes[i]) + "\"];\n";
    o += "  }\n";
  }
  for (const auto& e : g.edges) {
    std::string c = edge_colour(e.kind);
    o += "  " + id(e.from) + " -> " + id(e.to) + " [label=" + e.kind + ", color=" + c + ", fontcolor=" + c +
         (e.kind == "sb" ? "" : ", constraint=false") + "];\n";
  }
  return o + "}\n";
}

std::string to_svg(const graph& g, const std::string& title) {
  const int col_w = 230, row_h = 64, top = 44, init_h = 56, node_h = 24;
  auto width_of = [](const gnode& n) { return 16 + 7 * static_cast<int>(n.label.size()); };
  int ninit = 0, rows = 0;
  for (const auto& n : g.nodes) {
    if (n.thread < 0) ++ninit;
    else rows = std::max(rows, n.index + 1);
  }
  int w = std::max(col_w * std::max(g.nthreads, 1), col_w * std::max(ninit, 1) / 1) + 40;
  int h = top + init_h + rows * row_h + 50;
  std::vector<std::pair<int, int>> pos(g.nodes.size());  // centre of each node
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    const gnode& n = g.nodes[i];
    if (n.thread < 0) pos[i] = {20 + col_w / 2 + n.index * col_w, top + 10};
    else pos[i] = {20 + col_w / 2 + n.thread * col_w, top + init_h + 30 + n.index * row_h};
  }
  char buf[512];
  std::string o;
  std::snprintf(buf, sizeof buf,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"litmus-graph\" width=\"%d\" height=\"%d\" "
                "viewBox=\"0 0 %d %d\" font-family=\"monospace\" font-size=\"12\">\n",
                w, h, w, h);
  o += buf;
  o += "<title>" + esc(title) + "</title>\n<defs>\n";
  for (const char* k : {"sb", "rf", "mo", "sw", "sc"}) {
    std::snprintf(buf, sizeof buf,
                  "<marker id=\"arrow-%s\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" "
                  "markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"%s\"/></marker>\n",
                  k, edge_colour(k));
    o += buf;
  }
  o += "</defs>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  o += "<text x=\"10\" y=\"18\" font-weight=\"bold\">" + esc(title) + "</text>\n";
  for (int t = 0; t < g.nthreads; ++t) {
    std::snprintf(buf, sizeof buf, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\">P%d</text>\n",
                  20 + col_w / 2 + t * col_w, top + init_h + 4, t);
    o += buf;
  }
  // Edges first, under the nodes. Same-column edges that skip rows bend to the side.
  std::map<std::pair<int, int>, int> seen;  // parallel edges fan out
  for (const auto& e : g.edges) {
    auto [x1, y1] = pos[e.from];
    auto [x2, y2] = pos[e.to];
    int k = seen[{std::min(e.from, e.to), std::max(e.from, e.to)}]++;
    y1 += y2 > y1 ? node_h / 2 : y2 < y1 ? -node_h / 2 : 0;
    y2 += y2 > y1 ? -node_h / 2 : y2 < y1 ? node_h / 2 : 0;
    double mx = (x1 + x2) / 2.0, my = (y1 + y2) / 2.0;
    double bend = e.kind == "sb" ? 0 : 28 + 18 * k;
    if (x1 == x2 && e.kind != "sb") mx += bend + 40;
    else if (x1 != x2) my -= (k % 2 ? -1 : 1) * (bend - 20);
    else if (y1 == y2) my -= bend;
    std::snprintf(buf, sizeof buf,
                  "<path class=\"edge-%s\" d=\"M%d,%d Q%.0f,%.0f %d,%d\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.4\" "
                  "marker-end=\"url(#arrow-%s)\"/>\n",
                  e.kind.c_str(), x1, y1, mx, my, x2, y2, edge_colour(e.kind), e.kind.c_str());
    o += buf;
    std::snprintf(buf, sizeof buf, "<text x=\"%.0f\" y=\"%.0f\" fill=\"%s\" font-size=\"10\">%s</text>\n",
                  (x1 + x2 + 2 * mx) / 4 + 4, (y1 + y2 + 2 * my) / 4, edge_colour(e.kind), e.kind.c_str());
    o += buf;
  }
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    const gnode& n = g.nodes[i];
    int nw = width_of(n);
    auto [x, y] = pos[i];
    std::snprintf(buf, sizeof buf,
                  "<g class=\"node\"><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"4\" fill=\"%s\" "
                  "stroke=\"black\"/><text x=\"%d\" y=\"%d\" text-anchor=\"middle\">",
                  x - nw / 2, y - node_h / 2, nw, node_h, n.thread < 0 ? "#eeeeee" : "#fffbe6", x, y + 4);
    o += buf;
    o += esc(n.label);
    if (n.line > 0) o += "<title>line " + std::to_string(n.line) + "</title>";
    o += "</text></g>\n";
  }
  // Legend.
  int lx = 10;
  for (const char* k : {"sb", "rf", "mo", "sw", "sc"}) {
    std::snprintf(buf, sizeof buf,
                  "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"/>"
                  "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s</text>\n",
                  lx, h - 16, lx + 18, h - 16, edge_colour(k), lx + 22, h - 12, edge_colour(k), k);
    o += buf;
    lx += 60;
  }
  return o + "</svg>\n";
}

}  // namespace sluice::litmus
