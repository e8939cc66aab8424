// pingall: every node pings every other node, all at once. One raw ICMP socket per source node,
// made inside its namespace; echo requests to all targets go out together and the replies are
// matched by (identifier, sequence). Pairs that miss a round are retried until the check's timeout,
// so 2,450 pairs take about as long as the slowest one rather than 2,450 ping processes.
#include <arpa/inet.h>
#include <netinet/icmp6.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <map>

#include "checks/kinds.h"
#include "checks/runner.h"
#include "drivers/interrupt.h"
#include "drivers/netns.h"
#include "drivers/system_error.h"

namespace netrig {
namespace {

struct Pair {
  size_t source;
  size_t target;
  bool reached = false;
  double rtt_ms = 0;
  std::chrono::steady_clock::time_point sent;
};

uint16_t checksum(const void* data, size_t len) {
  uint32_t sum = 0;
  const auto* p = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i + 1 < len; i += 2) sum += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
  if (len & 1) sum += static_cast<uint32_t>(p[len - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return htons(static_cast<uint16_t>(~sum));
}

class Prober {
 public:
  Prober(const std::string& netns, int family, uint16_t id) : family_(family), id_(id) {
    NetnsGuard inside(netns);
    fd_ = family == 4 ? socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP)
                      : socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMPV6);
    if (fd_ < 0) throw_errno("raw ICMP socket in " + netns);
    int size = 1 << 20;
    setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    if (family == 6) {  // only echo replies reach this socket
      icmp6_filter filter;
      ICMP6_FILTER_SETBLOCKALL(&filter);
      ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filter);
      setsockopt(fd_, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter);
    }
  }
  ~Prober() {
    if (fd_ >= 0) close(fd_);
  }
  int fd() const { return fd_; }

  void send_echo(const IpAddr& to, uint16_t seq) {
    uint8_t packet[16] = {};
    packet[0] = family_ == 4 ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
    uint16_t nid = htons(id_);
    std::memcpy(packet + 4, &nid, 2);
    uint16_t nseq = htons(seq);
    std::memcpy(packet + 6, &nseq, 2);
    std::memcpy(packet + 8, "netrig!!", 8);
    if (family_ == 4) {  // the kernel computes the ICMPv6 checksum itself
      uint16_t sum = checksum(packet, sizeof packet);
      std::memcpy(packet + 2, &sum, 2);
    }
    sockaddr_storage ss{};
    socklen_t len;
    if (family_ == 4) {
      auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
      sin->sin_family = AF_INET;
      std::memcpy(&sin->sin_addr, to.bytes.data(), 4);
      len = sizeof *sin;
    } else {
      auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
      sin6->sin6_family = AF_INET6;
      std::memcpy(&sin6->sin6_addr, to.bytes.data(), 16);
      len = sizeof *sin6;
    }
    sendto(fd_, packet, sizeof packet, 0, reinterpret_cast<sockaddr*>(&ss), len);
  }

  // Sequence numbers of the echo replies waiting on the socket that carry our identifier.
  template <typename F>
  void drain(F&& on_reply) {
    uint8_t buf[1500];
    for (;;) {
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return;
      const uint8_t* icmp = buf;
      if (family_ == 4) {
        size_t header = static_cast<size_t>(buf[0] & 0x0f) * 4;
        if (static_cast<size_t>(n) < header + 8) continue;
        icmp = buf + header;
        if (icmp[0] != ICMP_ECHOREPLY) continue;
      } else if (n < 8 || icmp[0] != ICMP6_ECHO_REPLY) {
        continue;
      }
      uint16_t id, seq;
      std::memcpy(&id, icmp + 4, 2);
      std::memcpy(&seq, icmp + 6, 2);
      if (ntohs(id) == id_) on_reply(ntohs(seq));
    }
  }

 private:
  int fd_ = -1;
  int family_;
  uint16_t id_;
};

}  // namespace

CheckResult pingall_run(const Plan& plan, const CheckSpec& check) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  const auto deadline = start + std::chrono::duration_cast<clock::duration>(
                                    std::chrono::duration<double>(std::max(1.0, check.timeout_s)));
  const int family = check.family ? check.family : 4;
  CheckResult r;

  std::vector<std::string> nodes = check.nodes;
  if (nodes.empty())
    for (const auto& n : plan.topology.nodes)
      if (in_own_netns(n.kind) && !resolve_target(plan.topology, n.name, family).empty()) nodes.push_back(n.name);
  std::vector<IpAddr> addresses;
  for (const auto& n : nodes) {
    auto a = resolve_target(plan.topology, n, family);
    if (a.empty()) {
      r.status = CheckStatus::Error;
      r.message = "node '" + n + "' has no IPv" + std::to_string(family) + " address";
      return r;
    }
    addresses.push_back(*IpAddr::parse(a));
  }
  std::vector<std::unique_ptr<Prober>> probers;
  const uint16_t base_id = static_cast<uint16_t>(getpid() * 31);
  for (size_t i = 0; i < nodes.size(); ++i)
    probers.push_back(std::make_unique<Prober>(plan.netns_of(nodes[i]), family, static_cast<uint16_t>(base_id + i)));

  std::vector<Pair> pairs;
  for (size_t s = 0; s < nodes.size(); ++s)
    for (size_t t = 0; t < nodes.size(); ++t)
      if (s != t) pairs.push_back({s, t});
  // Sequence number = target index + round * node count, so a late reply from an earlier round
  // still counts for its pair.
  const size_t n = nodes.size();
  size_t missing = pairs.size();
  int rounds = 0;
  std::map<std::pair<size_t, size_t>, size_t> index;
  for (size_t i = 0; i < pairs.size(); ++i) index[{pairs[i].source, pairs[i].target}] = i;
  while (missing > 0 && clock::now() < deadline && !interrupted()) {
    ++rounds;
    for (auto& p : pairs) {
      if (p.reached) continue;
      p.sent = clock::now();
      probers[p.source]->send_echo(addresses[p.target], static_cast<uint16_t>(p.target + (rounds - 1) * n));
    }
    const auto round_end = std::min(deadline, clock::now() + std::chrono::milliseconds(1000));
    std::vector<pollfd> fds;
    for (const auto& p : probers) fds.push_back({p->fd(), POLLIN, 0});
    while (missing > 0 && clock::now() < round_end) {
      int wait =
          static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(round_end - clock::now()).count());
      if (poll(fds.data(), fds.size(), std::max(wait, 1)) <= 0) continue;
      for (size_t s = 0; s < fds.size(); ++s) {
        if (!(fds[s].revents & POLLIN)) continue;
        probers[s]->drain([&](uint16_t seq) {
          size_t target = seq % n;
          auto it = index.find({s, target});
          if (it == index.end() || pairs[it->second].reached) return;
          auto& p = pairs[it->second];
          p.reached = true;
          p.rtt_ms = std::chrono::duration<double, std::milli>(clock::now() - p.sent).count();
          --missing;
        });
      }
    }
  }
  double max_rtt = 0;
  std::string failures;
  int shown = 0;
  for (const auto& p : pairs) {
    max_rtt = std::max(max_rtt, p.rtt_ms);
    if (!p.reached && shown++ < 10)
      failures += (failures.empty() ? "" : ", ") + nodes[p.source] + "->" + nodes[p.target];
  }
  const double seconds = std::chrono::duration<double>(clock::now() - start).count();
  char text[200];
  std::snprintf(text, sizeof text, "%zu/%zu pairs reached in %d round%s, max rtt %.3f ms", pairs.size() - missing,
                pairs.size(), rounds, rounds == 1 ? "" : "s", max_rtt);
  r.message = text;
  if (missing) r.message += "; unreachable: " + failures + (missing > 10 ? ", …" : "");
  if (missing && pairs.size() > 1000 && !plan.topology.static_neighbors)
    r.message +=
        " (hint: the kernel's ARP/ND tables hold 1,024 dynamic entries for all namespaces together; "
        "with this many peers set `settings: {static_neighbors: true}`)";
  r.status = missing == 0 ? CheckStatus::Passed : CheckStatus::Failed;
  std::string matrix;
  size_t listed = 0;
  for (const auto& p : pairs)
    if (!p.reached && listed++ < 50)
      matrix += nodes[p.source] + " -> " + nodes[p.target] + " (" + addresses[p.target].str() + "): no reply\n";
  if (missing > 50) matrix += "... and " + std::to_string(missing - 50) + " more pairs\n";
  r.evidence.push_back({"built-in ICMP echo from each of " + std::to_string(n) + " nodes to every other (raw sockets)",
                        matrix.empty() ? std::string(text) + "\n" : matrix, missing == 0 ? 0 : 1, seconds});
  r.attempts = rounds;
  r.figures = {{"pairs", static_cast<double>(pairs.size())},
               {"pairs_reached", static_cast<double>(pairs.size() - missing)},
               {"pairs_missing", static_cast<double>(missing)},
               {"rtt_max_ms", max_rtt},
               {"rounds", static_cast<double>(rounds)}};
  // The whole matrix, for the JSON report: a pair's round-trip time, negative when it never answered.
  r.matrix.nodes = nodes;
  r.matrix.rtt_ms.assign(n, std::vector<double>(n, -1));
  for (const auto& p : pairs)
    if (p.reached) r.matrix.rtt_ms[p.source][p.target] = p.rtt_ms;
  return r;
}

}  // namespace netrig
