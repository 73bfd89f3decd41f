// models/litmus_tool/output.cpp — see output.hpp.
#include "output.hpp"

#include <cstdio>

namespace sluice::litmus {

namespace {

std::int64_t value_of(const program& p, const state& s, int thread, const std::string& name) {
  for (std::size_t i = 0; i < p.observe.size(); ++i)
    if (p.observe[i].thread == thread && p.observe[i].name == name) return s[i];
  return 0;
}

bool holds(const program& p, const prop& q, const state& s) {
  switch (q.k) {
    case prop::kind::truth: return q.truth;
    case prop::kind::eq: return value_of(p, s, q.thread, q.name) == q.value;
    case prop::kind::neg: return !holds(p, *q.args[0], s);
    case prop::kind::conj: return holds(p, *q.args[0], s) && holds(p, *q.args[1], s);
    case prop::kind::disj: return holds(p, *q.args[0], s) || holds(p, *q.args[1], s);
    case prop::kind::implies: return !holds(p, *q.args[0], s) || holds(p, *q.args[1], s);
  }
  return false;
}

std::string prop_text(const prop& q, bool top) {
  auto wrap = [&](const std::string& s) { return top ? s : "(" + s + ")"; };
  switch (q.k) {
    case prop::kind::truth: return q.truth ? "true" : "false";
    case prop::kind::eq:
      return (q.thread >= 0 ? std::to_string(q.thread) + ":" : "") + q.name + "=" + std::to_string(q.value);
    case prop::kind::neg: return "~" + prop_text(*q.args[0], false);
    case prop::kind::conj: return wrap(prop_text(*q.args[0], q.args[0]->k == prop::kind::conj) + " /\\ " +
                                       prop_text(*q.args[1], false));
    case prop::kind::disj: return wrap(prop_text(*q.args[0], q.args[0]->k == prop::kind::disj) + " \\/ " +
                                       prop_text(*q.args[1], false));
    case prop::kind::implies: return wrap(prop_text(*q.args[0], false) + " => " + prop_text(*q.args[1], false));
  }
  return "";
}

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

std::string json_str(const std::string& s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') o += std::string("\\") + c;
    else if (c == '\n') o += "\\n";
    else if (static_cast<unsigned char>(c) < 0x20) o += ' ';
    else o += c;
  }
  return o + "\"";
}

const char* kind_text(condition::quantifier q) {
  switch (q) {
    case condition::quantifier::exists: return "Allowed";
    case condition::quantifier::not_exists: return "Forbidden";
    case condition::quantifier::forall: return "Required";
  }
  return "?";
}

}  // namespace

std::string state_text(const program& p, const state& s) {
  std::string o;
  for (std::size_t i = 0; i < p.observe.size(); ++i) {
    const observed& n = p.observe[i];
    o += (n.thread >= 0 ? std::to_string(n.thread) + ":" : "") + n.name + "=" + std::to_string(s[i]) + ";";
    if (i + 1 < p.observe.size()) o += " ";
  }
  return o;
}

std::string condition_text(const program& p) {
  const condition& c = p.cond;
  const char* q = c.q == condition::quantifier::exists ? "exists" : c.q == condition::quantifier::forall ? "forall" : "~exists";
  std::string body = prop_text(*c.p, true);
  return std::string(q) + " (" + body + ")";
}

report judge(const program& p, const std::string& file, const std::string& model, int bound, exploration x) {
  report r;
  r.p = &p;
  r.file = file;
  r.model = model;
  r.preemption_bound = bound;
  r.x = std::move(x);
  for (const auto& [s, n] : r.x.states) {
    bool sat = holds(p, *p.cond.p, s);
    r.states.push_back(s);
    r.counts.push_back(n);
    r.satisfies.push_back(sat);
    (sat ? r.positive : r.negative) += n;
  }
  switch (p.cond.q) {
    case condition::quantifier::exists: r.ok = r.positive > 0; break;
    case condition::quantifier::not_exists: r.ok = r.positive == 0; break;
    case condition::quantifier::forall: r.ok = r.negative == 0; break;
  }
  r.observation = r.positive == 0 ? "Never" : r.negative == 0 ? "Always" : "Sometimes";
  return r;
}

std::string herd_text(const report& r) {
  const program& p = *r.p;
  std::string o = "Test " + p.name + " " + kind_text(p.cond.q) + "\n";
  if (!r.x.error.empty()) return o + "Error " + r.x.error + "\n";
  o += "States " + std::to_string(r.states.size()) + "\n";
  for (const auto& s : r.states) o += state_text(p, s) + "\n";
  o += std::string(r.ok ? "Ok" : "No") + "\nWitnesses\nPositive: " + std::to_string(r.positive) +
       " Negative: " + std::to_string(r.negative) + "\n";
  if (r.x.race) o += "Flag data-race\n";
  o += "Condition " + condition_text(p) + "\n";
  o += "Observation " + p.name + " " + r.observation + " " + std::to_string(r.positive) + " " +
       std::to_string(r.negative) + "\n";
  char t[64];
  std::snprintf(t, sizeof t, "%.2f", r.x.seconds);
  o += "Time " + p.name + " " + t + "\n";
  // The checker's own lines (herd prints none of these).
  o += "Executions " + p.name + " " + std::to_string(r.x.executions) + (r.x.exhausted ? " exhausted" : " NOT exhausted") +
       " (model " + r.model + ", preemption bound " + (r.preemption_bound < 0 ? "any" : std::to_string(r.preemption_bound)) +
       ")\n";
  for (std::size_t i = 0; i < r.states.size(); ++i)
    o += "Count " + std::to_string(r.counts[i]) + (r.satisfies[i] ? " *> " : " :> ") + state_text(p, r.states[i]) + "\n";
  if (r.x.race) o += "Race " + r.x.race_text + "\n";
  return o;
}

std::string json_text(const std::vector<report>& rs) {
  std::string o = "[\n";
  for (std::size_t k = 0; k < rs.size(); ++k) {
    const report& r = rs[k];
    const program& p = *r.p;
    o += "  {\"test\": " + json_str(p.name) + ", \"file\": " + json_str(r.file) + ", \"model\": " + json_str(r.model);
    if (!r.x.error.empty()) {
      o += ", \"error\": " + json_str(r.x.error) + "}";
    } else {
      o += ", \"condition\": " + json_str(condition_text(p)) + ", \"ok\": " + (r.ok ? "true" : "false") +
           ", \"observation\": " + json_str(r.observation) + ", \"positive\": " + std::to_string(r.positive) +
           ", \"negative\": " + std::to_string(r.negative) + ", \"executions\": " + std::to_string(r.x.executions) +
           ", \"exhausted\": " + (r.x.exhausted ? "true" : "false") + ", \"race\": " + (r.x.race ? "true" : "false") +
           ", \"race_text\": " + json_str(r.x.race_text) + ", \"seconds\": " + std::to_string(r.x.seconds) +
           ",\n   \"states\": [";
      for (std::size_t i = 0; i < r.states.size(); ++i) {
        o += std::string(i ? ", " : "") + "{\"state\": " + json_str(state_text(p, r.states[i])) +
             ", \"count\": " + std::to_string(r.counts[i]) + ", \"satisfies\": " + (r.satisfies[i] ? "true" : "false") + "}";
      }
      o += "]}";
    }
    o += k + 1 < rs.size() ? ",\n" : "\n";
  }
  return o + "]\n";
}

std::string html_page(const std::vector<report>& rs, const std::string& title) {
  std::string o =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + esc(title) +
      "</title>\n<style>body{font-family:sans-serif;margin:1.5em}pre{background:#f6f6f6;font-size:12px;"
      "padding:.6em;border:1px solid #ddd;overflow:auto}table{border-collapse:collapse;margin:.5em 0}"
      "td,th{border:1px solid #bbb;padding:.2em .6em;font-family:monospace;text-align:left}"
      ".graphs{display:flex;flex-wrap:wrap;gap:.8em}.yes{background:#ffe0e0}.verdict-ok{color:#080}.verdict-no{color:#b00}.graph{margin:.8em 0;"
      "border:1px solid #ddd;display:inline-block}.cols{display:flex;gap:1.5em;flex-wrap:wrap}</style>"
      "</head>\n<body>\n<h1>" + esc(title) + "</h1>\n";
  o += "<p>Edges: <b>sb</b> sequenced-before (black), <b style=\"color:red\">rf</b> reads-from, "
       "<b style=\"color:blue\">mo</b> modification order, <b style=\"color:darkgreen\">sw</b> synchronizes-with, "
       "<b style=\"color:orange\">sc</b> an order of the seq_cst events consistent with this execution. "
       "Counts are explored executions (schedules) of sluice's model checker.</p>\n";
  for (const report& r : rs) {
    const program& p = *r.p;
    o += "<section class=\"test\"><h2>" + esc(p.name) + " <small>(" + esc(r.file) + ", model " + esc(r.model) +
         ")</small></h2>\n<div class=\"cols\"><div><h3>Program</h3><pre>" + esc(p.source) +
         "</pre></div><div><h3>Result</h3><pre>" + esc(herd_text(r)) + "</pre></div></div>\n";
    if (!r.x.error.empty()) {
      o += "</section>\n";
      continue;
    }
    o += "<h3>Outcomes</h3><p>Condition <code>" + esc(condition_text(p)) + "</code>: <b class=\"" +
         (r.ok ? "verdict-ok\">Ok" : "verdict-no\">No") + "</b> (" + r.observation + ")" +
         (r.x.race ? " &mdash; <b>data race</b>: " + esc(r.x.race_text) : "") + "</p>\n";
    o += "<table><tr><th>#</th><th>final state</th><th>executions</th><th>condition holds</th></tr>\n";
    for (std::size_t i = 0; i < r.states.size(); ++i)
      o += std::string("<tr") + (r.satisfies[i] ? " class=\"yes\"" : "") + "><td><a href=\"#" + esc(p.name) + "-" +
           std::to_string(i + 1) + "\">" + std::to_string(i + 1) + "</a></td><td>" + esc(state_text(p, r.states[i])) +
           "</td><td>" + std::to_string(r.counts[i]) + "</td><td>" + (r.satisfies[i] ? "yes" : "no") + "</td></tr>\n";
    o += "</table>\n";
    o += "<div class=\"graphs\">\n";
    for (std::size_t i = 0; i < r.graphs.size(); ++i) {
      o += "<div class=\"graph\" id=\"" + esc(p.name) + "-" + std::to_string(i + 1) + "\">";
      if (r.graphs[i].ok)
        o += to_svg(r.graphs[i], p.name + " #" + std::to_string(i + 1) + ": " + state_text(p, r.states[i]));
      else
        o += "<p>no witness execution found</p>";
      o += "</div>\n";
    }
    o += "</div></section>\n";
  }
  // Counts the graphs the browser laid out (non-empty boxes, which forces layout); tests read the
  // count from the DOM.
  o += "<script>(function(){var g=document.querySelectorAll('svg.litmus-graph');"
       "var n=0;g.forEach(function(s){var b=s.getBBox();if(b.width>0&&b.height>0)n++;});"
       "document.body.setAttribute('data-graphs',g.length);document.body.setAttribute('data-graphs-rendered',n);})();"
       "</script>\n</body></html>\n";
  return o;
}

}  // namespace sluice::litmus
