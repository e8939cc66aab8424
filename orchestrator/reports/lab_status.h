// The status of a deployed lab: one pure function from its plan and what was observed, used by
// `netrig inspect` (text and JSON) and by the HTTP API (orchestrator/api/), so both say the same.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "drivers/lab_observation.h"
#include "plan/plan.h"

namespace netrig {

enum class StatusDetail {
  Inspect,  // what `netrig inspect -o json` prints
  Full,     // + switches with their ports and VLAN modes, VMs, hosts, and live counters (the API)
};

nlohmann::json lab_status(const Plan& plan, const LabObservation& observed,
                          StatusDetail detail = StatusDetail::Inspect);

// The table `netrig inspect LAB` prints, from lab_status(plan, ..., Inspect).
std::string lab_status_text(const Plan& plan, const nlohmann::json& status);

// One line per deployed lab (`netrig inspect` with no lab) and its JSON.
struct LabListEntry {
  std::string lab;
  std::optional<LabMeta> meta;
};
nlohmann::json lab_list(const std::vector<LabListEntry>& labs);
std::string lab_list_text(const std::vector<LabListEntry>& labs);

}  // namespace netrig
