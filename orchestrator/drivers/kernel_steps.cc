#include "drivers/kernel_steps.h"

#include <net/if.h>

#include <chrono>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "drivers/container.h"
#include "drivers/destroy.h"
#include "drivers/dhcp.h"
#include "drivers/netlink.h"
#include "drivers/netns.h"
#include "drivers/nftables.h"
#include "drivers/node_config.h"
#include "drivers/node_exec.h"
#include "drivers/ovs.h"
#include "drivers/qos.h"
#include "drivers/service.h"
#include "drivers/veth_links.h"
#include "drivers/vm.h"
#include "drivers/vm_libvirt.h"
#include "model/names.h"
#include "model/ovs_instance.h"
#include "model/vm_driver.h"
#include "plan/qos.h"
#include "plan/security_groups.h"

namespace netrig {

namespace {

class KernelSteps;
using StepApply = void (*)(KernelSteps&, const Plan&, const Step&, Journal&);

class KernelSteps : public StepDriver {
 public:
  void check_runnable(const Plan& plan) override { check_containers_runnable(plan); }
  void apply(const Plan& plan, const Step& step, Journal& journal) override;
  int verify(const Plan& plan, std::string* why) override;
  void roll_back(const std::string& lab) override { destroy_lab(lab); }

  void container_started(int step, std::chrono::steady_clock::time_point up) {
    std::lock_guard lock(mutex_);
    containers_up_.emplace_back(step, up);
  }

 private:
  std::mutex mutex_;
  std::vector<std::pair<int, std::chrono::steady_clock::time_point>> containers_up_;  // StartContainer steps done
};

const NodeSpec& node_of(const Plan& plan, const std::string& name) {
  const auto* node = plan.topology.find_node(name);
  if (!node) throw std::logic_error("the plan names node '" + name + "', which the topology does not have");
  return *node;
}

void create_namespace(KernelSteps&, const Plan& plan, const Step& step, Journal& journal) {
  const auto ns = plan.netns_of(step.target);
  journal.record({"netns", ns, "", 0});
  const auto* n = plan.topology.find_node(step.target);
  const bool switches = step.target == kLocalHost || (n && n->is_host);
  // Inside the new namespace before it gets its name: the ownership mark (its loopback's alias,
  // which destroy_lab checks before touching a namespace) is there from the first moment the name
  // holds it, so a deploy killed at any point leaves no named namespace destroy would take for
  // another's. Loopback comes up here in the local namespace (for daemons that listen there: OVS
  // controllers), in a node's when configure_node runs.
  create_netns(ns, [&] {
    if (switches) {  // a switches' namespace: no IPv6 on bridges and ports (no RS/MLD noise in captures)
      write_sysctl("net.ipv6.conf.all.disable_ipv6", "1");
      write_sysctl("net.ipv6.conf.default.disable_ipv6", "1");
    }
    NetlinkSocket in_ns;
    in_ns.execute(build_link_set(static_cast<int>(if_nametoindex("lo")), step.target == kLocalHost,
                                 ownership_mark(plan.topology.name)));
  });
}

// Inside its host's switch namespace, which goes away whole on destroy: nothing to journal.
void create_bridge(KernelSteps&, const Plan& plan, const Step& step, Journal&) {
  LinkAttrs attrs;
  attrs.name = plan.bridge_device(step.target);
  attrs.mtu = node_of(plan, step.target).mtu;
  NetnsGuard inside(plan.switch_netns(step.target));
  NetlinkSocket local;
  local.execute(build_bridge_create(attrs));
}

void create_link(KernelSteps&, const Plan& plan, const Step& step, Journal& journal) {
  // Opened in the host's namespace (where every worker starts and returns to), once per worker.
  thread_local NetlinkSocket host;
  create_veth_link(plan.links.at(step.link), plan.topology.name, journal, host);
}

void configure(KernelSteps&, const Plan& plan, const Step& step, Journal&) {
  const auto& node = node_of(plan, step.target);
  if (node.kind == NodeKind::Vm)
    configure_vm(plan, node);
  else
    configure_node(plan, node, ownership_mark(plan.topology.name));
}

void container(KernelSteps& self, const Plan& plan, const Step& step, Journal& journal) {
  self.container_started(step.id, start_container(plan, node_of(plan, step.target), journal));
}

// The VM providers: QEMU started directly, or a libvirt domain (NETRIG_VM_DRIVER / settings).
void vm(KernelSteps&, const Plan& plan, const Step& step, Journal& journal) {
  using Start = void (*)(const Plan&, const NodeSpec&, Journal&, const std::string&, double);
  static const std::map<std::string, Start> providers = {{"direct", start_vm}, {"libvirt", start_vm_libvirt}};
  const auto driver = effective_vm_driver(plan.topology);
  const auto provider = providers.find(driver);
  if (provider == providers.end()) throw std::runtime_error("NETRIG_VM_DRIVER is '" + driver + "': direct or libvirt");
  provider->second(plan, node_of(plan, step.target), journal, ownership_mark(plan.topology.name), vm_boot_timeout());
}

// The table lives in the node's namespace only and goes with it: nothing to journal.
void nat(KernelSteps&, const Plan& plan, const Step& step, Journal&) {
  nft_apply(plan.netns_of(step.target), plan.nat.at(step.target));
}

// In the node's namespace (its interfaces and ifb devices): goes with it, nothing to journal.
void qos(KernelSteps&, const Plan& plan, const Step& step, Journal&) {
  apply_qos(plan.netns_of(step.target), qos_objects(node_of(plan, step.target)));
}

// The lab's security groups, in the namespace that holds its bridges. Goes with that namespace.
void security_groups(KernelSteps&, const Plan& plan, const Step&, Journal&) {
  // br_netfilter hands bridged IPv4/IPv6 to the inet hooks (conntrack) only when these are on;
  // they are per namespace, and this namespace is the lab's.
  const auto ns = security_group_netns(plan);
  {
    NetnsGuard inside(ns);
    write_sysctl("net.bridge.bridge-nf-call-iptables", "1");
    write_sysctl("net.bridge.bridge-nf-call-ip6tables", "1");
  }
  nft_apply(ns, plan.security_groups);
}

void dhcp(KernelSteps&, const Plan& plan, const Step& step, Journal& journal) {
  start_dhcp_server(plan, node_of(plan, step.target), journal, ownership_mark(plan.topology.name));
}

void exec(KernelSteps&, const Plan& plan, const Step& step, Journal&) {
  run_deploy_exec(plan, node_of(plan, step.target));
}

// Journaled by PID as it starts; destroy kills it with its node's namespace's processes.
void service(KernelSteps&, const Plan& plan, const Step& step, Journal& journal) {
  const auto colon = step.target.find(':');
  const auto node = step.target.substr(0, colon);
  for (const auto& sv : node_of(plan, node).services)
    if (sv.name == step.target.substr(colon + 1))
      start_service(plan, node, sv, [&](pid_t pid) {
        journal.record({"service", step.target, plan.netns_of(node), static_cast<uint32_t>(pid)});
      });
}

// Journaled by PID as they start; destroy kills them with their host namespace's processes.
void ovs_daemons(KernelSteps&, const Plan& plan, const Step& step, Journal& journal) {
  const auto ns = plan.host_netns(step.target);
  start_ovs_daemons(plan.topology.name, step.target, ns, [&](const std::string& name, pid_t pid) {
    journal.record({"ovs", name, ns, static_cast<uint32_t>(pid)});
  });
}

// In the host's own OVS, which goes with its namespace: nothing to journal.
void underlay(KernelSteps&, const Plan& plan, const Step& step, Journal&) { configure_underlay(plan, step.target); }

void system_ovs(KernelSteps&, const Plan& plan, const Step&, Journal&) { connect_system_ovs(plan); }

void ovs_switch(KernelSteps&, const Plan& plan, const Step& step, Journal& journal) {
  if (uses_system_ovs(plan.topology))  // a bridge in the system's OVS: journaled before it is made
    journal.record({"ovs-bridge", plan.ovs_name(step.target), plan.topology.ovs_db, 0});
  configure_ovs_switch(plan, node_of(plan, step.target));
}

const std::map<StepKind, StepApply>& step_table() {
  static const std::map<StepKind, StepApply> table = {
      {StepKind::CreateNetns, create_namespace},
      {StepKind::CreateBridge, create_bridge},
      {StepKind::CreateLink, create_link},
      {StepKind::ConfigureNode, configure},
      {StepKind::StartContainer, container},
      {StepKind::StartVm, vm},
      {StepKind::ConfigureNat, nat},
      {StepKind::ConfigureQos, qos},
      {StepKind::ConfigureSecurityGroups, security_groups},
      {StepKind::StartDhcp, dhcp},
      {StepKind::RunExec, exec},
      {StepKind::StartService, service},
      {StepKind::StartOvs, ovs_daemons},
      {StepKind::ConfigureUnderlay, underlay},
      {StepKind::ConnectOvs, system_ovs},
      {StepKind::ConfigureOvs, ovs_switch},
  };
  return table;
}

void KernelSteps::apply(const Plan& plan, const Step& step, Journal& journal) {
  const auto it = step_table().find(step.kind);
  if (it == step_table().end()) throw std::logic_error(std::string("no driver for step kind ") + to_string(step.kind));
  it->second(*this, plan, step, journal);
}

// Every container still runs kContainerSettle after it started (a missing or failing command has
// ended it by then). Waits only for the ones started last, once, instead of each start sleeping.
int KernelSteps::verify(const Plan& plan, std::string* why) {
  for (const auto& [id, up] : containers_up_) {
    std::this_thread::sleep_until(up + kContainerSettle);
    if (auto stopped = container_stopped(plan, node_of(plan, plan.steps[id].target)); !stopped.empty()) {
      *why = stopped;
      return id;
    }
  }
  return -1;
}

}  // namespace

std::unique_ptr<StepDriver> kernel_step_driver() { return std::make_unique<KernelSteps>(); }

bool kernel_step_has_driver(StepKind kind) { return step_table().count(kind) > 0; }

}  // namespace netrig
