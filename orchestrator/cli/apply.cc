// `netrig apply FILE`: changes the security groups of a running lab to what FILE says, in one
// nftables transaction that replaces only the lab's bridge-family table (the classifier that lets
// established connections through is not touched, so they keep flowing). Anything else that
// differs from the deployed topology is refused: that needs destroy + deploy.
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "drivers/lab_state.h"
#include "drivers/nftables.h"
#include "model/parser.h"
#include "plan/plan.h"
#include "plan/security_groups.h"

namespace netrig {

int cmd_apply(const CommonOptions& o) {
  std::ifstream in(o.file);
  if (!in) {
    std::cerr << o.file << ": error: cannot read the topology file\n  hint: check the path\n";
    return kExitBadInput;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  Topology wanted;
  try {
    wanted = parse_topology(text, o.file, ParseOptions{o.name});
  } catch (const TopologyError& e) {
    std::cerr << e.render() << "nothing was changed\n";
    return kExitBadInput;
  }
  const auto& lab = wanted.name;
  if (!lab_exists(lab)) {
    std::cerr << "netrig: error: no lab named '" << lab << "' is deployed\n"
              << "  hint: deploy it first (netrig deploy " << o.file << "); apply changes a running lab\n";
    return kExitBadInput;
  }
  if (geteuid() != 0) {
    std::cerr << "netrig: error: changing a lab's security groups needs root\n  hint: run it with sudo\n";
    return kExitEnvironment;
  }
  Plan running, next;
  try {
    running = make_plan(parse_topology(read_lab_topology(lab), o.file, ParseOptions{lab}));
  } catch (const TopologyError& e) {
    std::cerr << "netrig: error: the stored topology of lab '" << lab << "' does not parse\n";
    return kExitEnvironment;
  }
  next = make_plan(wanted);
  if (auto diff = non_security_group_difference(running, next); !diff.empty()) {
    std::cerr << o.file << ": error: only security groups can change on a running lab, but " << diff << "\n"
              << "  hint: undo that change, or rebuild the lab: netrig destroy " << lab << " && netrig deploy "
              << o.file << "\n"
              << "nothing was changed\n";
    return kExitBadInput;
  }
  const auto ns = security_group_netns(next);
  std::string rules;
  if (next.security_groups.empty())
    rules = running.security_groups.empty() ? "" : security_group_removal();
  else
    rules = running.security_groups.empty() ? next.security_groups : security_group_update(next);
  try {
    if (!rules.empty()) nft_apply(ns, rules);
  } catch (const std::exception& e) {
    std::cerr << "netrig: error: " << e.what() << "\n  the lab's previous rules stay in force\n";
    return kExitEnvironment;
  }
  write_lab_topology(lab, text);
  size_t ports = security_group_ports(next).size();
  std::cout << "lab '" << lab << "': security groups applied (" << next.topology.security_groups.size() << " groups on "
            << ports << " ports, one transaction in " << ns << "); established connections are kept\n";
  return kExitOk;
}

}  // namespace netrig
