// BPF filter expressions (tcpdump's syntax), compiled with libpcap on a dead Ethernet handle:
// pure, no device opened. Used to validate capture filters at parse time and to count matching
// packets in a pcap file.
#pragma once

#include <string>

namespace netrig {

// "" when `filter` compiles for Ethernet frames, else libpcap's message (e.g. "syntax error").
std::string bpf_problem(const std::string& filter);

}  // namespace netrig
