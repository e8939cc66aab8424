#include "model/bpf.h"

#include <pcap/pcap.h>

#include <mutex>

namespace netrig {

std::string bpf_problem(const std::string& filter) {
  // pcap_compile is reentrant since libpcap 1.8, but older ones share the parser's state.
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  pcap_t* dead = pcap_open_dead(DLT_EN10MB, 262144);
  if (!dead) return "libpcap cannot open a dead handle";
  bpf_program program{};
  std::string problem;
  if (pcap_compile(dead, &program, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0)
    problem = pcap_geterr(dead);
  else
    pcap_freecode(&program);
  pcap_close(dead);
  return problem;
}

}  // namespace netrig
