/* The reference for bench/scale: start N processes (`sleep 1000`, each in its own session, as
 * appinit starts jobs), wait until every one has exec'd, then end them all and reap them.
 * With LOGDIR, each process first gets what a managed log needs, as appinit's helper makes it for
 * a new program: a directory LOGDIR/pI and two files in it, out.log and err.log (its stdout and
 * stderr here); the time to make them is the floor of managed logs on that filesystem.
 * Prints: start_ms stop_ms.  Usage: scale N [LOGDIR] */
#define _GNU_SOURCE /* pipe2 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* LOGDIR/pI/NAME, opened for appending (made if missing), as the helper opens a managed log. */
static int open_log(const char *dir, int i, const char *name) {
  char path[4096];
  snprintf(path, sizeof path, "%s/p%d/%s", dir, i, name);
  return open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 100;
  const char *logdir = argc > 2 ? argv[2] : NULL;
  pid_t *pids = calloc(n, sizeof *pids);
  double t0 = now_ms();
  for (int i = 0; i < n; i++) {
    int out = -1, err = -1;
    if (logdir) {
      char dir[4096];
      snprintf(dir, sizeof dir, "%s/p%d", logdir, i);
      if (mkdir(dir, 0755) < 0) return 1;
      if ((out = open_log(logdir, i, "out.log")) < 0 || (err = open_log(logdir, i, "err.log")) < 0) return 1;
    }
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) return 1;
    pid_t pid = fork();
    if (pid == 0) {
      setsid();
      if (out >= 0) { dup2(out, 1); dup2(err, 2); }
      execl("/bin/sleep", "sleep", "1000", (char *)0);
      _exit(127);
    }
    close(p[1]);
    if (out >= 0) { close(out); close(err); }
    char c;
    (void)read(p[0], &c, 1); /* EOF once exec closed the write end: the program runs */
    close(p[0]);
    pids[i] = pid;
  }
  double t1 = now_ms();
  for (int i = 0; i < n; i++) kill(-pids[i], SIGTERM);
  for (int i = 0; i < n; i++) waitpid(pids[i], NULL, 0);
  double t2 = now_ms();
  printf("%.1f %.1f\n", t1 - t0, t2 - t1);
  return 0;
}
