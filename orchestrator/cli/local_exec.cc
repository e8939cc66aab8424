#include "cli/local_exec.h"

#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "cli/commands.h"
#include "drivers/netns.h"
#include "drivers/node_exec.h"

namespace netrig {

int exec_in_local_host(const Plan& plan, const std::vector<std::string>& cmd) {
  const auto& lab = plan.topology.name;
  if (!plan.uses_local_host) {
    std::cerr << "netrig: error: lab '" << lab << "' has no local host namespace: it has no switches\n"
              << "  hint: " << plan.local_netns()
              << " holds a lab's bridge and ovs nodes; run the command in one of its nodes instead\n";
    return kExitBadInput;
  }
  int fd = open_netns(plan.local_netns());
  if (setns(fd, CLONE_NEWNET) != 0) {
    std::cerr << "netrig: error: setns " << plan.local_netns() << ": " << std::strerror(errno) << "\n";
    return kExitEnvironment;
  }
  for (const auto& kv : local_host_env(plan)) {
    auto eq = kv.find('=');
    setenv(kv.substr(0, eq).c_str(), kv.substr(eq + 1).c_str(), 1);
  }
  std::vector<char*> argv;
  for (const auto& c : cmd) argv.push_back(const_cast<char*>(c.c_str()));
  argv.push_back(nullptr);
  execvp(argv[0], argv.data());
  std::cerr << "netrig: error: cannot run " << cmd[0] << ": " << std::strerror(errno) << "\n";
  return 127;
}

}  // namespace netrig
