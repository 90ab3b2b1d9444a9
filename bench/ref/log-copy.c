/* The floor of a managed log: log-copy FILE BYTES PREFIX reads a pipe (stdin) in 256 KB reads
 * and appends to FILE, until BYTES were read; with PREFIX 1 each line gets an ISO timestamp
 * (formatted once per read, as appinit's helper does) in one pass into an output buffer.
 * FILE is emptied every 256 MB (tmpfs stays small; the freeing is paid here, as a log
 * rotation's prune is). Prints "CPU_SECONDS_PER_GB USER SYS". */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static char in[256 * 1024];
static char out[512 * 1024];

int main(int argc, char **argv) {
  if (argc < 4) return 2;
  long long limit = atoll(argv[2]), total = 0;
  int prefix = atoi(argv[3]);
  int fd = open(argv[1], O_WRONLY | O_CREAT | O_APPEND | O_TRUNC, 0600);
  if (fd < 0) return 1;
  size_t keep = 0; /* an unfinished line, at the start of in */
  while (total < limit) {
    ssize_t r = read(0, in + keep, sizeof in - keep);
    if (r <= 0) break;
    total += r;
    size_t n = keep + (size_t)r;
    if (!prefix) {
      if (write(fd, in + keep, (size_t)r) != r) return 1;
      keep = 0;
    } else {
      char ts[64];
      struct timespec t;
      struct tm tm;
      clock_gettime(CLOCK_REALTIME, &t);
      gmtime_r(&t.tv_sec, &tm);
      int tl = snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ ", tm.tm_year + 1900, tm.tm_mon + 1,
                        tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, t.tv_nsec / 1000);
      size_t o = 0, pos = 0;
      for (;;) {
        char *nl = memchr(in + pos, '\n', n - pos);
        if (!nl) break;
        size_t len = (size_t)(nl - (in + pos)) + 1;
        memcpy(out + o, ts, (size_t)tl);
        memcpy(out + o + tl, in + pos, len);
        o += (size_t)tl + len;
        pos += len;
      }
      if (write(fd, out, o) != (ssize_t)o) return 1;
      memmove(in, in + pos, n - pos);
      keep = n - pos;
    }
    if ((total >> 28) != ((total - r) >> 28) && ftruncate(fd, 0) != 0) return 1;
  }
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double u = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6, s = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
  printf("%.3f %.3f %.3f\n", (u + s) / (total / 1e9), u, s);
  return 0;
}
