// The API's mutations as durable jobs: each runs this same netrig binary (deploy, destroy, check)
// as a child in its own session, so a job does exactly what the command line does; its deploy steps
// and check results come back through <dir>/<id>/events.jsonl (NETRIG_EVENT_FD, cli/event_sink.h)
// into the event stream. A job's record (<dir>/<id>/job.json) is rewritten at each transition.
// Jobs outlive serve: stopped or killed (kill -9), serve leaves them running, and the next serve
// follows them to their end and records their real exit code (<dir>/<id>/exit.json, written by the
// job itself). One job per lab at a time.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "api/events.h"

namespace netrig::api {

// In netrig run as a job (main calls it first): writes {"pid", "pid_start"} of this process to
// $NETRIG_JOB_PROCESS_FILE, so a serve killed between starting the job and saving its PID still
// leaves the next serve a way to follow it. Does nothing without the variable.
void record_job_process();

class Jobs {
 public:
  // dir: where job records live; netrig: the binary the jobs run.
  Jobs(std::string dir, std::string netrig, EventLog& events);
  ~Jobs();

  // Reads the records a previous serve left. A job that was running then is followed until its
  // process ends (its events are published again, from the start), then finished with the exit
  // code it recorded; "interrupted" only when it recorded none (it was killed).
  void load();

  // Starts `netrig <args>` as job `kind` on `lab`, unless a job for that lab is running (then
  // nullopt: the caller answers 409). {files} are written into the job's directory first
  // (name -> content); "{job_dir}" in args is replaced by that directory.
  std::optional<nlohmann::json> start(const std::string& kind, const std::string& lab, std::vector<std::string> args,
                                      const std::map<std::string, std::string>& files = {});

  // Called with the job's lab when a job ends, before its record says so: a client that sees the
  // job done then reads the lab as that job left it (serve refreshes the lab's snapshot here).
  void on_finish(std::function<void(const std::string& lab)> f) { on_finish_ = std::move(f); }

  std::optional<nlohmann::json> get(const std::string& id);
  nlohmann::json list();
  bool busy(const std::string& lab);
  size_t running();
  // Deploy durations of the labs' latest successful deploy jobs (lab -> seconds), for /metrics.
  std::map<std::string, double> deploy_seconds();

  // Stops following the jobs. Running jobs run on (the next serve follows them); no signal is sent.
  void stop();

 private:
  struct Job {
    nlohmann::json record;  // id, kind, lab, state, args, pid, exit_code, created/started/finished, output
    std::thread thread;
  };
  // Starts netrig (argv) for the job in `dir`: stdio and events into its files, its own session.
  // Returns posix_spawn's error (0 when started) and sets *pid.
  int spawn(const std::string& dir, const std::vector<std::string>& argv, pid_t* pid);
  // Publishes the job's events while its process runs, then records how it ended.
  void follow(const std::string& id, pid_t pid);
  // Publishes the complete lines of the job's events file after `offset`; the new offset.
  size_t publish_events(const std::string& id, size_t offset, std::string& pending);
  // The final transition: exit code (none: interrupted), output tail, the check report as result.
  void finish(const std::string& id, std::optional<int> exit_code, const std::string& message = "");
  // The exit code the job wrote into <dir>/<id>/exit.json, if it did.
  std::optional<int> recorded_exit(const std::string& id);
  bool stopping();
  void transition(const std::string& id, const nlohmann::json& changes);
  void save(const nlohmann::json& record);
  std::string job_dir(const std::string& id) const { return dir_ + "/" + id; }

  std::string dir_;
  std::string netrig_;
  EventLog& events_;
  std::function<void(const std::string&)> on_finish_;
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Job>> jobs_;
  std::vector<std::thread> watchers_;
  bool stopping_ = false;
};

}  // namespace netrig::api
