/* The reference for bench/schedule: what this machine can do for N runs due the same second
 * without any daemon. Sleeps until the given instant (ms since the epoch, CLOCK_REALTIME, as a
 * scheduler's timer), then forks, one after another, N children that exec `date +%s.%N` (as the
 * cron programs) and N that exec /bin/sh reading a job file on stdin that runs it (as the at
 * jobs), each in its own session. Every child prints its own time into one pipe (a line is one
 * write, below PIPE_BUF: lines never mix). Prints the lateness of every run in ms, one a line,
 * in the order they printed. With P > 1, P forkers (the process and P - 1 it forked before the
 * instant, one per core) each fork every P-th run at the instant: the parallel floor, for a
 * helper whose children exec on every core. Prints to stderr the CPU its runs took in all
 * ("cpu MS": what 2 cores must do however the forks are issued).
 * Usage: schedule N AT_MS JOBFILE [P] */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 4) return 2;
  int n = atoi(argv[1]);
  long long at = atoll(argv[2]);
  const char *job = argv[3];
  int p = argc > 4 ? atoi(argv[4]) : 1, k = 0;
  if (p < 1) p = 1;
  int out[2];
  if (pipe(out) < 0) return 1;
  pid_t forker = 1;
  for (k = p - 1; k > 0; k--) { /* forker k takes runs k, k + p, ...; this process runs 0, p, ... */
    forker = fork();
    if (forker == 0) break;
  }
  struct timespec due = { at / 1000, (at % 1000) * 1000000L };
  while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &due, NULL) != 0) {}
  for (int i = k; i < 2 * n; i += p) {
    pid_t pid = fork();
    if (pid == 0) {
      setsid();
      dup2(out[1], 1);
      close(out[0]);
      close(out[1]);
      if (i < n) {
        execl("/bin/date", "date", "+%s.%N", (char *)0);
      } else {
        int fd = open(job, O_RDONLY);
        if (fd >= 0) { dup2(fd, 0); close(fd); }
        execl("/bin/sh", "sh", (char *)0);
      }
      _exit(127);
    }
  }
  if (forker == 0) { /* a second forker: its runs' lines go into the pipe; the first prints them */
    while (wait(NULL) > 0) {}
    _exit(0);
  }
  close(out[1]);
  FILE *f = fdopen(out[0], "r");
  char line[64];
  while (fgets(line, sizeof line, f)) printf("%.3f\n", atof(line) * 1000.0 - (double)at);
  while (wait(NULL) > 0) {}
  struct rusage ru;
  getrusage(RUSAGE_CHILDREN, &ru);
  fprintf(stderr, "cpu %.1f\n", (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3);
  return 0;
}
