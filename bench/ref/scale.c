/* The reference for bench/scale: start N processes (`sleep 1000`, each in its own session, as
 * appinit starts jobs), wait until every one has exec'd, then end them all and reap them.
 * Prints: start_ms stop_ms.  Usage: scale N */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 100;
  pid_t *pids = calloc(n, sizeof *pids);
  double t0 = now_ms();
  for (int i = 0; i < n; i++) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) return 1;
    pid_t pid = fork();
    if (pid == 0) {
      setsid();
      execl("/bin/sleep", "sleep", "1000", (char *)0);
      _exit(127);
    }
    close(p[1]);
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
