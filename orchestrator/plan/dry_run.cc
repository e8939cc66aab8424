#include "plan/dry_run.h"

#include <iomanip>
#include <sstream>

#include "plan/endpoints.h"

namespace netrig {

nlohmann::json plan_json(const Plan& plan) {
  using nlohmann::json;
  json steps = json::array();
  for (const auto& s : plan.steps)
    steps.push_back(
        {{"id", s.id}, {"kind", to_string(s.kind)}, {"target", s.target}, {"after", s.after}, {"does", s.detail}});
  json actions = json::array();
  for (const auto& a : plan.topology.actions)
    actions.push_back({{"name", a.name},
                       {"kind", a.kind},
                       {"after_checks", a.at},
                       {"target", a.target},
                       {"does", describe_action(plan, a)}});
  return json{{"lab", plan.topology.name}, {"steps", steps}, {"actions", actions}};
}

std::string plan_text(const Plan& plan) {
  std::ostringstream out;
  out << "plan for lab '" << plan.topology.name << "': " << plan.steps.size() << " steps\n";
  for (const auto& s : plan.steps) {
    out << std::setw(4) << s.id << "  " << std::left << std::setw(44) << s.describe() << std::right;
    if (!s.after.empty()) {
      out << " after";
      size_t shown = 0;
      for (int a : s.after) {
        if (shown++ == 6) {
          out << " …";
          break;
        }
        out << " " << a;
      }
    }
    std::string detail = s.detail;  // a NAT step's ruleset spans lines: keep it indented
    for (size_t at = detail.find('\n'); at != std::string::npos; at = detail.find('\n', at + 9))
      detail.replace(at, 1, "\n        ");
    out << "\n        " << detail << "\n";
  }
  if (!plan.topology.actions.empty()) {
    out << "tests: " << plan.topology.checks.size() << " checks in phases between " << plan.topology.actions.size()
        << " actions:\n";
    for (const auto& a : plan.topology.actions)
      out << "  after " << a.at << " checks: " << a.name << "\n        " << describe_action(plan, a) << "\n";
  }
  return out.str();
}

}  // namespace netrig
