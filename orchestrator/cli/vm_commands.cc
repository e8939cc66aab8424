#include "cli/vm_commands.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "drivers/lab_state.h"
#include "drivers/node_exec.h"
#include "drivers/vm.h"

namespace netrig {

int exec_in_vm(const Plan& plan, const std::string& node, const std::vector<std::string>& cmd) {
  auto r = run_on_node(plan, node, cmd.size() == 1 ? std::vector<std::string>{"/bin/sh", "-c", cmd[0]} : cmd, 3600);
  std::cout << r.output << std::flush;
  if (r.exit_code < 0) {
    std::cerr << "netrig: error: vm '" << node << "' did not run the command\n";
    return kExitEnvironment;
  }
  return r.exit_code;
}

int cmd_console(const std::string& target, bool log_only) {
  std::string lab, node = target;
  if (auto colon = target.find(':'); colon != std::string::npos) {
    lab = target.substr(0, colon);
    node = target.substr(colon + 1);
  } else {
    auto labs = list_labs();
    if (labs.size() != 1) {
      std::cerr << "netrig: error: " << (labs.empty() ? "no lab is deployed" : "several labs are deployed")
                << "; write LAB:NODE\n";
      return kExitBadInput;
    }
    lab = labs[0];
  }
  const auto log = vm_console_log(lab, node);
  if (access(log.c_str(), R_OK) != 0) {
    std::cerr << "netrig: error: lab '" << lab << "' has no vm '" << node << "' (no " << log << ")\n";
    return kExitBadInput;
  }
  if (log_only) {
    std::ifstream in(log);
    std::cout << in.rdbuf();
    return kExitOk;
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, vm_console_socket(lab, node).c_str(), sizeof addr.sun_path - 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::cerr << "netrig: error: cannot attach to the console (" << std::strerror(errno) << "); the log is " << log
              << "\n";
    return kExitEnvironment;
  }
  std::cerr << "netrig: console of vm '" << node << "' in lab '" << lab << "' (Ctrl-] leaves; log: " << log << ")\n";
  termios saved{};
  const bool tty = isatty(0) && tcgetattr(0, &saved) == 0;
  if (tty) {
    termios raw = saved;
    cfmakeraw(&raw);
    tcsetattr(0, TCSANOW, &raw);
  }
  // Show where the console is, then relay both ways.
  const char nl = '\n';
  (void)!write(fd, &nl, 1);
  char buf[4096];
  for (bool open = true; open;) {
    pollfd p[2] = {{0, POLLIN, 0}, {fd, POLLIN, 0}};
    if (poll(p, 2, -1) < 0) break;
    if (p[0].revents) {
      ssize_t n = read(0, buf, sizeof buf);
      if (n <= 0 || std::memchr(buf, 0x1d, static_cast<size_t>(n))) break;
      if (write(fd, buf, static_cast<size_t>(n)) < 0) break;
    }
    if (p[1].revents) {
      ssize_t n = read(fd, buf, sizeof buf);
      open = n > 0 && write(1, buf, static_cast<size_t>(n)) >= 0;
    }
  }
  if (tty) tcsetattr(0, TCSANOW, &saved);
  close(fd);
  std::cerr << "\nnetrig: left the console\n";
  return kExitOk;
}

}  // namespace netrig
