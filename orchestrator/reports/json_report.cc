// The JSON report: docs/report-format.md, schema docs/report.schema.json.
#include <cmath>

#include "reports/report.h"
#include "reports/text_safety.h"

#ifndef NETRIG_VERSION
#define NETRIG_VERSION "unknown"
#endif

namespace netrig {

using nlohmann::json;

// Replaces, in every string of `j`, the bytes that are not UTF-8; returns how many.
static size_t clean_strings(json& j) {
  size_t replaced = 0;
  if (j.is_string()) {
    auto& s = j.get_ref<std::string&>();
    size_t here = 0;
    auto clean = clean_utf8(s, &here);
    if (here) s = std::move(clean);
    replaced += here;
  } else if (j.is_array() || j.is_object()) {
    for (auto& item : j) replaced += clean_strings(item);
  }
  return replaced;
}

// A figure as a JSON number; NaN and infinities (which JSON has not) become null.
static json number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

static json figures_json(const std::map<std::string, double>& figures) {
  json out = json::object();
  for (const auto& [name, value] : figures) out[name] = number(value);
  return out;
}

static json check_json(const CheckResult& r) {
  json evidence = json::array();
  for (const auto& e : r.evidence)
    evidence.push_back(
        {{"command", e.command}, {"output", e.output}, {"exit_code", e.exit_code}, {"seconds", e.seconds}});
  json c = {{"name", r.name},
            {"type", r.type},
            {"node", r.node},
            {"target", r.target},
            {"status", to_string(r.status)},
            {"message", r.message},
            {"attempts", r.attempts},
            {"seconds", r.seconds},
            {"evidence", evidence},
            {"artifacts", r.artifacts},
            {"step", r.step},
            {"background", r.background},
            {"started", r.started_s},
            {"figures", figures_json(r.figures)}};
  if (!r.flows.empty()) {
    json flows = json::array();
    for (const auto& f : r.flows)
      flows.push_back({{"name", f.name}, {"node", f.node}, {"target", f.target}, {"figures", figures_json(f.figures)}});
    c["flows"] = flows;
  }
  if (!r.matrix.nodes.empty()) {
    json rows = json::array();
    for (const auto& row : r.matrix.rtt_ms) {
      json cells = json::array();
      for (double v : row) cells.push_back(v < 0 ? json(nullptr) : number(v));
      rows.push_back(cells);
    }
    c["matrix"] = {{"nodes", r.matrix.nodes}, {"rtt_ms", rows}};
  }
  if (!r.cells.empty()) {
    json cells = json::array();
    for (const auto& cell : r.cells)
      cells.push_back({{"from", cell.from},
                       {"to", cell.to},
                       {"address", cell.address},
                       {"protocol", cell.protocol},
                       {"port", cell.port},
                       {"expected", cell.expected},
                       {"observed", cell.observed},
                       {"outcome", cell.outcome},
                       {"rule", cell.rule},
                       {"passed", cell.passed},
                       {"seconds", cell.seconds}});
    c["cells"] = cells;
  }
  if (size_t replaced = clean_strings(c)) c["notes"] = json::array({replacement_note(replaced)});
  return c;
}

json diagnostics_json(const std::vector<Diagnostic>& diagnostics) {
  json out = json::array();
  for (const auto& d : diagnostics) {
    json item = {{"file", d.file},      {"line", d.pos.line},   {"column", d.pos.col},
                 {"severity", "error"}, {"message", d.message}, {"headline", d.headline()}};
    if (!d.hint.empty()) item["hint"] = d.hint;
    out.push_back(item);
  }
  clean_strings(out);
  return out;
}

json json_report(const TestRun& run) {
  json checks = json::array();
  json notes = run.notes;
  size_t replaced = 0;
  for (const auto& r : run.results) {
    checks.push_back(check_json(r));
    if (checks.back().contains("notes")) ++replaced;
  }
  if (replaced)
    notes.push_back("the output of " + std::to_string(replaced) + (replaced == 1 ? " check" : " checks") +
                    " held bytes that are not UTF-8; they were replaced with U+FFFD (see each check's notes)");
  const int exit_code = run.exit_code >= 0 ? run.exit_code : run.all_passed() ? 0 : 1;
  json out = {
      {"format", "netrig-report"},
      {"format_version", kReportFormatVersion},
      {"netrig_version", run.netrig_version.empty() ? NETRIG_VERSION : run.netrig_version},
      {"host", run.host},
      {"started", run.started.time_since_epoch().count() == 0 ? json(nullptr) : json(rfc3339(run.started))},
      {"lab", run.lab},
      {"file", run.file},
      {"exit_code", exit_code},
      {"passed", run.count(CheckStatus::Passed)},
      {"failed", run.count(CheckStatus::Failed)},
      {"errors", run.count(CheckStatus::Error)},
      {"skipped", run.count(CheckStatus::Skipped)},
      {"ok", exit_code == 0},
      {"timings", {{"deploy", run.deploy_seconds}, {"checks", run.check_seconds}, {"destroy", run.destroy_seconds}}},
      {"checks", checks},
      {"diagnostics", diagnostics_json(run.diagnostics)},
      {"notes", notes}};
  if (!run.stopped_because.empty()) out["stopped_because"] = run.stopped_because;
  clean_strings(out);  // lab, file, notes: anything not already cleaned
  return out;
}

std::string json_report_text(const TestRun& run) {
  // The strings are clean already; `replace` only guards against a future field that is not.
  return json_report(run).dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace netrig
