// The host side of netrig-agent (images/netrig-agent.c): commands run inside a guest over the
// virtio-serial port that QEMU exposes as a unix socket in the lab's state directory.
#pragma once

#include <string>

#include "drivers/process.h"

namespace netrig {

// Runs `command` with /bin/sh -c in the guest behind `socket`. One connection per socket per
// netrig process, shared by every thread (several commands in flight, answers matched by id).
// Never throws for the command's failure; a guest that cannot be reached gives exit_code -1 and
// the reason in output.
ExecResult agent_run(const std::string& socket, const std::string& command, double timeout_s);

// Encodes one request frame: "NRQ <id> <timeout_ms> <len>\n<command>".
std::string agent_request(long id, long timeout_ms, const std::string& command);

// One answer frame parsed from the front of `buffer` (consumed); false when incomplete.
struct AgentAnswer {
  long id = 0;
  int exit_code = 0;
  std::string output;
};
bool agent_parse(std::string& buffer, AgentAnswer& out);

}  // namespace netrig
