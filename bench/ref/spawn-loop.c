/* The reference: what a supervisor written in C does, for bench/spawn.ts.
 *   spawn-loop rate SECONDS PROG...   posix_spawn + waitpid in a loop; prints spawns per second and
 *                                     the CPU (µs) per spawn: it and its children, it, its children
 *   spawn-loop supervise PROG...      restarts PROG as soon as it dies, forever
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
extern char **environ;
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
int main(int argc, char **argv) {
  if (argc < 3) return 2;
  if (strcmp(argv[1], "rate") == 0) {
    double secs = atof(argv[2]), t0 = now();
    long n = 0;
    while (now() - t0 < secs) {
      pid_t pid;
      if (posix_spawn(&pid, argv[3], NULL, NULL, argv + 3, environ) != 0) return 1;
      int st;
      waitpid(pid, &st, 0);
      n++;
    }
    double el = now() - t0;
    struct rusage self, kids;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &kids);
    double parent = (self.ru_utime.tv_sec + self.ru_stime.tv_sec) * 1e6 + self.ru_utime.tv_usec + self.ru_stime.tv_usec;
    double child = (kids.ru_utime.tv_sec + kids.ru_stime.tv_sec) * 1e6 + kids.ru_utime.tv_usec + kids.ru_stime.tv_usec;
    printf("%.1f %.1f %.1f %.1f\n", n / el, (parent + child) / n, parent / n, child / n);
    return 0;
  }
  for (;;) {
    pid_t pid;
    if (posix_spawn(&pid, argv[2], NULL, NULL, argv + 2, environ) != 0) return 1;
    int st;
    waitpid(pid, &st, 0);
  }
}
