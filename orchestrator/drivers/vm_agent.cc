#include "drivers/vm_agent.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>

#include "drivers/interrupt.h"

namespace netrig {

std::string agent_request(long id, long timeout_ms, const std::string& command) {
  return "NRQ " + std::to_string(id) + " " + std::to_string(timeout_ms) + " " + std::to_string(command.size()) + "\n" +
         command;
}

bool agent_parse(std::string& buffer, AgentAnswer& out) {
  for (;;) {
    auto start = buffer.find("NRS ");
    if (start == std::string::npos) {
      if (buffer.size() > 3) buffer.erase(0, buffer.size() - 3);  // keep a possible "NRS" prefix
      return false;
    }
    buffer.erase(0, start);
    auto nl = buffer.find('\n');
    if (nl == std::string::npos) return false;
    long id = 0;
    int code = 0;
    size_t len = 0;
    if (std::sscanf(buffer.c_str(), "NRS %ld %d %zu", &id, &code, &len) != 3 || nl > 64) {
      buffer.erase(0, 4);  // not a header after all: look further
      continue;
    }
    if (buffer.size() < nl + 1 + len) return false;
    out.id = id;
    out.exit_code = code;
    out.output = buffer.substr(nl + 1, len);
    buffer.erase(0, nl + 1 + len);
    return true;
  }
}

namespace {

// One shared connection to an agent socket. Whoever waits for an answer and finds nobody reading
// becomes the reader for a while and files every answer it sees under its id.
struct Connection {
  std::mutex mutex;
  std::condition_variable cv;
  int fd = -1;
  bool reading = false;
  std::string buffer;
  std::map<long, AgentAnswer> answers;
  std::string error;  // the connection broke: every waiter gives up with this
};

std::mutex registry_mutex;
std::map<std::string, std::shared_ptr<Connection>> registry;

std::shared_ptr<Connection> connection(const std::string& socket) {
  std::lock_guard lock(registry_mutex);
  auto& c = registry[socket];
  if (!c) c = std::make_shared<Connection>();
  return c;
}

int connect_unix(const std::string& path, std::string& error) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    error = "socket path too long: " + path;
    return -1;
  }
  std::strcpy(addr.sun_path, path.c_str());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    error = "connect " + path + ": " + std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return -1;
  }
  return fd;
}

bool write_all(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

std::atomic<long> next_id{0};

}  // namespace

ExecResult agent_run(const std::string& socket, const std::string& command, double timeout_s) {
  using clock = std::chrono::steady_clock;
  ExecResult result;
  result.argv = {"/bin/sh", "-c", command};
  const auto start = clock::now();
  // The agent stops the command at timeout_s; the host waits a little longer for that answer.
  const auto deadline = start + std::chrono::duration<double>(timeout_s + 2);
  // Ids unique across netrig processes sharing a guest: an answer for another client is skipped.
  const long id = (static_cast<long>(getpid()) << 24) + (++next_id);
  auto c = connection(socket);
  std::unique_lock lock(c->mutex);
  if (c->fd < 0) {
    std::string error;
    c->fd = connect_unix(socket, error);
    if (c->fd < 0) {
      result.output = error;
      return result;
    }
    c->error.clear();
    c->buffer.clear();
  }
  if (!write_all(c->fd, agent_request(id, static_cast<long>(timeout_s * 1000), command))) {
    result.output = "agent at " + socket + ": send failed: " + std::strerror(errno);
    ::close(c->fd);
    c->fd = -1;
    return result;
  }
  for (;;) {
    if (auto it = c->answers.find(id); it != c->answers.end()) {
      result.exit_code = it->second.exit_code;
      result.output = std::move(it->second.output);
      result.timed_out = result.exit_code == 124;
      c->answers.erase(it);
      break;
    }
    if (!c->error.empty()) {
      result.output = c->error;
      break;
    }
    if (clock::now() >= deadline) {
      result.timed_out = true;
      result.output = "no answer from the agent within " + std::to_string(static_cast<int>(timeout_s + 2)) + " s";
      break;
    }
    if (interrupted()) {
      result.interrupted = true;
      break;
    }
    if (c->reading) {
      c->cv.wait_for(lock, std::chrono::milliseconds(50));
      continue;
    }
    c->reading = true;
    int fd = c->fd;
    lock.unlock();
    pollfd p{fd, POLLIN, 0};
    char buf[16384];
    ssize_t n = 0;
    bool broken = false;
    if (poll(&p, 1, 50) > 0) {
      n = ::read(fd, buf, sizeof buf);
      broken = n <= 0;
    }
    lock.lock();
    c->reading = false;
    if (n > 0) {
      c->buffer.append(buf, static_cast<size_t>(n));
      AgentAnswer a;
      while (agent_parse(c->buffer, a)) c->answers[a.id] = std::move(a);
    }
    if (broken) {
      c->error = "agent at " + socket + ": connection closed (guest gone?)";
      ::close(c->fd);
      c->fd = -1;
    }
    c->cv.notify_all();
  }
  result.seconds = std::chrono::duration<double>(clock::now() - start).count();
  return result;
}

}  // namespace netrig
