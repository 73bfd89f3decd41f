// models/litmus_tool/graph.cpp — see graph.hpp.
#include "graph.hpp"

#include <algorithm>
#include <cmath>
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
  // Appended, not "n" + std::string&&: g++ 12 -O3's false -Wrestrict.
  auto id = [](int i) { return std::string(1, 'n').append(std::to_string(i)); };
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

namespace {

struct point {
  double x, y;
};

// Where the segment from a node's centre towards `toward` leaves the node's box.
point on_border(point c, double half_w, double half_h, point toward) {
  double dx = toward.x - c.x, dy = toward.y - c.y;
  if (dx == 0 && dy == 0) return c;
  double t = std::min(dx != 0 ? half_w / std::abs(dx) : 1e9, dy != 0 ? half_h / std::abs(dy) : 1e9);
  return {c.x + t * dx, c.y + t * dy};
}

}  // namespace

std::string to_svg(const graph& g, const std::string& title) {
  const int col_w = 210, row_h = 66, top = 40, init_h = 60, node_h = 24, margin = 20;
  auto width_of = [](const gnode& n) { return 16 + 7 * static_cast<int>(n.label.size()); };
  int ninit = 0, rows = 0;
  for (const auto& n : g.nodes) {
    if (n.thread < 0) ++ninit;
    else rows = std::max(rows, n.index + 1);
  }
  int w = col_w * std::max({g.nthreads, ninit, 1}) + 2 * margin;
  int first_row = top + init_h + 34;
  int h = first_row + rows * row_h + 30;
  std::vector<point> pos(g.nodes.size());  // centre of each node
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    const gnode& n = g.nodes[i];
    if (n.thread < 0) pos[i] = {margin + col_w / 2.0 + n.index * col_w, top + 16.0};
    else pos[i] = {margin + col_w / 2.0 + n.thread * col_w, first_row + 0.0 + n.index * row_h};
  }
  char buf[640];
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
  for (int t = 0; t < g.nthreads; ++t) {  // one framed column per thread
    std::snprintf(buf, sizeof buf,
                  "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"6\" fill=\"#fafafa\" stroke=\"#ccc\" "
                  "stroke-dasharray=\"4 3\"/><text x=\"%d\" y=\"%d\" fill=\"#666\">P%d</text>\n",
                  margin + t * col_w + 8, first_row - 32, col_w - 16, rows * row_h + 14, margin + t * col_w + 14,
                  first_row - 18, t);
    o += buf;
  }
  // Edges under the nodes. Edges inside one column bend to the side; parallel edges fan out.
  std::map<std::pair<int, int>, int> seen;
  for (const auto& e : g.edges) {
    point a = pos[e.from], b = pos[e.to];
    int k = seen[{std::min(e.from, e.to), std::max(e.from, e.to)}]++;
    point c{(a.x + b.x) / 2, (a.y + b.y) / 2};
    if (e.kind != "sb") {
      double bend = 22.0 + 16.0 * k;
      if (a.x == b.x) c.x += (k % 2 ? -1 : 1) * (bend + 36);
      else c.y -= (k % 2 ? -1 : 1) * bend;
    }
    point p1 = on_border(a, width_of(g.nodes[e.from]) / 2.0, node_h / 2.0, e.kind == "sb" ? b : c);
    point p2 = on_border(b, width_of(g.nodes[e.to]) / 2.0, node_h / 2.0, e.kind == "sb" ? a : c);
    std::snprintf(buf, sizeof buf,
                  "<path class=\"edge-%s\" d=\"M%.0f,%.0f Q%.0f,%.0f %.0f,%.0f\" fill=\"none\" stroke=\"%s\" "
                  "stroke-width=\"1.4\" marker-end=\"url(#arrow-%s)\"/>\n",
                  e.kind.c_str(), p1.x, p1.y, c.x, c.y, p2.x, p2.y, edge_colour(e.kind), e.kind.c_str());
    o += buf;
    std::snprintf(buf, sizeof buf, "<text x=\"%.0f\" y=\"%.0f\" fill=\"%s\" font-size=\"10\">%s</text>\n",
                  (p1.x + p2.x + 2 * c.x) / 4 + 4, (p1.y + p2.y + 2 * c.y) / 4 - 2, edge_colour(e.kind), e.kind.c_str());
    o += buf;
  }
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    const gnode& n = g.nodes[i];
    int nw = width_of(n);
    std::snprintf(buf, sizeof buf,
                  "<g class=\"node\"><rect x=\"%.0f\" y=\"%.0f\" width=\"%d\" height=\"%d\" rx=\"4\" fill=\"%s\" "
                  "stroke=\"black\"/><text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">",
                  pos[i].x - nw / 2.0, pos[i].y - node_h / 2.0, nw, node_h, n.thread < 0 ? "#eeeeee" : "#fffbe6",
                  pos[i].x, pos[i].y + 4);
    o += buf;
    o += esc(n.label);
    if (n.line > 0) o += "<title>line " + std::to_string(n.line) + "</title>";
    o += "</text></g>\n";
  }
  int lx = 10;  // legend
  for (const char* k : {"sb", "rf", "mo", "sw", "sc"}) {
    std::snprintf(buf, sizeof buf,
                  "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"/>"
                  "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s</text>\n",
                  lx, h - 14, lx + 18, h - 14, edge_colour(k), lx + 22, h - 10, edge_colour(k), k);
    o += buf;
    lx += 60;
  }
  return o + "</svg>\n";
}

}  // namespace sluice::litmus
