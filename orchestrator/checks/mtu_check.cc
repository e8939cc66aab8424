// mtu: the path MTU from a node to an address, found by pinging with DF set (ping -M do) at sizes
// between the protocol's minimum and the sending interface's MTU.
#include <regex>

#include "checks/kinds.h"
#include "checks/mtu_search.h"
#include "drivers/node_exec.h"

namespace netrig {
namespace {

// IPv4 header + ICMP header; IPv6 header + ICMPv6 header: what ping adds to its payload (-s).
int header_bytes(int family) { return family == 6 ? 48 : 28; }

std::vector<std::string> probe_argv(int family, int size, const std::string& address) {
  // Two echo requests 50 ms apart, half a second for a reply: one lost by chance does not read as
  // too big, and a size the path drops costs 0.55 s.
  return {"ping",
          family == 6 ? "-6" : "-4",
          "-M",
          "do",
          "-c",
          "2",
          "-i",
          "0.05",
          "-W",
          "0.5",
          "-n",
          "-s",
          std::to_string(size - header_bytes(family)),
          address};
}

// The interface the node's route to `address` leaves by, and its MTU (0 when unknown).
struct Egress {
  std::string device;
  int mtu = 0;
  Evidence evidence;
};

Egress egress_of(const Plan& plan, const std::string& node, int family, const std::string& address) {
  Egress e;
  const std::vector<std::string> route = {"ip", family == 6 ? "-6" : "-4", "-o", "route", "get", address};
  auto run = run_on_node(plan, node, route, 5);
  std::smatch m;
  static const std::regex dev(R"(\bdev (\S+))");
  if (std::regex_search(run.output, m, dev)) e.device = m[1];
  std::string output = run.output;
  if (!e.device.empty()) {
    auto link = run_on_node(plan, node, {"ip", "-o", "link", "show", "dev", e.device}, 5);
    static const std::regex mtu(R"(\bmtu (\d+))");
    if (std::regex_search(link.output, m, mtu)) e.mtu = std::stoi(m[1]);
    output += link.output;
  }
  e.evidence = {on_node_text(plan, node, route), output, run.exit_code, run.seconds};
  return e;
}

std::optional<int> hinted_mtu(const std::string& output) {
  // iputils: "local error: message too long, mtu=1450" (the route's cached MTU) or
  // "Frag needed and DF set (mtu = 1450)" / "Packet too big: mtu=1280" (an ICMP error).
  static const std::regex mtu(R"(mtu ?= ?(\d+))");
  std::smatch m;
  if (std::regex_search(output, m, mtu)) return std::stoi(m[1]);
  return std::nullopt;
}

}  // namespace

CheckResult mtu_once(const Plan& plan, const CheckSpec& check, const std::string& address) {
  CheckResult r;
  const int family = address.find(':') != std::string::npos ? 6 : 4;
  const int floor = family == 6 ? 1280 : 68;
  auto egress = egress_of(plan, check.node, family, address);
  r.evidence.push_back(egress.evidence);
  if (egress.mtu < floor) {
    r.status = CheckStatus::Error;
    r.message = egress.device.empty() ? "no route from " + check.node + " to " + address
                                      : "cannot read the MTU of " + check.node + "'s " + egress.device;
    return r;
  }
  std::map<int, Evidence> runs;
  auto search = search_path_mtu(floor, egress.mtu, [&](int size) {
    auto argv = probe_argv(family, size, address);
    auto run = run_on_node(plan, check.node, argv, 5);
    runs[size] = {on_node_text(plan, check.node, argv), run.output, run.exit_code, run.seconds};
    MtuProbe p;
    p.crossed = run.exit_code == 0;
    p.hint = hinted_mtu(run.output);
    return p;
  });
  // The two probes that decide it: the largest size that crossed and the smallest that did not.
  for (int size : {search.path_mtu, search.smallest_failed})
    if (runs.count(size)) r.evidence.push_back(runs[size]);
  r.figures = {{"interface_mtu", egress.mtu}, {"probes", search.probes}};
  const auto bytes = [](int n) { return std::to_string(n) + "-byte"; };
  if (search.path_mtu == 0) {
    r.status = CheckStatus::Failed;
    r.message = "unreachable: not even a " + bytes(floor) + " packet crossed to " + address;
    return r;
  }
  r.figures["path_mtu"] = search.path_mtu;
  std::string found = "path MTU " + std::to_string(search.path_mtu) + ": a " + bytes(search.path_mtu) + " packet ";
  found += search.smallest_failed
               ? "crosses, a " + bytes(search.smallest_failed) + " one does not"
               : "crosses (" + egress.device + "'s MTU, the largest " + check.node + " sends unfragmented)";
  found += " (" + std::to_string(search.probes) + " probes)";
  const bool low = check.mtu_min && search.path_mtu < *check.mtu_min;
  const bool high = check.mtu_max && search.path_mtu > *check.mtu_max;
  r.status = low || high ? CheckStatus::Failed : CheckStatus::Passed;
  if (check.mtu_min && check.mtu_min == check.mtu_max)
    r.message = (low || high ? "expected " + std::to_string(*check.mtu_min) + ", found " : "") + found;
  else if (low)
    r.message = "below " + std::to_string(*check.mtu_min) + ": " + found;
  else if (high)
    r.message = "above " + std::to_string(*check.mtu_max) + ": " + found;
  else
    r.message = found;
  return r;
}

}  // namespace netrig
