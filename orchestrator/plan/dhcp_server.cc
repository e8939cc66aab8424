#include "plan/dhcp_server.h"

namespace netrig {

std::vector<std::string> dnsmasq_argv(const DhcpServerSpec& d, const std::string& iface, const std::string& dir,
                                      const std::string& bridge) {
  std::vector<std::string> argv = {"dnsmasq",
                                   "--keep-in-foreground",
                                   "--conf-file=/dev/null",
                                   "--no-resolv",
                                   "--no-hosts",
                                   "--port=0",
                                   "--user=root",
                                   "--interface=" + iface,
                                   "--bind-interfaces",
                                   "--log-dhcp",
                                   "--log-facility=-",
                                   "--dhcp-authoritative",
                                   "--no-ping",
                                   "--dhcp-range=" + d.first.str() + "," + d.last.str() + "," + d.lease,
                                   "--dhcp-leasefile=" + dir + "/dhcp-" + bridge + ".leases",
                                   "--pid-file=" + dir + "/dhcp-" + bridge + ".pid"};
  if (d.gateway) argv.push_back("--dhcp-option=3," + d.gateway->str());
  return argv;
}

}  // namespace netrig
