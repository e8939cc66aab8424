/* netrig-agent: runs commands for netrig inside a guest, over a virtio-serial port.
 *
 * Built statically by images/build.sh and started by the guest's /init as
 *   netrig-agent /dev/vportNpM
 *
 * Frames (ASCII header line, then exactly LEN bytes):
 *   host -> guest   NRQ <id> <timeout_ms> <len>\n<command: LEN bytes, run by /bin/sh -c>
 *   guest -> host   NRS <id> <exit> <len>\n<stdout and stderr, interleaved: LEN bytes>
 * exit is the command's exit code, 128+signal when killed (timeout: 124 after SIGKILL of its
 * process group). Each command runs in its own process (several at once); answers are written
 * whole under a lock so frames never interleave. The host skips answers whose id it did not ask
 * for (a previous client's), so reconnecting is safe.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_OUTPUT (4 << 20)

static int port = -1;
static int lock_fd = -1;

static int write_all(int fd, const char* p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR || errno == EAGAIN) {
        usleep(10000);
        continue;
      }
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void answer(long id, int code, const char* out, size_t len) {
  char head[64];
  int n = snprintf(head, sizeof head, "NRS %ld %d %zu\n", id, code, len);
  flock(lock_fd, LOCK_EX);
  if (write_all(port, head, (size_t)n) == 0) write_all(port, out, len);
  flock(lock_fd, LOCK_UN);
}

/* In a child of the agent: run the command, collect its output, answer. */
static void run(long id, long timeout_ms, const char* cmd) {
  int fds[2];
  if (pipe(fds) != 0) {
    answer(id, 127, "agent: pipe failed\n", 19);
    _exit(0);
  }
  pid_t pid = fork();
  if (pid == 0) {
    setsid();
    int null = open("/dev/null", O_RDONLY);
    dup2(null, 0);
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    close(fds[0]);
    close(fds[1]);
    signal(SIGPIPE, SIG_DFL);
    execl("/bin/sh", "sh", "-c", cmd, (char*)0);
    _exit(127);
  }
  close(fds[1]);
  char* out = malloc(MAX_OUTPUT);
  size_t len = 0;
  long long deadline = now_ms() + timeout_ms;
  int timed_out = 0;
  for (;;) {
    long long left = deadline - now_ms();
    if (left <= 0) {
      timed_out = 1;
      break;
    }
    struct pollfd p = {fds[0], POLLIN, 0};
    int r = poll(&p, 1, (int)(left > 1000 ? 1000 : left));
    if (r < 0 && errno != EINTR) break;
    if (r <= 0) continue;
    char buf[8192];
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    if (len + (size_t)n <= MAX_OUTPUT) {
      memcpy(out + len, buf, (size_t)n);
      len += (size_t)n;
    }
  }
  if (timed_out) kill(-pid, SIGKILL);
  int status = 0;
  /* Output closed (a daemon it left may still hold the pipe): wait for the command itself. */
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  kill(-pid, SIGKILL); /* whatever it left behind in its session */
  int code = timed_out ? 124 : WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  answer(id, code, out, len);
  _exit(0);
}

/* Reads exactly n bytes; returns 0 on success, -1 when the host went away (EOF). */
static int read_exact(char* p, size_t n) {
  while (n) {
    ssize_t r = read(port, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    p += r;
    n -= (size_t)r;
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: netrig-agent /dev/vportNpM\n");
    return 2;
  }
  port = open(argv[1], O_RDWR | O_CLOEXEC);
  if (port < 0) {
    perror(argv[1]);
    return 1;
  }
  lock_fd = open("/run/netrig-agent.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  struct sigaction sa = {0};
  sa.sa_handler = SIG_IGN;
  sa.sa_flags = SA_NOCLDWAIT;
  sigaction(SIGCHLD, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  char line[256];
  size_t have = 0;
  for (;;) {
    /* Header line, byte by byte (frames are small; the port is not a stream we may over-read). */
    char c;
    ssize_t r = read(port, &c, 1);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) { /* no host connected: the port reads as EOF; look again shortly */
      have = 0;
      usleep(20000);
      continue;
    }
    if (c != '\n') {
      if (have < sizeof line - 1) line[have++] = c;
      continue;
    }
    line[have] = 0;
    have = 0;
    long id = 0, timeout_ms = 0;
    size_t len = 0;
    if (sscanf(line, "NRQ %ld %ld %zu", &id, &timeout_ms, &len) != 3 || len > (1 << 20)) continue;
    char* cmd = malloc(len + 1);
    if (read_exact(cmd, len) != 0) {
      free(cmd);
      continue;
    }
    cmd[len] = 0;
    pid_t pid = fork();
    if (pid == 0) {
      struct sigaction dfl = {0};
      dfl.sa_handler = SIG_DFL;
      sigaction(SIGCHLD, &dfl, NULL);
      run(id, timeout_ms, cmd);
    }
    free(cmd);
  }
}
