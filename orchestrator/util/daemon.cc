#include "util/daemon.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>

namespace netrig {

namespace {

[[noreturn]] void fail(const std::string& what) { throw std::system_error(errno, std::generic_category(), what); }

struct OwnedFd {
  int fd;
  ~OwnedFd() {
    if (fd >= 0) close(fd);
  }
};

}  // namespace

pid_t spawn_daemon(const std::vector<std::string>& argv, const std::string& log_path, int netns_fd) {
  if (argv.empty()) throw std::invalid_argument("spawn_daemon: empty argv");
  // Everything the children need is prepared before fork: after it only async-signal-safe calls.
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  OwnedFd log{open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)};
  if (log.fd < 0) fail("open " + log_path);
  OwnedFd null{open("/dev/null", O_RDONLY | O_CLOEXEC)};
  if (null.fd < 0) fail("open /dev/null");
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) fail("pipe");
  OwnedFd read_end{pipe_fds[0]}, write_end{pipe_fds[1]};
  pid_t child = fork();
  if (child < 0) fail("fork");
  if (child == 0) {
    // Intermediate: new session, fork the daemon, report its PID, exit so it is reparented.
    setsid();
    pid_t daemon = fork();
    if (daemon == 0) {
      if (netns_fd >= 0 && setns(netns_fd, CLONE_NEWNET) != 0) _exit(126);
      dup2(null.fd, 0);
      dup2(log.fd, 1);
      dup2(log.fd, 2);
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      execvp(args[0], args.data());
      _exit(127);
    }
    (void)!write(write_end.fd, &daemon, sizeof daemon);
    _exit(daemon < 0 ? 1 : 0);
  }
  close(write_end.fd);
  write_end.fd = -1;
  pid_t daemon = -1;
  ssize_t n = read(read_end.fd, &daemon, sizeof daemon);
  int status = 0;
  waitpid(child, &status, 0);
  if (n != sizeof daemon || daemon <= 0) throw std::runtime_error("could not start " + argv[0]);
  return daemon;
}

}  // namespace netrig
