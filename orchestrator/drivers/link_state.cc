#include "drivers/link_state.h"

#include <net/if.h>

#include <memory>

#include "drivers/netlink.h"
#include "drivers/netns.h"
#include "drivers/system_error.h"

namespace netrig {
namespace {

LinkInfo find(NetlinkSocket& socket, const std::string& netns, const std::string& device) {
  auto link = socket.find_link(device);
  if (!link)
    throw SystemError("no device " + device + " in " + (netns.empty() ? "the host's namespace" : "namespace " + netns),
                      ENODEV);
  return *link;
}

}  // namespace

void set_link_state(const std::string& netns, const std::string& device, bool up) {
  std::unique_ptr<NetnsGuard> inside;
  if (!netns.empty()) inside = std::make_unique<NetnsGuard>(netns);
  NetlinkSocket socket;
  socket.execute(build_link_updown(find(socket, netns, device).index, up));
}

bool link_is_up(const std::string& netns, const std::string& device) {
  std::unique_ptr<NetnsGuard> inside;
  if (!netns.empty()) inside = std::make_unique<NetnsGuard>(netns);
  NetlinkSocket socket;
  return find(socket, netns, device).flags & IFF_UP;
}

}  // namespace netrig
