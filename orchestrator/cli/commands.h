// The CLI's commands. Each returns the process exit code.
#pragma once

#include <string>
#include <thread>
#include <vector>

namespace netrig {

constexpr int kExitOk = 0;
constexpr int kExitCheckFailed = 1;
constexpr int kExitBadInput = 2;
constexpr int kExitEnvironment = 3;

inline int default_workers() {
  unsigned cpus = std::thread::hardware_concurrency();
  return static_cast<int>(cpus == 0 ? 2 : cpus > 8 ? 8 : cpus);
}

struct CommonOptions {
  std::string file;  // "" = the built-in default topology
  std::string name;
  std::string lab;
  std::string output = "text";
  std::string format = "mermaid";
  std::string junit;
  std::string json_report;
  std::string artifacts;            // "" = ./netrig-artifacts/<lab>
  int workers = default_workers();  // one per CPU, at most 8
  int parallel = 16;
  bool keep = false;
  bool all = false;
};

void install_interrupt_handlers();

int cmd_validate(const CommonOptions& o);
int cmd_plan(const CommonOptions& o);
int cmd_deploy(const CommonOptions& o);
int cmd_inspect(const CommonOptions& o);
int cmd_exec(const CommonOptions& o, const std::vector<std::string>& target, const std::vector<std::string>& cmd);
int cmd_test(const CommonOptions& o);
int cmd_destroy(const CommonOptions& o);
int cmd_doctor(const CommonOptions& o);
int cmd_graph(const CommonOptions& o);
// cli/apply.cc: change a running lab's security groups.
int cmd_apply(const CommonOptions& o);

}  // namespace netrig
