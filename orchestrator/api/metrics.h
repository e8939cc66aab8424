// GET /metrics: the deployed labs in Prometheus' text exposition format (version 0.0.4), a pure
// function of the snapshots serve already keeps (so a scrape costs no netlink call).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "api/snapshots.h"

namespace netrig::api {

// What a scrape shows besides the labs.
struct ServeStats {
  uint64_t events = 0;                           // sequence number of the last event published
  uint64_t jobs_running = 0;                     // mutations under way
  std::map<std::string, double> deploy_seconds;  // lab -> its deploy job's duration (serve's jobs)
};

std::string metrics_text(const std::vector<std::shared_ptr<const LabSnapshot>>& labs, const ServeStats& stats);

// A label value with \, " and newline escaped as the format requires.
std::string escape_label_value(const std::string& value);

}  // namespace netrig::api
