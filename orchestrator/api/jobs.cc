#include "api/jobs.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>

#include "util/files.h"

extern char** environ;

namespace netrig::api {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string new_job_id() {
  static std::mutex m;
  static std::mt19937_64 rng{std::random_device{}()};
  std::lock_guard lock(m);
  char buf[32];
  std::snprintf(buf, sizeof buf, "job-%012llx", static_cast<unsigned long long>(rng() & 0xffffffffffffULL));
  return buf;
}

bool write_file_atomically(const std::string& path, const std::string& text) {
  const auto tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << text;
    if (!out) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

std::string tail_of(const std::string& path, size_t max) {
  auto text = read_file(path);
  if (text.size() > max) text = "..." + text.substr(text.size() - max);
  return text;
}

bool active(const json& r) { return r.value("state", "") == "running"; }

// The start time of process `pid` (clock ticks after boot, /proc/PID/stat field 22), or 0 when
// there is no such process or it is a zombie: with the PID it names one process, not a reused PID.
uint64_t process_start(pid_t pid) {
  if (pid <= 0) return 0;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto paren = text.rfind(')');  // the command name may hold spaces and parentheses
  if (paren == std::string::npos) return 0;
  std::istringstream fields(text.substr(paren + 1));
  std::string state, field;
  fields >> state;
  if (state == "Z" || state == "X") return 0;
  for (int i = 4; i < 22 && fields >> field; ++i) {
  }
  uint64_t start = 0;
  fields >> start;
  return start;
}

}  // namespace

void record_job_process() {
  const char* path = std::getenv("NETRIG_JOB_PROCESS_FILE");
  if (!path || !*path) return;
  write_file_atomically(path, json{{"pid", getpid()}, {"pid_start", process_start(getpid())}}.dump() + "\n");
}

Jobs::Jobs(std::string dir, std::string netrig, EventLog& events)
    : dir_(std::move(dir)), netrig_(std::move(netrig)), events_(events) {}

Jobs::~Jobs() { stop(); }

void Jobs::save(const json& record) {
  write_file_atomically(job_dir(record["id"]) + "/job.json", record.dump(2) + "\n");
}

size_t Jobs::publish_events(const std::string& id, size_t offset, std::string& pending) {
  std::ifstream in(job_dir(id) + "/events.jsonl", std::ios::binary);
  if (!in) return offset;
  in.seekg(static_cast<std::streamoff>(offset));
  char buf[8192];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    pending.append(buf, static_cast<size_t>(in.gcount()));
    offset += static_cast<size_t>(in.gcount());
  }
  // Deploy steps and check results, one JSON line each; a line not yet complete waits.
  for (size_t nl; (nl = pending.find('\n')) != std::string::npos;) {
    auto event = json::parse(pending.substr(0, nl), nullptr, false);
    pending.erase(0, nl + 1);
    if (!event.is_object()) continue;
    const std::string type = event.value("type", "event");
    event.erase("type");
    event["job"] = id;
    events_.publish(type, event);
  }
  return offset;
}

void Jobs::finish(const std::string& id, std::optional<int> exit_code, const std::string& message) {
  const auto dir = job_dir(id);
  json changes = {{"finished", now_seconds()}, {"output", tail_of(dir + "/output.log", 8000)}};
  if (exit_code) {
    changes["exit_code"] = *exit_code;
    changes["state"] = *exit_code == 0 ? "succeeded" : "failed";
  } else {
    changes["state"] = "interrupted";
  }
  if (!message.empty()) changes["message"] = message;
  std::string lab;
  {
    std::lock_guard lock(mutex_);
    const auto& r = jobs_[id]->record;
    lab = r.value("lab", "");
    changes["seconds"] = changes["finished"].get<double>() - r.value("started", changes["finished"].get<double>());
  }
  std::ifstream report(dir + "/report.json");
  if (report) {
    auto result = json::parse(report, nullptr, false);
    if (!result.is_discarded()) changes["result"] = result;
  }
  if (on_finish_ && !lab.empty()) on_finish_(lab);
  transition(id, changes);
}

std::optional<int> Jobs::recorded_exit(const std::string& id) {
  std::ifstream in(job_dir(id) + "/exit.json");
  auto exit = json::parse(in, nullptr, false);
  if (exit.is_object() && exit.contains("exit_code") && exit["exit_code"].is_number_integer())
    return exit["exit_code"].get<int>();
  return std::nullopt;
}

bool Jobs::stopping() {
  std::lock_guard lock(mutex_);
  return stopping_;
}

void Jobs::load() {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    std::ifstream in(e.path() / "job.json");
    auto record = json::parse(in, nullptr, false);
    if (record.is_discarded() || !record.is_object() || !record.contains("id")) continue;
    const std::string id = record["id"];
    auto job = std::make_unique<Job>();
    job->record = record;
    std::lock_guard lock(mutex_);
    jobs_[id] = std::move(job);
    if (!active(record)) continue;
    pid_t pid = record.value("pid", 0);
    uint64_t started = record.value("pid_start", uint64_t{0});
    // A job a previous serve started, killed or stopped meanwhile: its process runs on in its own
    // session. Follow its events (from the start: this serve's stream had none of them) until it
    // ends, then take its exit code from the file the job writes (cli/event_sink.h).
    watchers_.emplace_back([this, id, pid, started]() mutable {
      // No PID in the record: that serve died between starting the job and saving it. The job
      // says which process it is (record_job_process) once its main runs.
      for (int i = 0; pid <= 0 && i < 100 && !stopping(); ++i) {
        std::ifstream in(job_dir(id) + "/process.json");
        auto p = json::parse(in, nullptr, false);
        if (p.is_object() && p.value("pid", 0) > 0) {
          pid = p.value("pid", 0);
          started = p.value("pid_start", uint64_t{0});
          std::lock_guard lock(mutex_);
          jobs_[id]->record.update({{"pid", pid}, {"pid_start", started}});
        } else if (fs::exists(job_dir(id) + "/exit.json")) {
          break;
        } else {
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
      }
      std::string pending;
      size_t offset = 0;
      while (started != 0 && process_start(pid) == started) {
        offset = publish_events(id, offset, pending);
        if (stopping()) return;  // still running: the next serve follows it
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      publish_events(id, offset, pending);
      const auto code = recorded_exit(id);
      finish(id, code,
             code ? "followed by a later serve (the one that started it stopped while it ran)"
                  : "its process ended without recording an exit code (killed?); look at the lab");
    });
  }
}

void Jobs::transition(const std::string& id, const json& changes) {
  json record;
  {
    std::lock_guard lock(mutex_);
    auto it = jobs_.find(id);
    if (it == jobs_.end()) return;
    if (changes.is_object()) it->second->record.update(changes);
    record = it->second->record;
  }
  save(record);
  json event = {{"job", id}, {"kind", record["kind"]}, {"lab", record["lab"]}, {"state", record["state"]}};
  if (record.contains("exit_code")) event["exit_code"] = record["exit_code"];
  events_.publish("job", event);
}

std::optional<json> Jobs::start(const std::string& kind, const std::string& lab, std::vector<std::string> args,
                                const std::map<std::string, std::string>& files) {
  std::unique_lock lock(mutex_);
  if (stopping_) return std::nullopt;
  for (const auto& [id, job] : jobs_)
    if (job->record.value("lab", "") == lab && active(job->record)) return std::nullopt;
  const auto id = new_job_id();
  const auto dir = job_dir(id);
  std::error_code ec;
  fs::create_directories(dir, ec);
  chmod(dir_.c_str(), 0700);  // posted topologies and their output live here
  chmod(dir.c_str(), 0700);
  for (const auto& [name, content] : files) write_file_atomically(dir + "/" + name, content);
  for (auto& a : args)
    for (size_t at; (at = a.find("{job_dir}")) != std::string::npos;) a.replace(at, 9, dir);
  std::vector<std::string> argv{netrig_};
  argv.insert(argv.end(), args.begin(), args.end());
  auto job = std::make_unique<Job>();
  job->record = {{"id", id},
                 {"kind", kind},
                 {"lab", lab},
                 {"state", "running"},
                 {"command", argv},
                 {"created", now_seconds()},
                 {"url", "/api/v1/jobs/" + id}};
  // The process starts before the answer goes out: a 202 means the job runs, and a serve killed
  // right after it leaves a record with the PID for the next serve to follow.
  pid_t pid = 0;
  const int rc = spawn(dir, argv, &pid);
  if (rc == 0) job->record.update({{"pid", pid}, {"pid_start", process_start(pid)}, {"started", now_seconds()}});
  save(job->record);
  const json record = job->record;
  jobs_[id] = std::move(job);
  lock.unlock();
  if (rc != 0) {
    transition(id, {{"state", "failed"}, {"message", std::string("cannot start netrig: ") + std::strerror(rc)}});
    return get(id);
  }
  transition(id, {});  // running, with its PID
  lock.lock();
  // stop() came meanwhile: the job runs on, and the next serve follows it (its PID is on disk).
  if (!stopping_) jobs_[id]->thread = std::thread([this, id, pid] { follow(id, pid); });
  return record;
}

int Jobs::spawn(const std::string& dir, const std::vector<std::string>& argv, pid_t* pid) {
  const auto log = dir + "/output.log";
  const auto events = dir + "/events.jsonl";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  // NETRIG_EVENT_FD: a file, not a pipe, so a serve that dies does not take the job with it
  // (SIGPIPE), and the next serve reads the rest.
  posix_spawn_file_actions_addopen(&actions, 3, events.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_addclosefrom_np(&actions, 4);  // not serve's sockets
  // Its own session: a Ctrl-C to serve's terminal, or serve's death, does not reach the job.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e)
    if (std::strncmp(*e, "NETRIG_EVENT_FD=", 16) != 0 && std::strncmp(*e, "NETRIG_JOB_", 11) != 0)
      env_strings.emplace_back(*e);
  env_strings.emplace_back("NETRIG_EVENT_FD=3");
  env_strings.emplace_back("NETRIG_JOB_EXIT_FILE=" + dir + "/exit.json");
  env_strings.emplace_back("NETRIG_JOB_PROCESS_FILE=" + dir + "/process.json");
  std::vector<char*> envp, args;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& a : argv_copy) args.push_back(a.data());
  args.push_back(nullptr);
  const int rc = posix_spawn(pid, argv[0].c_str(), &actions, &attr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  return rc;
}

void Jobs::follow(const std::string& id, pid_t pid) {
  std::string pending;
  size_t offset = 0;
  int status = 0;
  for (;;) {
    offset = publish_events(id, offset, pending);
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) {  // reaped elsewhere: what the job recorded
      publish_events(id, offset, pending);
      return finish(id, recorded_exit(id), "");
    }
    // serve is stopping: the job runs on (its own session) and the next serve follows it.
    if (stopping()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  publish_events(id, offset, pending);
  finish(id, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

std::optional<json> Jobs::get(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return std::nullopt;
  return it->second->record;
}

json Jobs::list() {
  std::lock_guard lock(mutex_);
  std::vector<json> all;
  for (const auto& [id, job] : jobs_) {
    json brief = job->record;
    brief.erase("output");
    brief.erase("result");
    all.push_back(brief);
  }
  std::sort(all.begin(), all.end(),
            [](const json& a, const json& b) { return a.value("created", 0.0) < b.value("created", 0.0); });
  return all;
}

bool Jobs::busy(const std::string& lab) {
  std::lock_guard lock(mutex_);
  for (const auto& [id, job] : jobs_)
    if (job->record.value("lab", "") == lab && active(job->record)) return true;
  return false;
}

size_t Jobs::running() {
  std::lock_guard lock(mutex_);
  size_t n = 0;
  for (const auto& [id, job] : jobs_) n += active(job->record);
  return n;
}

std::map<std::string, double> Jobs::deploy_seconds() {
  std::lock_guard lock(mutex_);
  std::map<std::string, std::pair<double, double>> latest;  // lab -> finished, seconds
  for (const auto& [id, job] : jobs_) {
    const auto& r = job->record;
    if (r.value("kind", "") != "deploy" || r.value("state", "") != "succeeded") continue;
    auto& slot = latest[r.value("lab", "")];
    if (r.value("finished", 0.0) >= slot.first) slot = {r.value("finished", 0.0), r.value("seconds", 0.0)};
  }
  std::map<std::string, double> out;
  for (const auto& [lab, v] : latest) out[lab] = v.second;
  return out;
}

void Jobs::stop() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (auto& [id, job] : jobs_)
      if (job->thread.joinable()) threads.push_back(std::move(job->thread));
    for (auto& w : watchers_) threads.push_back(std::move(w));
    watchers_.clear();
  }
  for (auto& t : threads) t.join();
}

}  // namespace netrig::api
