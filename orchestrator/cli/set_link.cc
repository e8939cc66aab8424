#include "cli/set_link.h"

#include <iostream>

#include "checks/actions.h"
#include "drivers/lab_state.h"
#include "model/endpoints.h"
#include "model/parse_qos.h"
#include "plan/endpoints.h"

namespace netrig {

namespace {

int bad(const std::string& what, const std::string& hint) {
  std::cerr << "netrig: error: " << what << "\n  hint: " << hint << "\n";
  return kExitBadInput;
}

}  // namespace

int cmd_set_link(const CommonOptions& o, const SetLinkOptions& s) {
  ActionSpec a;
  auto& m = a.impair;
  std::string why;
  auto time = [&](const std::string& text, const char* flag, std::optional<uint64_t>& out) {
    if (text.empty()) return true;
    out = parse_qos_time(text, why);
    if (!out) std::cerr << "netrig: error: --" << flag << " " << text << ": " << why << " (e.g. 50ms, 1s, 200us)\n";
    return out.has_value();
  };
  auto percent = [&](const std::string& text, const char* flag, std::optional<double>& out) {
    if (text.empty()) return true;
    out = parse_percent(text, why);
    if (!out) std::cerr << "netrig: error: --" << flag << " " << text << ": " << why << "\n";
    return out.has_value();
  };
  if (!time(s.delay, "delay", m.delay_us) || !time(s.jitter, "jitter", m.jitter_us) ||
      !percent(s.loss, "loss", m.loss_pct) || !percent(s.duplicate, "duplicate", m.duplicate_pct) ||
      !percent(s.reorder, "reorder", m.reorder_pct) || !percent(s.corrupt, "corrupt", m.corrupt_pct))
    return kExitBadInput;
  m.clear = s.clear;
  const bool impair = m.delay_us || m.jitter_us || m.loss_pct || m.duplicate_pct || m.reorder_pct || m.corrupt_pct;
  if (static_cast<int>(s.up.has_value()) + static_cast<int>(impair) + static_cast<int>(m.clear) != 1)
    return bad("say one thing to do: --down or --up, netem settings (--delay, --loss, ...), or --clear",
               "netrig set-link LAB:h1:eth0 --delay 50ms --jitter 5ms --loss 1%");
  if ((m.jitter_us || m.reorder_pct) && !m.delay_us)
    return bad("--jitter and --reorder need --delay", "e.g. --delay 50ms --jitter 5ms");

  // LAB:END, or END when exactly one lab is deployed and END's first part is not a lab.
  std::string lab = o.lab, end = s.target;
  const auto labs = list_labs();
  if (auto colon = s.target.find(':'); colon != std::string::npos && lab_exists(s.target.substr(0, colon))) {
    lab = s.target.substr(0, colon);
    end = s.target.substr(colon + 1);
  } else if (lab.empty()) {
    if (labs.size() != 1)
      return bad(labs.empty() ? "no lab is deployed" : "several labs are deployed; name one",
                 "netrig set-link LAB:NODE:IFACE ...");
    lab = labs[0];
  }
  auto plan = deployed_plan(lab);
  if (!plan) return kExitBadInput;
  if (!resolve_endpoint(*plan, end)) {
    std::string names;
    for (const auto& e : link_end_names(plan->topology)) names += " " + e.name;
    return bad("lab '" + lab + "' has no link end '" + end + "'", "its link ends:" + names);
  }
  a.target = end;
  if (s.up) {
    a.kind = "link";
    a.up = *s.up;
    a.name = "link " + end + (a.up ? " up" : " down");
  } else {
    a.kind = "impair";
    a.name = "impair " + end + (m.clear ? " clear" : "");
  }
  auto r = run_action(*plan, a);
  for (const auto& e : r.evidence) std::cout << e.command << "\n";
  std::cout << lab << ": " << r.message << "\n";
  if (r.status == CheckStatus::Passed) return kExitOk;
  std::cerr << "netrig: error: " << a.name << " " << to_string(r.status) << "\n";
  return r.status == CheckStatus::Skipped ? kExitEnvironment : kExitCheckFailed;
}

}  // namespace netrig
