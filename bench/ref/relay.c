/* The floor of a pty relay, for bench/keys: the least a relay can do per key. It puts CMD on a
 * pty of its own, takes its own terminal raw (as `appinit run`, `script`, ssh do) and copies
 * keys one way and output the other. `poll`: it sleeps in poll() between keys (one wake-up per
 * direction, as every relay that does not burn a CPU); `spin`: it never sleeps (no wake-up of
 * its own, a whole CPU spent while it runs: not something to ship, the bound of relaying).
 *   relay poll|spin CMD ARGS...   (stdin and stdout: the same terminal) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  int spin = strcmp(argv[1], "spin") == 0;
  struct termios saved, raw;
  struct winsize ws;
  if (tcgetattr(0, &saved) < 0) return 1;
  ioctl(0, TIOCGWINSZ, &ws);
  int master;
  pid_t pid = forkpty(&master, NULL, &saved, &ws);
  if (pid < 0) return 1;
  if (pid == 0) { execvp(argv[2], argv + 2); _exit(127); }
  raw = saved;
  cfmakeraw(&raw);
  tcsetattr(0, TCSANOW, &raw);
  fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
  fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
  char b[4096];
  struct pollfd p[2] = {{0, POLLIN, 0}, {master, POLLIN, 0}};
  for (;;) {
    if (!spin) {
      if (poll(p, 2, -1) < 0) { if (errno == EINTR) continue; break; }
    } else {
      p[0].revents = p[1].revents = POLLIN;
    }
    ssize_t r;
    if (p[0].revents) {
      r = read(0, b, sizeof b);
      if (r > 0) { if (write(master, b, (size_t)r) < 0) break; }
      else if (r == 0 || (errno != EAGAIN && errno != EINTR)) break;
    }
    if (p[1].revents) {
      r = read(master, b, sizeof b);
      if (r > 0) { if (write(1, b, (size_t)r) < 0) break; }
      else if (r == 0 || (errno != EAGAIN && errno != EINTR)) break;
    }
  }
  tcsetattr(0, TCSANOW, &saved);
  kill(pid, SIGHUP);
  waitpid(pid, NULL, 0);
  return 0;
}
