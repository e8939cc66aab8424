#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "checks/kinds.h"
#include "drivers/netns.h"
#include "drivers/node_exec.h"
#include "drivers/system_error.h"
#include "model/ip.h"

namespace netrig {
namespace {

socklen_t make_sockaddr(const IpAddr& addr, int port, sockaddr_storage& ss) {
  std::memset(&ss, 0, sizeof ss);
  if (addr.family == 4) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(static_cast<uint16_t>(port));
    std::memcpy(&sin->sin_addr, addr.bytes.data(), 4);
    return sizeof(sockaddr_in);
  }
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
  sin6->sin6_family = AF_INET6;
  sin6->sin6_port = htons(static_cast<uint16_t>(port));
  std::memcpy(&sin6->sin6_addr, addr.bytes.data(), 16);
  return sizeof(sockaddr_in6);
}

// A socket that lives in the node's namespace (a socket keeps the namespace it was made in).
int socket_in(const std::string& netns, int family, int type) {
  NetnsGuard inside(netns);
  int fd = socket(family == 4 ? AF_INET : AF_INET6, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) throw_errno("socket");
  return fd;
}

}  // namespace

Listener::Listener(const std::string& netns, const std::string& protocol, const std::string& address, int port) {
  auto addr = IpAddr::parse(address);
  if (!addr) throw std::runtime_error("bad listener address " + address);
  udp_ = protocol == "udp";
  fd_ = socket_in(netns, addr->family, udp_ ? SOCK_DGRAM : SOCK_STREAM);
  int one = 1;
  setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_storage ss;
  socklen_t len = make_sockaddr(*addr, port, ss);
  // A listener closed a moment ago may still be held open by a process another check is just
  // forking (the copy of the fd lives until that child execs): give the port a moment to free up.
  int rc;
  for (int attempt = 0;
       (rc = bind(fd_, reinterpret_cast<sockaddr*>(&ss), len)) != 0 && errno == EADDRINUSE && attempt < 100; ++attempt)
    usleep(10000);
  if (rc != 0) {
    int e = errno;
    close(fd_);
    throw SystemError("listen on " + address + ":" + std::to_string(port) + "/" + protocol, e);
  }
  if (!udp_ && listen(fd_, 128) != 0) {
    int e = errno;
    close(fd_);
    throw SystemError("listen", e);
  }
  thread_ = std::thread([this] {
    char buf[2048];
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      if (udp_) {
        sockaddr_storage from;
        socklen_t from_len = sizeof from;
        ssize_t n = recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &from_len);
        if (n >= 0) sendto(fd_, buf, static_cast<size_t>(n), 0, reinterpret_cast<sockaddr*>(&from), from_len);
      } else {
        int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (c >= 0) close(c);
      }
    }
  });
}

Listener::~Listener() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (fd_ >= 0) close(fd_);
}

CheckResult connect_once(const Plan& plan, const CheckSpec& check, const std::string& address) {
  if (is_vm(plan, check.node)) return connect_from_vm(plan, check, address);
  using clock = std::chrono::steady_clock;
  CheckResult r;
  auto addr = IpAddr::parse(address);
  const auto netns = plan.netns_of(check.node);
  const bool udp = check.protocol == "udp";
  const auto start = clock::now();
  std::string outcome;
  bool open = false;
  int fd = socket_in(netns, addr->family, udp ? SOCK_DGRAM : SOCK_STREAM);
  sockaddr_storage ss;
  socklen_t len = make_sockaddr(*addr, check.port, ss);
  int rc = connect(fd, reinterpret_cast<sockaddr*>(&ss), len);
  if (!udp) {
    if (rc == 0 || errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      if (poll(&p, 1, 1000) == 1) {
        int err = 0;
        socklen_t err_len = sizeof err;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len);
        open = err == 0;
        outcome = open ? "connected" : std::string("refused: ") + std::strerror(err);
      } else {
        outcome = "no answer within 1 s (filtered or unreachable)";
      }
    } else {
      outcome = std::string("connect failed: ") + std::strerror(errno);
    }
  } else {
    const char probe[] = "netrig-probe";
    send(fd, probe, sizeof probe - 1, 0);
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 1000) == 1) {
      char buf[64];
      ssize_t n = recv(fd, buf, sizeof buf, 0);
      open = n > 0;
      outcome = open ? "reply received" : std::string("refused: ") + std::strerror(errno);
    } else {
      outcome = "no reply within 1 s";
    }
  }
  close(fd);
  double seconds = std::chrono::duration<double>(clock::now() - start).count();
  std::string what = check.protocol + " connect from " + check.node + " (netns " + netns + ") to " +
                     (addr->family == 6 ? "[" + address + "]" : address) + ":" + std::to_string(check.port);
  r.evidence.push_back({what, outcome, open ? 0 : 1, seconds});
  bool want_open = check.expect == Expect::Success;
  r.status = open == want_open ? CheckStatus::Passed : CheckStatus::Failed;
  r.message = (open ? "open (" : "closed (") + outcome + ")" +
              (open == want_open ? ""
               : want_open       ? ", expected open"
                                 : ", expected closed");
  return r;
}

}  // namespace netrig
