// connect checks that involve a guest: the probe from a vm node runs nc in the guest; a listener
// on a vm node (`listen: true`) is nc -lk started in the guest and stopped by its PID.
#include <chrono>

#include "checks/kinds.h"
#include "drivers/node_exec.h"
#include "drivers/vm.h"

namespace netrig {

CheckResult connect_from_vm(const Plan& plan, const CheckSpec& check, const std::string& address) {
  CheckResult r;
  const bool udp = check.protocol == "udp";
  const auto port = std::to_string(check.port);
  std::string cmd = udp ? "printf netrig-probe | nc -u -n -w 1 " + address + " " + port
                        : "nc -z -v -n -w 1 " + address + " " + port + " 2>&1";
  auto run = vm_exec(plan.topology.name, check.node, cmd, 5);
  bool open = udp ? (run.exit_code >= 0 && !run.output.empty()) : run.exit_code == 0;
  std::string outcome = udp ? (open ? "reply received" : "no reply within 1 s")
                            : (open                 ? "connected"
                               : run.output.empty() ? "no answer"
                                                    : run.output);
  while (!outcome.empty() && outcome.back() == '\n') outcome.pop_back();
  r.evidence.push_back({"in guest " + check.node + ": " + cmd, run.output, run.exit_code, run.seconds});
  bool want_open = check.expect == Expect::Success;
  r.status = open == want_open ? CheckStatus::Passed : CheckStatus::Failed;
  r.message = (open ? "open (" : "closed (") + outcome + ")" +
              (open == want_open ? ""
               : want_open       ? ", expected open"
                                 : ", expected closed");
  return r;
}

VmListener::VmListener(const Plan& plan, const std::string& node, const std::string& protocol,
                       const std::string& address, int port)
    : lab_(plan.topology.name), node_(node) {
  if (protocol != "tcp")
    throw std::runtime_error("listen: true on vm '" + node + "' supports tcp only (nc in the guest)");
  auto r = vm_exec(lab_, node_,
                   "setsid /usr/bin/nc -lk -n " + address + " " + std::to_string(port) +
                       " </dev/null >/dev/null 2>&1 & echo $!; sleep 0.2",
                   10);
  if (r.exit_code != 0) throw std::runtime_error("listener in guest " + node + " failed: " + r.output);
  pid_ = r.output;
  while (!pid_.empty() && (pid_.back() == '\n' || pid_.back() == ' ')) pid_.pop_back();
}

VmListener::~VmListener() {
  if (!pid_.empty()) vm_exec(lab_, node_, "kill " + pid_ + " 2>/dev/null", 5);
}

}  // namespace netrig
