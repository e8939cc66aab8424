#include "cli/event_sink.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>

namespace netrig {
namespace {

int event_fd() {
  static const int fd = [] {
    const char* v = std::getenv("NETRIG_EVENT_FD");
    return v ? std::atoi(v) : -1;
  }();
  return fd;
}

}  // namespace

void record_job_exit(int exit_code) {
  const char* path = std::getenv("NETRIG_JOB_EXIT_FILE");
  if (!path || !*path) return;
  const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const std::string tmp = std::string(path) + ".tmp";
  {
    std::ofstream out(tmp);
    out << nlohmann::json{{"exit_code", exit_code}, {"finished", now}}.dump() << "\n";
    if (!out) return;
  }
  std::rename(tmp.c_str(), path);
}

void emit_event(const std::string& type, nlohmann::json data) {
  const int fd = event_fd();
  if (fd < 0) return;
  data["type"] = type;
  const std::string line = data.dump() + "\n";  // < PIPE_BUF for a step: one atomic write
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = write(fd, line.data() + done, line.size() - done);
    if (n <= 0) return;  // the events file is gone or full: the run goes on
    done += static_cast<size_t>(n);
  }
}

void emit_step_event(const std::string& lab, const Step& step, StepEvent event, const std::string& error) {
  if (event_fd() < 0) return;
  const char* what = event == StepEvent::Started ? "started" : event == StepEvent::Done ? "done" : "failed";
  nlohmann::json data = {{"lab", lab},
                         {"step", step.id},
                         {"kind", to_string(step.kind)},
                         {"target", step.target},
                         {"state", what},
                         {"describe", step.describe()}};
  if (!error.empty()) data["error"] = error;
  emit_event("deploy_step", data);
}

void emit_check_event(const std::string& lab, const CheckResult& r) {
  if (event_fd() < 0) return;
  nlohmann::json data = {{"lab", lab},
                         {"name", r.name},
                         {"check", r.type},
                         {"node", r.node},
                         {"status", to_string(r.status)},
                         {"message", r.message},
                         {"seconds", r.seconds},
                         {"step_kind", r.step}};
  if (!r.figures.empty()) data["figures"] = r.figures;
  emit_event("check_result", data);
}

}  // namespace netrig
