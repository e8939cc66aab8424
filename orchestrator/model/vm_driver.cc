#include "model/vm_driver.h"

#include <cstdlib>

#include "model/topology.h"

namespace netrig {

std::string libvirt_uri_problem(const std::string& uri) {
  const auto colon = uri.find(':');
  if (colon == std::string::npos || colon == 0) return "it is not a libvirt URI (driver[+transport]://[host]/path)";
  const auto scheme = uri.substr(0, colon);
  const auto driver = scheme.substr(0, scheme.find('+'));
  if (driver != "qemu")
    return "netrig's libvirt driver starts QEMU guests: the URI's driver must be 'qemu', not '" + driver + "'";
  if (uri.compare(colon, 3, "://") != 0) return "it is not a libvirt URI (driver[+transport]://[host]/path)";
  const auto rest = uri.substr(colon + 3);
  const auto host = rest.substr(0, rest.find('/'));
  if (!host.empty() && host != "localhost")
    return "'" + host +
           "' is another machine: its guests could not join this lab's bridges (they live in this machine's "
           "namespace <lab>-local) nor reach netrig's agent socket";
  const auto transport = scheme.size() > driver.size() ? scheme.substr(driver.size() + 1) : "";
  if (!transport.empty() && transport != "unix")
    return "transport '" + transport +
           "' reaches libvirt over the network; netrig needs the local daemon (qemu:///system or qemu+unix:///system)";
  return "";
}

std::string effective_vm_driver(const Topology& topo) {
  if (const char* e = std::getenv("NETRIG_VM_DRIVER"); e && *e) return e;
  return topo.vm_driver.empty() ? "direct" : topo.vm_driver;
}

std::string effective_libvirt_uri(const Topology& topo) {
  if (const char* e = std::getenv("NETRIG_LIBVIRT_URI"); e && *e) return e;
  return topo.libvirt_uri.empty() ? kDefaultLibvirtUri : topo.libvirt_uri;
}

}  // namespace netrig
