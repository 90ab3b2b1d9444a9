/* The reference for bench/schedule: what this machine can do for N runs due the same second
 * without any daemon. Sleeps until the given instant (ms since the epoch, CLOCK_REALTIME, as a
 * scheduler's timer), then forks, one after another, N children that exec `date +%s.%N` (as the
 * cron programs) and N that exec /bin/sh reading a job file on stdin that runs it (as the at
 * jobs), each in its own session. Every child prints its own time into one pipe (a line is one
 * write, below PIPE_BUF: lines never mix). Prints the lateness of every run in ms, one a line,
 * in the order they printed.  Usage: schedule N AT_MS JOBFILE */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 4) return 2;
  int n = atoi(argv[1]);
  long long at = atoll(argv[2]);
  const char *job = argv[3];
  int out[2];
  if (pipe(out) < 0) return 1;
  struct timespec due = { at / 1000, (at % 1000) * 1000000L };
  while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &due, NULL) != 0) {}
  for (int i = 0; i < 2 * n; i++) {
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
  close(out[1]);
  FILE *f = fdopen(out[0], "r");
  char line[64];
  while (fgets(line, sizeof line, f)) printf("%.3f\n", atof(line) * 1000.0 - (double)at);
  while (wait(NULL) > 0) {}
  return 0;
}
