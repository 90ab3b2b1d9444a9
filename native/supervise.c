/*
 * appinit-supervise: the small native process that owns appinit's children.
 *
 * Why it exists (DESIGN.md decision 1, measured in notes/kernel-facts.md):
 *  - a child forked by this ~1 MB process reports its own peak RSS in wait4's
 *    ru_maxrss; one spawned by Node (45 MB+) inherits Node's peak across exec;
 *  - it survives kill -9 of the daemon: the jobs keep running, their pipes keep
 *    a reader (no SIGPIPE), their log lines keep being written, and their exit
 *    statuses and rusage are buffered here until the daemon acknowledges them;
 *  - it is a child subreaper, so orphaned descendants come back here and are
 *    reaped and accounted for, never left as zombies.
 *
 * Protocol on a Unix stream socket (one daemon connected at a time):
 *  daemon -> here: frames of [u32 little-endian length][verb\0 key\0 value\0 ...]
 *  here -> daemon: JSON lines. Lines with "seq" are kept until an `ack` covers them
 *  and are sent again to the next daemon that connects.
 *
 * Only this file and src/os/ touch the kernel.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <linux/sched.h> /* struct clone_args, CLONE_INTO_CGROUP */
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "beside.h"
#include "cgroup.h"
#include "fdshare.h"
#include "holder.h"
#include "notify.h"
#include "pipes.h"
#include "taskstats.h"

/* Bumped whenever a verb, key or event changes meaning: the daemon checks it in `hello`. */
#define PROTOCOL_VERSION 3
#define MAX_ARGS 4096
#define READ_CHUNK (256 * 1024)

/* ---------- small utilities ---------- */

static void die(const char *what) {
  fprintf(stderr, "appinit-supervise: %s: %s\n", what, strerror(errno));
  exit(1);
}

static void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) die("out of memory");
  return q;
}

static int64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* What the helper had to drop rather than block or grow without bound (the `stats` event). */
static struct {
  uint64_t log_bytes;    /* log writes that failed (disk full) */
  uint64_t client_bytes; /* output for attached clients that did not read */
  uint64_t stdin_bytes;  /* input for a job whose stdin did not drain */
  uint64_t epoll_errors; /* epoll_ctl/fcntl calls that failed */
  uint64_t respawns_held;/* ticket restarts that waited for the daemon to catch up */
  uint64_t unheld;       /* pipes the fd holder could not be given (a helper crash would cost them) */
} dropped;

/* Gives the fd holder a duplicate of fd; its id, or 0 when there is no holder. */
static unsigned next_hold_id = 1;
static unsigned hold(int fd, const char *meta) {
  unsigned id = next_hold_id++;
  if (holder_add(id, fd, meta) == 0) return id;
  dropped.unheld++;
  return 0;
}

/* A growable byte buffer. */
typedef struct {
  char *p;
  size_t len, cap;
} buf_t;

static void buf_reserve(buf_t *b, size_t extra) {
  if (b->len + extra <= b->cap) return;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + extra) cap *= 2;
  b->p = xrealloc(b->p, cap);
  b->cap = cap;
}
static void buf_add(buf_t *b, const void *p, size_t n) {
  buf_reserve(b, n);
  memcpy(b->p + b->len, p, n);
  b->len += n;
}
static void buf_vprintf(buf_t *b, const char *fmt, va_list ap) {
  for (;;) {
    size_t room = b->cap - b->len;
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(b->p ? b->p + b->len : NULL, room, fmt, cp);
    va_end(cp);
    if (n < 0) return;
    if ((size_t)n < room) { b->len += (size_t)n; return; }
    buf_reserve(b, (size_t)n + 1);
  }
}
static void buf_printf(buf_t *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  buf_vprintf(b, fmt, ap);
  va_end(ap);
}
static void buf_json_str(buf_t *b, const char *s) {
  buf_add(b, "\"", 1);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') { buf_add(b, "\\", 1); buf_add(b, s, 1); }
    else if (c < 0x20) buf_printf(b, "\\u%04x", c);
    else buf_add(b, s, 1);
  }
  buf_add(b, "\"", 1);
}

/* ---------- managed log files ---------- */

/*
 * A log file is written only here, in whole lines, so rotation never splits or
 * repeats a line. Rotated files get increasing numbers (out.log.1, .2, ...) and
 * are never renamed again, so a reader or the compressor can work on them while
 * new lines arrive. The daemon compresses rotated files and prunes old ones.
 */
typedef struct logfile {
  char *path;
  int fd;
  off_t size;
  int refs;
  long next_index; /* number of the next rotated file */
  int ts;          /* 0 none, 1 iso, 2 unix */
  off_t maxsize;   /* 0 = never by size */
  int keep;
  int period;      /* 0 none, 1 hourly, 2 daily */
  long period_key; /* hour or day number the open file belongs to */
  size_t maxline;
  struct logfile *next;
  struct logfile *hnext; /* in log_index's bucket */
} logfile_t;

static logfile_t *logfiles;

/* Files and jobs are found by name through a hash (a bucket per 1/4096 of names): walking the
 * lists cost an `up` of 500 programs ~1M strcmp of paths with a long common prefix (issue 17). */
#define NAME_BUCKETS 4096
static unsigned name_bucket(const char *s) {
  uint32_t h = 2166136261u;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
  return h & (NAME_BUCKETS - 1);
}
static logfile_t *log_index[NAME_BUCKETS];

static long period_key_now(int period) {
  time_t t = time(NULL);
  struct tm tm;
  localtime_r(&t, &tm);
  if (period == 1) return ((long)(tm.tm_year * 400 + tm.tm_yday)) * 24 + tm.tm_hour;
  if (period == 2) return (long)(tm.tm_year * 400 + tm.tm_yday);
  return 0;
}

static long scan_next_index(const char *path) {
  char dir[PATH_MAX], base[PATH_MAX];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  if (!slash) return 1;
  *slash = 0;
  snprintf(base, sizeof base, "%s.", slash + 1);
  size_t bl = strlen(base);
  long max = 0;
  DIR *d = opendir(dir);
  if (!d) return 1;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (strncmp(e->d_name, base, bl) != 0) continue;
    char *end;
    long n = strtol(e->d_name + bl, &end, 10);
    if (end != e->d_name + bl && (*end == 0 || strcmp(end, ".gz") == 0) && n > max) max = n;
  }
  closedir(d);
  return max + 1;
}

/* Makes dir, and its parents only when they are missing: 1 when it made dir itself. Walking
 * down from / instead cost a new program's log directory four failing mkdirs (issue 17). */
static int mkdir_missing(char *dir) {
  if (mkdir(dir, 0755) == 0) return 1;
  if (errno != ENOENT) return 0;
  char *slash = strrchr(dir, '/');
  if (!slash || slash == dir) return 0;
  *slash = 0;
  mkdir_missing(dir);
  *slash = '/';
  return mkdir(dir, 0755) == 0;
}

/* Set when the last log_open_fd_in failed because the path is not a regular file. */
static int log_not_file;

/* Opens lf's file, making its directory if missing; *made (when given) says it made it. A path
 * that is not a regular file is refused (log_not_file): opened without O_NONBLOCK, a FIFO put
 * there held the helper in its open until a reader came, and every other job with it. */
static int log_open_fd_in(logfile_t *lf, int *made) {
  log_not_file = 0;
  /* Directories are made only when missing: an `up` of 1,000 programs made 15,000 failing mkdirs. */
  /* 0600 and never through a link: a system daemon's logs are their user's business only (the
   * daemon gives a user's job its own files before the spawn; rotated ones are read through it). */
  lf->fd = open(lf->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
  if (lf->fd < 0 && errno == ENOENT) {
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", lf->path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
      *slash = 0;
      int m = mkdir_missing(dir);
      if (made) *made = m;
    }
    lf->fd = open(lf->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
  }
  struct stat st;
  if (lf->fd < 0) {
    /* ENXIO: a FIFO nobody reads. */
    if (errno == ENXIO && lstat(lf->path, &st) == 0 && !S_ISREG(st.st_mode)) { log_not_file = 1; errno = EINVAL; }
    return -1;
  }
  if (fstat(lf->fd, &st) == 0 && !S_ISREG(st.st_mode)) {
    close(lf->fd);
    lf->fd = -1;
    log_not_file = 1;
    errno = EINVAL;
    return -1;
  }
  /* Back to blocking writes (O_NONBLOCK was for the open; a regular file ignores it anyway). */
  fcntl(lf->fd, F_SETFL, O_APPEND);
  lf->size = fstat(lf->fd, &st) == 0 ? st.st_size : 0;
  lf->period_key = period_key_now(lf->period);
  return 0;
}

static int log_open_fd(logfile_t *lf) {
  return log_open_fd_in(lf, NULL);
}

static void emit_event(int durable, const char *fmt, ...);

static void log_rotate(logfile_t *lf) {
  char to[PATH_MAX + 32];
  snprintf(to, sizeof to, "%s.%ld", lf->path, lf->next_index);
  /* The new file belongs to whoever owned the old one: a system daemon's user keeps their logs. */
  struct stat old;
  int owned = fstat(lf->fd, &old) == 0 && (old.st_uid != 0 || old.st_gid != 0);
  if (rename(lf->path, to) != 0) return;
  lf->next_index++;
  close(lf->fd);
  log_open_fd(lf);
  if (owned && lf->fd >= 0 && fchown(lf->fd, old.st_uid, old.st_gid) != 0) { /* not root: it is ours already */ }
  buf_t b = {0};
  buf_json_str(&b, to);
  buf_add(&b, "", 1);
  emit_event(0, "\"ev\":\"rotated\",\"file\":%s", b.p);
  free(b.p);
}

/* The directory log_get made for the file it opened last ("" when it made none): see below. */
static char made_dir[PATH_MAX];

static logfile_t *log_get(const char *path, int ts, off_t maxsize, int keep, int period, size_t maxline) {
  unsigned bucket = name_bucket(path);
  for (logfile_t *lf = log_index[bucket]; lf; lf = lf->hnext) {
    if (strcmp(lf->path, path) == 0) {
      made_dir[0] = 0;
      lf->refs++;
      /* The newest spawn's options win: a changed control file applies at once. */
      lf->ts = ts; lf->maxsize = maxsize; lf->keep = keep; lf->period = period; lf->maxline = maxline;
      return lf;
    }
  }
  logfile_t *lf = calloc(1, sizeof *lf);
  if (!lf) die("out of memory");
  lf->path = strdup(path);
  lf->ts = ts; lf->maxsize = maxsize; lf->keep = keep; lf->period = period; lf->maxline = maxline;
  lf->refs = 1;
  /* A directory made for this file, or for the one opened just before it (a new program's
   * out.log, then its err.log), holds no rotated files: it is not listed (two listings per new
   * program before). Only the very next file may use the previous one's directory. */
  char prev[PATH_MAX];
  snprintf(prev, sizeof prev, "%s", made_dir);
  made_dir[0] = 0;
  int made = 0;
  if (log_open_fd_in(lf, &made) != 0) {
    free(lf->path);
    free(lf);
    return NULL;
  }
  const char *slash = strrchr(path, '/');
  size_t dl = slash ? (size_t)(slash - path) : 0;
  int in_prev = prev[0] && dl == strlen(prev) && strncmp(path, prev, dl) == 0;
  if (made && dl < sizeof made_dir) snprintf(made_dir, sizeof made_dir, "%.*s", (int)dl, path);
  lf->next_index = made || in_prev ? 1 : scan_next_index(path);
  lf->next = logfiles;
  logfiles = lf;
  lf->hnext = log_index[bucket];
  log_index[bucket] = lf;
  return lf;
}

/* An unreferenced log file stays open: a program restarting in a loop reuses it at no cost.
 * `truncate`/`reopen` still reach it; `quit` closes everything. */
static void log_release(logfile_t *lf) {
  if (lf->refs > 0) lf->refs--;
}

static void log_reopen_all(void) {
  for (logfile_t *lf = logfiles; lf; lf = lf->next) {
    close(lf->fd);
    log_open_fd(lf);
  }
}

static void log_append(logfile_t *lf, const char *p, size_t n);

/*
 * Writes whole lines (already prefixed) to the file, rotating first when due. A chunk is cut at
 * its lines so that no file grows past maxsize by more than one line: written whole, a burst's
 * 64 KiB chunks (or a pump's larger ones) made an 8 KB `maxSize` file 1.5 MB, and a program that
 * then went quiet was never rotated again.
 */
static void log_write(logfile_t *lf, const char *p, size_t n) {
  if (n == 0) return;
  if (lf->size > 0 && lf->period && period_key_now(lf->period) != lf->period_key) log_rotate(lf);
  while (n > 0) {
    size_t take = n;
    if (lf->maxsize > 0 && lf->size + (off_t)n > lf->maxsize) {
      off_t room = lf->maxsize - lf->size;
      const char *nl = room > 0 ? memrchr(p, '\n', (size_t)room < n ? (size_t)room : n) : NULL;
      if (nl) {
        take = (size_t)(nl - p) + 1; /* the lines that fit */
      } else if (lf->size > 0) {
        off_t before = lf->size;
        log_rotate(lf);
        if (lf->size < before) continue; /* a fresh file: cut again */
      } else {
        nl = memchr(p, '\n', n); /* one line longer than maxsize, alone in its file */
        take = nl ? (size_t)(nl - p) + 1 : n;
      }
    }
    log_append(lf, p, take);
    p += take;
    n -= take;
  }
}

static void log_append(logfile_t *lf, const char *p, size_t n) {
  for (size_t done = 0; done < n;) {
    ssize_t w = write(lf->fd, p + done, n - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      dropped.log_bytes += n - done;
      return;
    }
    done += (size_t)w;
    lf->size += (off_t)w;
  }
}

static void ts_prefix(int ts, char *out, size_t cap) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  if (ts == 2) {
    snprintf(out, cap, "%lld.%03ld ", (long long)t.tv_sec, t.tv_nsec / 1000000);
  } else {
    /* The date and time of day change once a second: formatted then, the microseconds per call. */
    static time_t sec = -1;
    static char head[40];
    if (t.tv_sec != sec) {
      struct tm tm;
      gmtime_r(&t.tv_sec, &tm);
      snprintf(head, sizeof head, "%04d-%02d-%02dT%02d:%02d:%02d.", tm.tm_year + 1900, tm.tm_mon + 1,
               tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
      sec = t.tv_sec;
    }
    /* Microseconds: `logs` merges stdout and stderr by these, and ms ties are common. */
    snprintf(out, cap, "%s%06ldZ ", head, t.tv_nsec / 1000);
  }
}

/* ---------- pipes from children into log files ---------- */

/* Everything in epoll that is not a plain fd starts with its kind. */
enum { KIND_PUMP = 1, KIND_CONN = 2, KIND_KEEPER = 3, KIND_INPUT = 4, KIND_JOB = 5, KIND_PENDING = 6, KIND_TTY = 7 };


/* epoll_ctl, counted when it fails (it must not, but a silent failure would lose a job's I/O). */
static int epfd;
static int ep_ctl(int op, int fd, uint32_t events, void *ptr) {
  struct epoll_event ev = {.events = events, .data.ptr = ptr};
  if (epoll_ctl(epfd, op, fd, op == EPOLL_CTL_DEL ? NULL : &ev) == 0) return 0;
  dropped.epoll_errors++;
  fprintf(stderr, "appinit-supervise: epoll_ctl(%d, fd %d): %s\n", op, fd, strerror(errno));
  return -1;
}
/*
 * Objects in epoll (pumps, connections, keepers, pending spawns) are freed only after the
 * batch of events they may still appear in: an earlier event of the batch may have closed
 * one, and a later one must then read its kind (0 = dead), not freed memory.
 */
static void **graveyard;
static size_t ngrave, capgrave;
static void bury(void *obj) {
  *(int *)obj = 0; /* every such struct starts with its kind */
  if (ngrave == capgrave) {
    capgrave = capgrave ? capgrave * 2 : 64;
    void **g = realloc(graveyard, capgrave * sizeof *g);
    if (!g) die("out of memory");
    graveyard = g;
  }
  graveyard[ngrave++] = obj;
}
static void graveyard_empty(void) {
  for (size_t i = 0; i < ngrave; i++) free(graveyard[i]);
  ngrave = 0;
}

static int set_nonblock(int fd) {
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) { dropped.epoll_errors++; return -1; }
  return 0;
}

typedef struct pump {
  int kind;         /* KIND_PUMP */
  int fd;           /* read end (or pty master), non-blocking, in epoll */
  logfile_t *log;
  buf_t partial;    /* bytes after the last newline */
  char *job;        /* whose output: attached clients of this job get a copy */
  char stream;      /* 'o' stdout (and a pty), 'e' stderr */
  unsigned hold_id; /* the fd holder's duplicate, or 0 */
  int kept;         /* the helper keeps a write end of this pipe for the job's next restart */
  int paused;       /* out of epoll: a client that waits for output (flow) has enough queued */
  struct pump *next;
} pump_t;
static void keep_pump_closed(pump_t *pm);

static int fanout(const char *job, char stream, const char *data, size_t n);
/* Where a job's input goes: its pty master, or the write end of its stdin pipe. Both are
 * non-blocking: input the job does not read yet waits here (bounded), never in a write. */
typedef struct jobio {
  int kind;   /* KIND_INPUT (when its stdin pipe is in epoll for EPOLLOUT) */
  char *job;
  int input;  /* -1 once closed */
  int master; /* pty master (owned by its pump), or -1 */
  buf_t pending;
  size_t pending_off;
  int close_after; /* end of input asked while bytes were pending */
  void *ep_ptr;    /* the epoll entry of input: this jobio, or the pty's pump */
  int want_out;    /* EPOLLOUT asked */
  unsigned hold_id; /* the fd holder's duplicate of a stdin pipe, or 0 */
  struct jobio *next;
} jobio_t;
static jobio_t *jobio_find(const char *job);
#define INPUT_MAX_PENDING (1u << 20)

static pump_t *pumps;
static buf_t outbuf; /* scratch for building prefixed output */

/*
 * A read's whole lines go to the file in one write, built in one pass from the read buffer
 * (prefix, line, prefix, line...): only the unfinished last line is kept aside. Copying every
 * read into the line buffer first, then line by line out of it, cost ~0.15 s of CPU per GB on
 * top of what a bare read() + write() loop costs here (~0.47 s/GB, ~0.59 s/GB with a prefix per
 * 200-byte line). One writev with an iovec per line and prefix instead was slower still (the
 * kernel's per-segment cost): ~0.67 s/GB.
 */
/* Moves complete lines from data into the log; keeps the tail in partial. */
static void pump_feed(pump_t *pm, const char *data, size_t n, int eof) {
  logfile_t *lf = pm->log;
  if (!lf) return;
  outbuf.len = 0;
  char prefix[96] = "";
  size_t plen = 0;
  if (lf->ts) { ts_prefix(lf->ts, prefix, sizeof prefix); plen = strlen(prefix); }
  size_t pos = 0;
  /* No timestamps, nothing pending: write through to the last newline, no copy. */
  if (!lf->ts && pm->partial.len == 0) {
    const char *last = n ? memrchr(data, '\n', n) : NULL;
    size_t whole = last ? (size_t)(last - data) + 1 : 0;
    /* memchr from newline to newline keeps this check at memory speed (a byte loop cost ~1 s
     * of CPU per GB). */
    int long_line = 0;
    for (const char *q = data, *stop = data + whole; q < stop;) {
      const char *nl = memchr(q, '\n', (size_t)(stop - q));
      if ((size_t)(nl - q) > lf->maxline) { long_line = 1; break; }
      q = nl + 1;
    }
    if (!long_line) {
      log_write(lf, data, whole);
      if (whole < n) buf_add(&pm->partial, data + whole, n - whole);
      goto tail;
    }
  }
  if (pm->partial.len) {
    /* A line begun in an earlier read, completed by this one. */
    const char *nl = n ? memchr(data, '\n', n) : NULL;
    if (!nl || pm->partial.len + (size_t)(nl - data) > lf->maxline) goto slow; /* rare */
    buf_add(&outbuf, prefix, plen);
    buf_add(&outbuf, pm->partial.p, pm->partial.len);
    buf_add(&outbuf, data, (size_t)(nl - data) + 1);
    pos = (size_t)(nl - data) + 1;
    pm->partial.len = 0;
  }
  buf_reserve(&outbuf, n - pos + (n - pos) / 8 + 4 * plen); /* most of it at once */
  while (pos < n) {
    const char *q = data + pos;
    const char *nl = memchr(q, '\n', n - pos);
    size_t linelen = nl ? (size_t)(nl - q) : n - pos;
    if (!nl && linelen <= lf->maxline) break;
    buf_add(&outbuf, prefix, plen);
    if (linelen > lf->maxline) {
      /* Long lines are split at maxline, never dropped. */
      buf_add(&outbuf, q, lf->maxline);
      buf_add(&outbuf, "\n", 1);
      pos += lf->maxline;
      if (pos < n && data[pos] == '\n') pos++;
    } else {
      buf_add(&outbuf, q, linelen + 1);
      pos += linelen + 1;
    }
  }
  log_write(lf, outbuf.p, outbuf.len);
  if (pos < n) buf_add(&pm->partial, data + pos, n - pos);
  goto tail;
slow:
  buf_add(&pm->partial, data, n);
  {
    char *p = pm->partial.p;
    size_t len = pm->partial.len;
    pos = 0;
    while (pos < len) {
      char *nl = memchr(p + pos, '\n', len - pos);
      size_t linelen = nl ? (size_t)(nl - (p + pos)) : len - pos;
      if (!nl && linelen <= lf->maxline) break;
      if (linelen > lf->maxline) linelen = lf->maxline;
      buf_add(&outbuf, prefix, plen);
      buf_add(&outbuf, p + pos, linelen);
      buf_add(&outbuf, "\n", 1);
      pos += linelen;
      if (pos < len && p[pos] == '\n') pos++;
    }
    memmove(p, p + pos, len - pos);
    pm->partial.len = len - pos;
    log_write(lf, outbuf.p, outbuf.len);
  }
tail:
  if (eof && pm->partial.len > 0) {
    outbuf.len = 0;
    buf_add(&outbuf, prefix, plen);
    buf_add(&outbuf, pm->partial.p, pm->partial.len);
    buf_add(&outbuf, "\n", 1);
    pm->partial.len = 0;
    log_write(lf, outbuf.p, outbuf.len);
  }
}

static void pump_close(pump_t *pm) {
  if (pm->kept) keep_pump_closed(pm);
  pump_feed(pm, "", 0, 1);
  if (pm->job) {
    jobio_t *j = jobio_find(pm->job);
    if (j && j->master == pm->fd) {
      j->master = -1;
      if (j->input == pm->fd) { j->input = -1; j->pending.len = j->pending_off = 0; j->ep_ptr = NULL; }
    }
  }
  if (!pm->paused) ep_ctl(EPOLL_CTL_DEL, pm->fd, 0, NULL);
  close(pm->fd);
  if (pm->hold_id) holder_del(pm->hold_id);
  if (pm->log) log_release(pm->log);
  for (pump_t **pp = &pumps; *pp; pp = &(*pp)->next) {
    if (*pp == pm) { *pp = pm->next; break; }
  }
  free(pm->partial.p);
  free(pm->job);
  bury(pm);
}

static char readbuf[READ_CHUNK];
static void pump_pause(pump_t *pm);

/* Reads what the pump has. From epoll (until_empty 0) a short read ends it: epoll is
 * level-triggered and says again when more comes, and a read that only finds EAGAIN cost one
 * syscall per wake-up (per keystroke on a terminal). Before an exit is told (until_empty 1) it
 * reads until EAGAIN: a pty master's read then also waits for input the kernel has queued. */
static void pump_read(pump_t *pm, int until_empty) {
  for (int rounds = 0; rounds < 16; rounds++) {
    ssize_t r = read(pm->fd, readbuf, sizeof readbuf);
    if (r > 0) {
      int full = fanout(pm->job, pm->stream, readbuf, (size_t)r);
      pump_feed(pm, readbuf, (size_t)r, 0);
      /* A pipe's output waits in the pipe while a flow client has enough queued: the job blocks in
       * its write, as a pipeline's writer waits for its reader (not before an exit is told:
       * until_empty reads what is left, a pipe's worth at most). */
      if (full && !until_empty) { pump_pause(pm); return; }
      if (!until_empty && (size_t)r < sizeof readbuf) return;
      continue;
    }
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) return;
    pump_close(pm); /* EOF (or EIO from a pty master): every writer is gone */
    return;
  }
}

static void pump_readable(pump_t *pm) { pump_read(pm, 1); }

/* Takes a pipe's pump out of epoll until its flow clients have sent what they hold (a pty's
 * master, which is also the job's input in epoll, is never paused: fanout does not ask it). */
static void pump_pause(pump_t *pm) {
  if (pm->paused) return;
  ep_ctl(EPOLL_CTL_DEL, pm->fd, 0, NULL);
  pm->paused = 1;
}

/* Puts a job's paused pumps back in epoll (level-triggered: what waits in the pipe is said at once). */
static void pumps_resume(const char *job) {
  for (pump_t *pm = pumps; pm; pm = pm->next) {
    if (!pm->paused || !pm->job || strcmp(pm->job, job) != 0) continue;
    pm->paused = 0;
    ep_ctl(EPOLL_CTL_ADD, pm->fd, EPOLLIN, pm);
  }
}

/* ---------- terminals and attached clients ---------- */


static jobio_t *jobios;

static jobio_t *jobio_find(const char *job) {
  for (jobio_t *j = jobios; j; j = j->next)
    if (strcmp(j->job, job) == 0) return j;
  return NULL;
}

static void input_took(const char *job, size_t n);

static void jobio_close_input(jobio_t *j) {
  if (j->input < 0) return;
  if (j->pending.len > j->pending_off) input_took(j->job, j->pending.len - j->pending_off); /* dropped */
  if (j->input != j->master) {
    if (j->want_out) ep_ctl(EPOLL_CTL_DEL, j->input, 0, NULL);
    close(j->input);
    if (j->hold_id) holder_del(j->hold_id);
  }
  j->hold_id = 0;
  j->input = -1;
  j->want_out = 0;
  j->pending.len = j->pending_off = 0;
  j->close_after = 0;
}

static void jobio_set(const char *job, int input, int master, void *ep_ptr) {
  jobio_t *j = jobio_find(job);
  if (!j) {
    j = calloc(1, sizeof *j);
    if (!j) die("out of memory");
    j->kind = KIND_INPUT;
    j->job = strdup(job);
    j->next = jobios;
    jobios = j;
  } else {
    jobio_close_input(j);
  }
  j->input = input;
  j->master = master;
  j->ep_ptr = ep_ptr ? ep_ptr : j;
}

/* Asks epoll to say when input can take more (or stop saying it). */
static void jobio_watch(jobio_t *j, int out) {
  if (j->want_out == out || j->input < 0) return;
  j->want_out = out;
  if (j->input == j->master) /* the pump's entry: keep reading, add or drop EPOLLOUT */
    ep_ctl(EPOLL_CTL_MOD, j->input, EPOLLIN | (out ? EPOLLOUT : 0), j->ep_ptr);
  else
    ep_ctl(out ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, j->input, EPOLLOUT, j);
}

/* Writes what is pending without blocking; the rest waits for EPOLLOUT. */
static void jobio_flush(jobio_t *j) {
  size_t took = 0;
  while (j->input >= 0 && j->pending_off < j->pending.len) {
    ssize_t w = write(j->input, j->pending.p + j->pending_off, j->pending.len - j->pending_off);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      dropped.stdin_bytes += j->pending.len - j->pending_off; /* the reader is gone (EPIPE) */
      took += j->pending.len - j->pending_off;
      j->pending.len = j->pending_off = 0;
      break;
    }
    j->pending_off += (size_t)w;
    took += (size_t)w;
  }
  if (took) input_took(j->job, took);
  if (j->pending_off == j->pending.len) j->pending.len = j->pending_off = 0;
  if (j->input < 0) return;
  jobio_watch(j, j->pending.len > 0);
  if (!j->pending.len && j->close_after) jobio_close_input(j);
}

static void jobio_write(jobio_t *j, const char *p, size_t n) {
  if (j->input < 0 || j->close_after || j->pending.len - j->pending_off + n > INPUT_MAX_PENDING) {
    dropped.stdin_bytes += n;
    input_took(j->job, n);
    return;
  }
  buf_add(&j->pending, p, n);
  jobio_flush(j);
}

/*
 * A connection on the helper's socket. Its first frame says what it is: `hello` makes it
 * the daemon's control connection; `attach job=J` makes it a terminal client of job J, which
 * then exchanges frames [u32 len][type][payload]: from the client 'd' input, 'w' window size
 * (u16 rows, u16 cols), 'e' end of input, 'c' + 'o'|'e' its stdout|stderr reader left; to it 'o' stdout, 'e' stderr, 's' a state (JSON).
 */
typedef struct conn conn_t;
/* The epoll entry of a client's own terminal (see conn_take_tty). */
typedef struct {
  int kind; /* KIND_TTY, 0 once the terminal is given back */
  conn_t *c;
} ttyside_t;
struct conn {
  int kind; /* KIND_CONN */
  int fd;
  char *job; /* NULL until attached */
  buf_t in, out;
  size_t out_off;
  int want_out; /* EPOLLOUT is asked for (output waits for the client) */
  int passed;   /* a descriptor that came with the client's bytes (SCM_RIGHTS), or -1 */
  int tty;      /* the client's terminal, opened again here non-blocking, or -1 */
  int tty_frames; /* the terminal did not take all output at once: the rest goes in frames */
  int tty_fs;   /* a Ctrl-\ was read last: is Ctrl-D next (detach)? */
  int flow;     /* the client is the job's pipeline (`run` without a terminal): its pipes wait for
                 * it (pump_pause) instead of its output being dropped */
  ttyside_t tty_ep;
  struct conn *next;
};

static conn_t *conns;
#define CONN_MAX_OUT (4u << 20)
#define FLOW_HIGH (1u << 20) /* a flow client with this much queued pauses the job's pipes */
#define FLOW_LOW (256u << 10) /* ...and resumes them once below this */

static void conn_tty_end(conn_t *c);

static void conn_close(conn_t *c) {
  conn_tty_end(c);
  if (c->flow && c->job) { c->flow = 0; pumps_resume(c->job); }
  if (c->passed >= 0) close(c->passed);
  ep_ctl(EPOLL_CTL_DEL, c->fd, 0, NULL);
  close(c->fd);
  for (conn_t **pp = &conns; *pp; pp = &(*pp)->next) {
    if (*pp == c) { *pp = c->next; break; }
  }
  free(c->job);
  free(c->in.p);
  free(c->out.p);
  bury(c);
}

static void conn_flush(conn_t *c) {
  while (c->out_off < c->out.len) {
    ssize_t w = send(c->fd, c->out.p + c->out_off, c->out.len - c->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      conn_close(c);
      return;
    }
    c->out_off += (size_t)w;
  }
  if (c->out_off == c->out.len) c->out.len = c->out_off = 0;
  if (c->flow && c->job && c->out.len - c->out_off < FLOW_LOW) pumps_resume(c->job);
  /* Only a change costs an epoll_ctl: a keystroke's echo is one send, not send + epoll_ctl. */
  int want = c->out.len > 0;
  if (want != c->want_out) {
    c->want_out = want;
    ep_ctl(EPOLL_CTL_MOD, c->fd, EPOLLIN | (want ? EPOLLOUT : 0), c);
  }
}

/* Queues a frame for a client; a client that does not read loses output, the job never waits
 * (but a flow client's job is paused before that: pump_read). */
static void conn_send(conn_t *c, char type, const char *data, size_t n) {
  /* A flow client's queue is bounded by pausing the job's pipes; a pty's output is not paused. */
  if (c->out.len - c->out_off + n > (c->flow ? 4 * CONN_MAX_OUT : CONN_MAX_OUT)) { dropped.client_bytes += n; return; }
  uint32_t len = (uint32_t)n + 1;
  buf_add(&c->out, &len, 4);
  buf_add(&c->out, &type, 1);
  buf_add(&c->out, data, n);
  conn_flush(c);
}

/* Output for a client whose terminal we hold: written to it straight away, as long as it takes
 * everything at once; once it did not, the rest and all that follows go in frames through the
 * client (in order: the client writes them after what we wrote). */
static void conn_tty_out(conn_t *c, char stream, const char *data, size_t n) {
  if (c->tty >= 0 && !c->tty_frames && stream == 'o') {
    while (n > 0) {
      ssize_t w = write(c->tty, data, n);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) break;
      data += w;
      n -= (size_t)w;
    }
    if (n == 0) return;
    c->tty_frames = 1;
  }
  conn_send(c, stream, data, n);
}

/* Gives a job's output to its attached clients; true when a flow client now holds FLOW_HIGH. */
static int fanout(const char *job, char stream, const char *data, size_t n) {
  int full = 0;
  for (conn_t *c = conns, *next; c; c = next) {
    next = c->next;
    if (!c->job || !job || strcmp(c->job, job) != 0) continue;
    int flow = c->flow;
    conn_tty_out(c, stream, data, n); /* may close c */
    if (flow && c->kind == KIND_CONN && c->out.len - c->out_off >= FLOW_HIGH) full = 1;
  }
  return full;
}

/* Input a job took (written to it, or dropped because it cannot take any): told to its flow
 * clients, which send at most a window ahead of it (src/cli/jobs/attach.ts), so a pipeline
 * into `appinit run` is never cut at INPUT_MAX_PENDING (`seq 1 3000000 | appinit run -- wc -l`
 * counted 175,031). */
static void input_took(const char *job, size_t n) {
  char ev[64];
  int len = snprintf(ev, sizeof ev, "{\"ev\":\"took\",\"n\":%zu}", n);
  for (conn_t *c = conns, *next; c; c = next) {
    next = c->next;
    if (c->flow && c->job && strcmp(c->job, job) == 0) conn_send(c, 's', ev, (size_t)len);
  }
}

/* Gives the client's terminal back: nothing more is read from it or written to it here. */
static void conn_tty_end(conn_t *c) {
  if (c->tty < 0) return;
  ep_ctl(EPOLL_CTL_DEL, c->tty, 0, NULL);
  close(c->tty);
  c->tty = -1;
  c->tty_ep.kind = 0; /* an event of it later in this epoll batch is skipped */
}

/* Tells a job's attached clients what happened to it (stopped, continued, exited). A stop, or
 * an end without a restart, ends the attachment: a terminal we hold is given back first, so no
 * key typed after it is read here (its output before it was written already). */
static void notify_state(const char *job, const char *json) {
  int ends = strncmp(json, "{\"ev\":\"stopped\"", 15) == 0 ||
             (strncmp(json, "{\"ev\":\"exit\"", 12) == 0 && strstr(json, "\"respawned\":0"));
  if (ends)
    for (conn_t *c = conns; c; c = c->next)
      if (c->job && strcmp(c->job, job) == 0) conn_tty_end(c);
  fanout(job, 's', json, strlen(json));
}

/* Keys read from a client's terminal: to the job's input, up to the detach keys (Ctrl-\ then
 * Ctrl-D, which may come in two reads), as the client's own relay does (DetachScanner). */
static void conn_tty_keys(conn_t *c, const char *p, size_t n) {
  jobio_t *j = jobio_find(c->job);
  if (c->tty_fs) {
    c->tty_fs = 0;
    if (n > 0 && p[0] == 0x04) goto detach;
    if (j) jobio_write(j, "\x1c", 1);
  }
  for (size_t i = 0; i + 1 < n; i++) {
    if (p[i] == 0x1c && p[i + 1] == 0x04) {
      if (j && i) jobio_write(j, p, i);
      goto detach;
    }
  }
  if (n > 0 && p[n - 1] == 0x1c) { c->tty_fs = 1; n--; }
  if (j && n) {
    /* A Ctrl-C the job's terminal turns into SIGINT: the client learns it was typed, so that it
     * passes the interrupt on to its own terminal's foreground group as a terminal would (a
     * script running `appinit run` in a loop stops), and only then: not after a `kill -INT`. */
    struct termios tio;
    if (j->master >= 0 && memchr(p, 0x03, n) && tcgetattr(j->master, &tio) == 0 && (tio.c_lflag & ISIG) && tio.c_cc[VINTR] == 0x03)
      conn_send(c, 's', "{\"ev\":\"intr\"}", 13);
    jobio_write(j, p, n);
  }
  return;
detach:
  conn_tty_end(c);
  conn_send(c, 's', "{\"ev\":\"detached\"}", 17);
}

static void conn_tty_event(ttyside_t *t, uint32_t e) {
  conn_t *c = t->c;
  if (!(e & (EPOLLIN | EPOLLHUP | EPOLLERR))) return;
  char keys[4096];
  ssize_t r = read(c->tty, keys, sizeof keys);
  if (r > 0) conn_tty_keys(c, keys, (size_t)r);
  else if (r == 0 || (errno != EAGAIN && errno != EINTR)) conn_tty_end(c); /* hung up */
}

/*
 * The client hands us its terminal ('t' frame with the descriptor): we read its keys and write
 * the job's output to it ourselves, as a C relay (`script`) does, instead of each key and each
 * echo crossing the client's event loop too (two wake-ups fewer per key). Only for a job with a
 * pty, and only for the terminal the client has on both stdin and stdout (it checks). We open
 * the terminal again so that O_NONBLOCK is ours, not set on the client's (and its shell's) open
 * file. The client learns the answer ({"ev":"tty","ok":0|1}) and relays itself when it is 0.
 */
static void conn_take_tty(conn_t *c) {
  int fd = c->passed, ok = 0;
  c->passed = -1;
  jobio_t *j = jobio_find(c->job);
  if (fd >= 0 && c->tty < 0 && j && j->master >= 0 && isatty(fd)) {
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    int t = open(path, O_RDWR | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (t >= 0) {
      c->tty_ep.kind = KIND_TTY;
      c->tty_ep.c = c;
      if (ep_ctl(EPOLL_CTL_ADD, t, EPOLLIN, &c->tty_ep) == 0) { c->tty = t; ok = 1; }
      else { close(t); c->tty_ep.kind = 0; }
    }
  }
  if (fd >= 0) close(fd);
  conn_send(c, 's', ok ? "{\"ev\":\"tty\",\"ok\":1}" : "{\"ev\":\"tty\",\"ok\":0}", 19);
}

static void set_winsize(const char *job, int rows, int cols) {
  jobio_t *j = jobio_find(job);
  if (!j || j->master < 0 || rows <= 0 || cols <= 0) return;
  struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
  ioctl(j->master, TIOCSWINSZ, &ws); /* the kernel sends SIGWINCH to the foreground group */
}

/* The client's stdout (or stderr) was a pipe whose reader left (`appinit run -- yes | head -1`):
 * the job's own pipe for that stream breaks too, so its next write fails with EPIPE (SIGPIPE) as
 * it would have written into that pipe itself. Without it the job ran on, its output logged, after
 * the pipeline had ended. A pty is left alone (its output is one stream, and a terminal's job
 * outlives its client by design). */
static int close_job_stream(const char *job, char stream) {
  if (!job || (stream != 'o' && stream != 'e')) return 0;
  jobio_t *j = jobio_find(job);
  int closed = 0;
  for (pump_t *pm = pumps, *next; pm; pm = next) {
    next = pm->next;
    if (pm->stream != stream || !pm->job || strcmp(pm->job, job) != 0) continue;
    if (j && j->master == pm->fd) continue;
    pump_close(pm);
    closed++;
  }
  return closed;
}

/* A frame from an attached client. */
static void conn_frame(conn_t *c, const char *p, size_t n) {
  if (n < 1) return;
  jobio_t *j = jobio_find(c->job);
  switch (p[0]) {
    case 'd':
      if (j) jobio_write(j, p + 1, n - 1);
      else if (c->flow && n > 1) input_took(c->job, n - 1); /* no input to take it: gone */
      break;
    case 'w':
      if (n >= 5) {
        uint16_t rows, cols;
        memcpy(&rows, p + 1, 2);
        memcpy(&cols, p + 3, 2);
        set_winsize(c->job, rows, cols);
      }
      break;
    case 't':
      conn_take_tty(c);
      break;
    case 'c':
      /* A job on a pty (`fg %1 | head`) has no pipe to break: the client is detached instead. */
      if (n >= 2 && !close_job_stream(c->job, p[1]) && j && j->master >= 0) conn_send(c, 's', "{\"ev\":\"detached\"}", 17);
      break;
    case 'e':
      if (j && j->input >= 0) {
        if (j->input == j->master) jobio_write(j, "\x04", 1); /* VEOF on a terminal */
        else if (j->pending.len) j->close_after = 1;
        else jobio_close_input(j);
      }
      break;
  }
}

/* ---------- jobs and the process table ---------- */

/*
 * What the helper knows of a job beyond its processes: its cgroup (when cgroups are in use),
 * whether the whole job is being killed, and whether the kernel said it is empty.
 */
typedef struct job {
  int kind;              /* KIND_JOB: its cgroup.events fd is in epoll (EPOLLPRI) */
  char *key;
  int events_fd;         /* -1 without a cgroup */
  int dir_fd;            /* the v2 group, for clone3's CLONE_INTO_CGROUP */
  int join[CG_MAX_JOIN]; /* cgroup.procs fds a child writes "0" into (join[0]: the v2 group) */
  int unpopulated;       /* the cgroup said `populated 0`; `empty` waits for our reaps */
  int children;          /* tracked processes we will reap (members excluded) */
  int killing;           /* KILL was sent to the whole job: anything of it seen now is killed */
  int stopped;           /* a stop reached it: its group goes when it is empty (else kept for a restart) */
  int64_t check_at_us;   /* when to look for survivors of that KILL (0: no check due) */
  /* cgroup.kill was written to its group, which still exists: Linux 6.14 and later (seen on 6.18)
   * kill at once every child cloned INTO that group (cgroup_css_set_fork reads the kill sequence
   * of the parent's group, cgroup_post_fork compares it with the target's), so a job whose stop
   * left a survivor (state D) could never start again. Its spawns fork and join by writing
   * cgroup.procs instead, until the group is removed. */
  int killed_group;
  /* A job the helper may restart on its own (a ticket) keeps its stdout/stderr log pipes from
   * one run to the next: the helper holds a write end of each (keep_w) so its pump never sees
   * EOF, and a restart gives the same pipe to the new process. Per restart that saves two
   * pipes, their pumps, epoll entries, two wake-ups for their EOFs and four messages to the fd
   * holder (~26 system calls). Let go (keep_release) when the job is not restarted at once. */
  int keep_w[2];
  pump_t *keep_pm[2];
  int keep_due;          /* its leader ended and a ticket restart is due: it takes them, or they go */
  long oom_seen;         /* memory.events' oom_kill already told of (-1: no memory controller) */
  struct job *next;
  struct job *hnext;     /* in job_index's bucket */
} job_t;

static job_t *jobs;
static job_t *job_index[NAME_BUCKETS];
static int kill_checks; /* jobs with a check for survivors of a KILL due */

static void job_check_clear(job_t *j) {
  if (j->check_at_us) kill_checks--;
  j->check_at_us = 0;
}

static job_t *job_find(const char *key) {
  for (job_t *j = job_index[name_bucket(key)]; j; j = j->hnext)
    if (strcmp(j->key, key) == 0) return j;
  return NULL;
}

static job_t *job_get(const char *key) {
  job_t *j = job_find(key);
  if (j) return j;
  j = calloc(1, sizeof *j);
  if (!j) die("out of memory");
  j->kind = KIND_JOB;
  j->key = strdup(key);
  j->events_fd = j->dir_fd = -1;
  for (int i = 0; i < CG_MAX_JOIN; i++) j->join[i] = -1;
  j->keep_w[0] = j->keep_w[1] = -1;
  j->next = jobs;
  jobs = j;
  unsigned bucket = name_bucket(key);
  j->hnext = job_index[bucket];
  job_index[bucket] = j;
  return j;
}

/* Lets the kept log pipes go: the pumps see EOF once the job's last writer closes, as for
 * any other job. */
static void keep_release_one(job_t *j, int i) {
  if (j->keep_w[i] >= 0) close(j->keep_w[i]);
  j->keep_w[i] = -1;
  if (j->keep_pm[i]) j->keep_pm[i]->kept = 0;
  j->keep_pm[i] = NULL;
}

static void keep_release(job_t *j) {
  keep_release_one(j, 0);
  keep_release_one(j, 1);
  j->keep_due = 0;
}

/* A kept pipe's pump closed (it cannot see EOF while we hold a write end: a read error): its
 * job must not hand the pipe to a restart. */
static void keep_pump_closed(pump_t *pm) {
  job_t *j = pm->job ? job_find(pm->job) : NULL;
  pm->kept = 0;
  if (!j) return;
  for (int i = 0; i < 2; i++)
    if (j->keep_pm[i] == pm) {
      if (j->keep_w[i] >= 0) close(j->keep_w[i]);
      j->keep_w[i] = -1;
      j->keep_pm[i] = NULL;
    }
}

/* Drops the job's cgroup (it is empty): made again at its next spawn. */
static void job_cgroup_release(job_t *j) {
  if (j->events_fd >= 0) {
    ep_ctl(EPOLL_CTL_DEL, j->events_fd, 0, NULL);
    close(j->events_fd);
    j->events_fd = -1;
  }
  for (int i = 0; i < CG_MAX_JOIN; i++) if (j->join[i] >= 0) { close(j->join[i]); j->join[i] = -1; }
  if (j->dir_fd >= 0) { close(j->dir_fd); j->dir_fd = -1; }
  if (cg_enabled() && cg_key_ok(j->key) && cg_job_remove(j->key) == 0) j->killed_group = 0;
  j->unpopulated = 0;
}

typedef struct proc {
  pid_t pid;
  unsigned long long start; /* ticks since boot: with pid, identifies the process */
  char *job;                /* job key given by the daemon; "" if unknown */
  job_t *jb;                /* NULL when job is "" */
  pid_t pgid;
  int leader;
  int adopted;
  int member; /* in the job's cgroup but not our child: we will not reap it */
  int keeper; /* a pty job's session keeper (ours, not the job's) */
  int watched; /* a member listed at a hello, followed only for its kernel records (hello_members) */
  struct proc *next;
} proc_t;

static proc_t *procs;

static proc_t *proc_find(pid_t pid) {
  for (proc_t *p = procs; p; p = p->next)
    if (p->pid == pid) return p;
  return NULL;
}

/* tty: the terminal (tty_nr) taskstats records for it when known, else -1 (read from /proc). */
static proc_t *proc_add_tty(pid_t pid, unsigned long long start, const char *job, pid_t pgid, int leader, int adopted, long tty) {
  proc_t *p = calloc(1, sizeof *p);
  if (!p) die("out of memory");
  p->pid = pid; p->start = start; p->job = strdup(job); p->pgid = pgid;
  p->leader = leader; p->adopted = adopted;
  p->jb = job[0] ? job_get(job) : NULL;
  if (p->jb) p->jb->children++;
  if (leader || adopted) ts_track_tty(pid, job, leader, tty); /* its descendants are the job's too */
  p->next = procs;
  procs = p;
  return p;
}

/* True when a leader of the job runs now (tracked and not yet reaped). */
static int leader_live(const char *job) {
  for (proc_t *p = procs; p; p = p->next)
    if (p->leader && strcmp(p->job, job) == 0) return 1;
  return 0;
}

static proc_t *proc_add(pid_t pid, unsigned long long start, const char *job, pid_t pgid, int leader, int adopted) {
  return proc_add_tty(pid, start, job, pgid, leader, adopted, -1);
}

static void proc_remove(proc_t *p) {
  for (proc_t **pp = &procs; *pp; pp = &(*pp)->next) {
    if (*pp == p) { *pp = p->next; break; }
  }
  if (p->jb && !p->member) p->jb->children--;
  free(p->job);
  free(p);
}

/* Fields of /proc/PID/stat we need; readable for a zombie until it is reaped. */
typedef struct {
  char comm[64];
  char state;
  pid_t ppid, pgid, sid;
  unsigned long flags;
  unsigned long long start;
  unsigned uid, gid;
  int ok;
} pstat_t;

static void read_pstat_ids(pid_t pid, pstat_t *ps, int with_ids);
static void read_pstat(pid_t pid, pstat_t *ps) { read_pstat_ids(pid, ps, 1); }

/* with_ids = 0 reads only /proc/PID/stat (enough for the start time of a fresh child). */
static void read_pstat_ids(pid_t pid, pstat_t *ps, int with_ids) {
  memset(ps, 0, sizeof *ps);
  char path[64], data[4096];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ssize_t n = read(fd, data, sizeof data - 1);
  close(fd);
  if (n <= 0) return;
  data[n] = 0;
  char *lp = strchr(data, '('), *rp = strrchr(data, ')');
  if (!lp || !rp) return;
  size_t cl = (size_t)(rp - lp - 1);
  if (cl >= sizeof ps->comm) cl = sizeof ps->comm - 1;
  memcpy(ps->comm, lp + 1, cl);
  ps->comm[cl] = 0;
  /* fields from 3 on, after the last ')' */
  char *f = rp + 2;
  int idx = 3;
  char *save = NULL;
  for (char *tok = strtok_r(f, " ", &save); tok; tok = strtok_r(NULL, " ", &save), idx++) {
    switch (idx) {
      case 3: ps->state = tok[0]; break;
      case 4: ps->ppid = atoi(tok); break;
      case 5: ps->pgid = atoi(tok); break;
      case 6: ps->sid = atoi(tok); break;
      case 9: ps->flags = strtoul(tok, NULL, 10); break;
      case 22: ps->start = strtoull(tok, NULL, 10); break;
    }
    if (idx == 22) break;
  }
  ps->ok = 1;
  if (!with_ids) return;
  snprintf(path, sizeof path, "/proc/%d/status", pid);
  FILE *fp = fopen(path, "re");
  if (fp) {
    char line[256];
    while (fgets(line, sizeof line, fp)) {
      if (strncmp(line, "Uid:", 4) == 0) sscanf(line + 4, "%u", &ps->uid);
      else if (strncmp(line, "Gid:", 4) == 0) { sscanf(line + 4, "%u", &ps->gid); break; }
    }
    fclose(fp);
  }
  ps->ok = 1;
}

/* ---------- events to the daemon ---------- */

typedef struct {
  uint64_t seq;
  char *line; /* JSON line with trailing newline */
  size_t len;
} event_t;

static event_t *events; /* durable events not yet acknowledged, oldest first */
static size_t nevents, capevents;
static uint64_t next_seq = 1;
static uint64_t epoch;
static int client = -1;
static buf_t sendq;        /* bytes queued for the client */
static size_t sendq_off;

static void client_flush(void);

static void client_queue(const char *p, size_t n) {
  if (client < 0) return;
  buf_add(&sendq, p, n);
}

/* Durable events carry a seq and are kept until acknowledged.
 * An event is formatted once, into a scratch buffer that holds any usual one (a taskstats record
 * is ~1 KB), then copied into an allocation of its size. Grown from 256 bytes, the exit and
 * taskstats events of every restart were formatted twice (printf was ~12% of the helper's CPU in
 * a restart loop, perf). A longer event (a long path or command) takes the growing buffer: never cut. */
#ifndef EMIT_SCRATCH
#define EMIT_SCRATCH 4096 /* a test build makes it small, to take the other path */
#endif
static void emit_event(int durable, const char *fmt, ...) {
  static char scratch[EMIT_SCRATCH];
  buf_t b = {0};
  size_t at = 1;
  scratch[0] = '{';
  if (durable) at += (size_t)snprintf(scratch + at, sizeof scratch - at, "\"seq\":%llu,", (unsigned long long)next_seq);
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(scratch + at, sizeof scratch - at, fmt, ap);
  va_end(ap);
  if (n >= 0 && (size_t)n + 2 < sizeof scratch - at) {
    at += (size_t)n;
    scratch[at++] = '}';
    scratch[at++] = '\n';
    buf_add(&b, scratch, at);
  } else {
    buf_add(&b, scratch, at); /* "{" and the seq */
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    buf_add(&b, "}\n", 2);
  }
  if (durable) {
    if (nevents == capevents) {
      capevents = capevents ? capevents * 2 : 64;
      events = xrealloc(events, capevents * sizeof *events);
    }
    events[nevents].seq = next_seq++;
    events[nevents].line = b.p;
    events[nevents].len = b.len;
    nevents++;
    client_queue(b.p, b.len);
  } else {
    client_queue(b.p, b.len);
    free(b.p);
  }
}

static void events_ack(uint64_t seq) {
  size_t k = 0;
  while (k < nevents && events[k].seq <= seq) free(events[k++].line);
  memmove(events, events + k, (nevents - k) * sizeof *events);
  nevents -= k;
}

static void client_drop(void) {
  if (client < 0) return;
  epoll_ctl(epfd, EPOLL_CTL_DEL, client, NULL);
  close(client);
  client = -1;
  sendq.len = 0;
  sendq_off = 0;
}

static void client_flush(void) {
  if (client < 0 || sendq.len == sendq_off) return;
  while (sendq_off < sendq.len) {
    ssize_t w = send(client, sendq.p + sendq_off, sendq.len - sendq_off, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      client_drop();
      return;
    }
    sendq_off += (size_t)w;
  }
  if (sendq_off == sendq.len) { sendq.len = 0; sendq_off = 0; }
  struct epoll_event ev = {.events = EPOLLIN | (sendq.len ? EPOLLOUT : 0), .data.fd = client};
  epoll_ctl(epfd, EPOLL_CTL_MOD, client, &ev);
}

/*
 * A restart ticket: the daemon decides the restart policy, but when it allows an immediate
 * restart it hands the decision down with the spawn, as s6-supervise restarts on its own.
 * The kept frame is the original spawn request, replayed with one less restart in the budget.
 * Any signal to the whole job (a stop) or `disarm` tears the ticket up first.
 */
typedef struct ticket {
  char *job;
  char *frame;
  size_t len;
  int budget, any;
  char ok[128];
  struct ticket *next;
} ticket_t;

static ticket_t *tickets;

static ticket_t *ticket_find(const char *job) {
  for (ticket_t *t = tickets; t; t = t->next)
    if (strcmp(t->job, job) == 0) return t;
  return NULL;
}

static void ticket_drop(const char *job) {
  for (ticket_t **pp = &tickets; *pp; pp = &(*pp)->next) {
    if (strcmp((*pp)->job, job) == 0) {
      ticket_t *t = *pp;
      *pp = t->next;
      free(t->job);
      free(t->frame);
      free(t);
      return;
    }
  }
}

/* True when the ticket says this end is restarted at once. */
static int ticket_allows(ticket_t *t, int status) {
  if (!t || t->budget <= 0) return 0;
  if (t->any) return 1;
  if (!WIFEXITED(status)) return 1;
  char buf[128];
  snprintf(buf, sizeof buf, "%s", t->ok);
  char *save = NULL;
  for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
    if (atoi(tok) == WEXITSTATUS(status)) return 0;
  return 1;
}

/* ---------- reaping ---------- */

/* 1 when a process of j killed by SIGKILL was the OOM killer's: the group's oom_kill count rose
 * past what earlier deaths were told of (each such death takes one). */
static int oom_killed(job_t *j, int status) {
  if (!j || j->dir_fd < 0 || j->oom_seen < 0 || !WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) return 0;
  long n = cg_oom_kills(j->key, j->dir_fd);
  if (n <= j->oom_seen) return 0;
  j->oom_seen++;
  return 1;
}

static void emit_exit(pid_t pid, int status, struct rusage *ru, pstat_t *ps, proc_t *p, int respawned, int alive, int oom) {
  buf_t b = {0};
  buf_json_str(&b, p ? p->job : "");
  buf_add(&b, ",\"comm\":", 8);
  buf_json_str(&b, ps->comm);
  buf_add(&b, "", 1);
  emit_event(1,
             "\"ev\":\"exit\",\"respawned\":%d,\"pid\":%d,\"job\":%s,\"leader\":%d,\"adopted\":%d,\"status\":%d,"
             "\"start\":%llu,\"end_us\":%lld,\"ppid\":%d,\"pgid\":%d,\"sid\":%d,\"uid\":%u,\"gid\":%u,"
             "\"kflags\":%lu,\"utime_us\":%lld,\"stime_us\":%lld,\"maxrss\":%ld,\"minflt\":%ld,"
             "\"majflt\":%ld,\"inblock\":%ld,\"oublock\":%ld,\"nvcsw\":%ld,\"nivcsw\":%ld,\"alive\":%d,\"oom\":%d",
             respawned, pid, b.p, p ? p->leader : 0, p ? p->adopted : 1, status, ps->ok ? ps->start : (p ? p->start : 0),
             (long long)now_us(), ps->ppid, ps->pgid, ps->sid, ps->uid, ps->gid, ps->flags,
             (long long)ru->ru_utime.tv_sec * 1000000 + ru->ru_utime.tv_usec,
             (long long)ru->ru_stime.tv_sec * 1000000 + ru->ru_stime.tv_usec, ru->ru_maxrss, ru->ru_minflt,
             ru->ru_majflt, ru->ru_inblock, ru->ru_oublock, ru->ru_nvcsw, ru->ru_nivcsw, alive, oom);
  free(b.p);
}

static void emit_job_event(const char *ev, const char *job) {
  buf_t b = {0};
  buf_json_str(&b, job);
  buf_add(&b, "", 1);
  emit_event(0, "\"ev\":\"%s\",\"job\":%s", ev, b.p);
  free(b.p);
}

/*
 * The job whose process pid is. With cgroups, the kernel says (exactly, whoever forked it and
 * however it left its session). Without, an orphan is matched by session, then process group,
 * then the hint: the job of the process whose death just orphaned it.
 */
static const char *attribute(pid_t pid, pstat_t *ps, const char *hint) {
  static char key[72];
  if (cg_enabled()) return cg_job_of(pid, key, sizeof key) ? key : "";
  for (proc_t *p = procs; p; p = p->next)
    if (p->leader && (p->pid == ps->sid || p->pgid == ps->pgid) && p->job[0]) return p->job;
  for (proc_t *p = procs; p; p = p->next)
    if (p->pgid == ps->pgid && p->job[0]) return p->job;
  return hint ? hint : "";
}

/* Records a process of a job seen for the first time (an orphan or a cgroup member), and
 * kills it at once when its job is being killed. */
static proc_t *track_found(pid_t pid, pstat_t *ps, const char *job, int member) {
  proc_t *p = proc_add(pid, ps->start, job, ps->pgid, 0, 1);
  if (member && p->jb) { p->member = 1; p->jb->children--; }
  buf_t b = {0};
  buf_json_str(&b, job);
  buf_add(&b, ",\"comm\":", 8);
  buf_json_str(&b, ps->comm);
  buf_add(&b, "", 1);
  emit_event(0, "\"ev\":\"adopted\",\"pid\":%d,\"start\":%llu,\"pgid\":%d,\"sid\":%d,\"job\":%s", pid, ps->start, ps->pgid,
             ps->sid, b.p);
  free(b.p);
  if (p->jb && p->jb->killing) kill(pid, SIGKILL);
  return p;
}

/* Adopts children we did not fork: orphans reparented to us as subreaper. */
static void scan_adopted(const char *hint) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/task/%d/children", getpid(), getpid());
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  static buf_t data;
  data.len = 0;
  for (;;) { /* one pid per orphan: no fixed cut */
    buf_reserve(&data, 65536);
    ssize_t n = read(fd, data.p + data.len, data.cap - data.len - 1);
    if (n <= 0) break;
    data.len += (size_t)n;
  }
  close(fd);
  if (!data.len) return;
  data.p[data.len] = 0;
  char *save = NULL;
  for (char *tok = strtok_r(data.p, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
    pid_t pid = atoi(tok);
    proc_t *known;
    if (pid <= 0 || pid == holder_child()) continue; /* the fd holder is ours, not a job's */
    if ((known = proc_find(pid))) {
      /* A cgroup member whose parent died: now our child, and ours to reap. */
      if (known->member) { known->member = 0; if (known->jb) known->jb->children++; }
      continue;
    }
    pstat_t ps;
    read_pstat(pid, &ps);
    if (!ps.ok) continue;
    track_found(pid, &ps, attribute(pid, &ps, hint), 0);
  }
}

/* With cgroups: every live process of the job we do not know yet is recorded as a member, so
 * the daemon counts it before the leader's exit; returns how many live processes it has. */
static int cgroup_members(job_t *j, pid_t dying) {
  pid_t *pids = NULL;
  int n = cg_job_procs(j->key, &pids), alive = 0;
  for (int i = 0; i < n; i++) {
    if (pids[i] == dying) continue;
    proc_t *p = proc_find(pids[i]);
    if (p && p->keeper) continue;
    alive++;
    if (p) continue;
    pstat_t ps;
    read_pstat(pids[i], &ps);
    if (ps.ok && ps.state != 'Z') track_found(pids[i], &ps, j->key, 1);
  }
  free(pids);
  return alive;
}

/* Live processes of a job we track, besides `but` and the keeper. */
static int tracked_alive(job_t *j, proc_t *but) {
  int n = 0;
  for (proc_t *p = procs; p; p = p->next)
    if (p->jb == j && p != but && !p->keeper) n++;
  return n;
}

/*
 * `empty {job}`: nothing of the job is left. With a cgroup the kernel says so (`populated 0`)
 * and we wait until we have reaped (and reported) every process of it; without, the job is
 * empty when we track none: every live descendant of a job has a tracked ancestor, since its
 * orphans come to us (we are the subreaper) and are adopted before their parent's exit is sent.
 */
static void ts_drain(void);
static void maybe_empty(job_t *j) {
  if (!j || j->children > 0) return;
  if (j->events_fd >= 0 && !j->unpopulated) return;
  ts_drain(); /* every record of the job's processes goes out before its `empty` */
  for (proc_t *p = procs, *next; p; p = next) { /* members died unseen: the group is empty */
    next = p->next;
    if (p->jb == j && p->member) proc_remove(p);
  }
  j->killing = 0;
  job_check_clear(j);
  emit_job_event("empty", j->key);
  /* A job that ended on its own is likely to start again (restart policy, cron): its group is
   * kept, a restart costs no mkdir. A stopped one's goes; `quit` removes the rest. */
  if (j->events_fd >= 0 && j->stopped) job_cgroup_release(j);
}

/* Reads the job's cgroup.events and keeps what it says in j->unpopulated: every reader of it
 * goes through here, so a `populated 0` seen anywhere counts (its notification may already have
 * been taken). 1 populated, 0 not, -1 unreadable. */
static int job_populated(job_t *j) {
  int pop = cg_populated(j->events_fd);
  if (pop == 0) j->unpopulated = 1;
  else if (pop == 1) j->unpopulated = 0;
  return pop;
}

/* cgroup.events changed: populated 0 means every process of the job has exited. */
static void job_events_readable(job_t *j) {
  if (job_populated(j) == 0) maybe_empty(j);
}

/* Ticket restarts wait here: they run after the protocol is served, in bounded batches, and
 * only while the daemon keeps up (see run_respawns). */
typedef struct due {
  char *job;
  struct due *next;
} due_t;
static due_t *due_head, **due_tail = &due_head;

static void due_push(const char *job) {
  due_t *d = calloc(1, sizeof *d);
  if (!d) die("out of memory");
  d->job = strdup(job);
  *due_tail = d;
  due_tail = &d->next;
}

typedef struct pending pending_t;
static void pending_finish_for(pid_t pid);
static void ts_drain(void);

/* Set by handle_status when the cgroup of what died was empty: no orphan of it to look for. */
static int orphans_none;

/* What a status word of a process we own means: a stop, a continue, or its end (recorded,
 * maybe restarted at once under a ticket). `p` may be NULL for an orphan seen only now. */
static void handle_status(pid_t pid, int status, struct rusage *ru, pstat_t *ps, proc_t *p, char **hint) {
  ts_drain(); /* kernel records of what ended so far go out before this exit event */
  if (p && p->leader) pending_finish_for(pid); /* `spawned` before its `stopped` or `exit` */
  if (WIFSTOPPED(status) || WIFCONTINUED(status)) {
    buf_t b = {0};
    buf_json_str(&b, p ? p->job : "");
    buf_add(&b, "", 1);
    char note[96];
    if (WIFSTOPPED(status)) {
      emit_event(1, "\"ev\":\"stopped\",\"pid\":%d,\"job\":%s,\"sig\":%d", pid, b.p, WSTOPSIG(status));
      snprintf(note, sizeof note, "{\"ev\":\"stopped\",\"pid\":%d,\"sig\":%d}", pid, WSTOPSIG(status));
    } else {
      emit_event(1, "\"ev\":\"continued\",\"pid\":%d,\"job\":%s", pid, b.p);
      snprintf(note, sizeof note, "{\"ev\":\"continued\",\"pid\":%d}", pid);
    }
    if (p && p->leader) notify_state(p->job, note);
    free(b.p);
    return;
  }
  if (!p) {
    /* An orphan we had not noticed yet: adopt it at its death. */
    p = proc_add(pid, ps->start, attribute(pid, ps, NULL), ps->pgid, 0, 1);
    ts_reaped(pid); /* tracked dead: its record may be read already */
  } else if (p->member) {
    p->member = 0;
    if (p->jb) p->jb->children++;
  }
  job_t *j = p->jb;
  if (p->keeper) { proc_remove(p); maybe_empty(j); return; } /* our own session keeper: not a job's process */
  /* Whatever this death orphaned is ours now: count it before the daemon hears of the exit. */
  int alive = 0;
  if (j) {
    if (j->events_fd >= 0) {
      /* The kernel counts the whole tree (groups the job made below its own included): when
       * nothing of it is left, this death orphaned nothing of it, and the usual restart of a
       * lone process costs no read of our children or of cgroup.procs. */
      if (job_populated(j) == 0) {
        orphans_none = 1;
      } else {
        scan_adopted(p->job);
        alive = cgroup_members(j, pid);
      }
    } else {
      scan_adopted(p->job);
      alive = tracked_alive(j, p);
    }
  }
  ticket_t *t = p->leader ? ticket_find(p->job) : NULL;
  /* Something of the job outlived its leader: no restart at once, the daemon ends it first. */
  int again = !alive && ticket_allows(t, status);
  emit_exit(pid, status, ru, ps, p, again, alive, oom_killed(j, status));
  if (p->leader) {
    /* Attached clients get every byte the job wrote before they hear it ended. Reading a pump
     * frees at most that pump, so the next one, taken first, stays valid. */
    for (pump_t *pm = pumps, *next; pm; pm = next) {
      next = pm->next;
      if (pm->job && strcmp(pm->job, p->job) == 0) pump_readable(pm);
    }
    char note[96];
    snprintf(note, sizeof note, "{\"ev\":\"exit\",\"pid\":%d,\"status\":%d,\"respawned\":%d}", pid, status, again);
    notify_state(p->job, note);
    if (j && (j->keep_w[0] >= 0 || j->keep_w[1] >= 0)) {
      if (again) {
        /* The run's last unfinished line ends with it, as at the EOF of a pipe of its own. */
        for (int i = 0; i < 2; i++)
          if (j->keep_pm[i] && j->keep_pm[i]->partial.len) pump_feed(j->keep_pm[i], "", 0, 1);
        j->keep_due = 1;
      } else {
        keep_release(j);
      }
    }
  }
  if (again) {
    due_push(p->job);
    if (j) j->children++; /* the restart is on its way: not empty meanwhile */
  }
  if (p->job[0] && hint) {
    free(*hint);
    *hint = strdup(p->job);
  }
  proc_remove(p);
  if (!again) maybe_empty(j);
}

static void holder_restart(void);

/*
 * A job leader's ids and flags from the kernel record already sent for it (root, taskstats),
 * instead of reading its zombie's /proc stat and status (7 system calls and two text files
 * rendered by the kernel, per restart). The exit event keeps every field: the daemon records
 * the kernel's figures, not these, and a leader we forked leads its session and group (setsid
 * before exec; a session leader can change neither).
 */
static int ids_from_record(pid_t pid, pstat_t *ps) {
  proc_t *p;
  if (!ts_enabled() || !(p = proc_find(pid)) || !p->leader || p->keeper) return 0;
  ts_drain(); /* the record was queued before the zombie showed: read it now */
  ts_sent_t r;
  /* A child that failed before its exec (AFORK) may have died before its setsid: /proc says. */
  if (!ts_leader_sent(pid, &r) || (r.acflag & 0x01)) return 0;
  snprintf(ps->comm, sizeof ps->comm, "%s", r.comm);
  ps->state = 'Z';
  ps->ppid = r.ppid;
  ps->pgid = ps->sid = pid;
  ps->flags = r.acflag & 0x02 ? 0x100ul : 0; /* PF_SUPERPRIV, as /proc's flags field shows ASU */
  ps->start = p->start;
  ps->uid = r.uid;
  ps->gid = r.gid;
  ps->ok = 1;
  return 1;
}

#define REAP_BATCH 64
static int reap_more; /* a batch ended with children still waiting: come back after the protocol */

/* Reaps up to REAP_BATCH children: fast-exiting jobs cannot keep the event loop from the protocol. */
static void reap_some(void) {
  char *hint = NULL;
  reap_more = 0;
  int scan = 0, handled = 0; /* scan: a death that may have orphaned something */
  for (int k = 0;; k++) {
    if (k == REAP_BATCH) { reap_more = 1; break; }
    siginfo_t si;
    memset(&si, 0, sizeof si);
    if (waitid(P_ALL, 0, &si, WEXITED | WSTOPPED | WCONTINUED | WNOHANG | WNOWAIT) < 0) break;
    pid_t pid = si.si_pid;
    if (pid == 0) break;
    pstat_t ps;
    memset(&ps, 0, sizeof ps);
    int gone = si.si_code == CLD_EXITED || si.si_code == CLD_KILLED || si.si_code == CLD_DUMPED;
    if (gone && !ids_from_record(pid, &ps)) read_pstat(pid, &ps); /* still a zombie: /proc has its ids and flags */
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    pid_t r = wait4(pid, &status, WNOHANG | WUNTRACED | WCONTINUED, &ru);
    if (r <= 0) continue;
    if (WIFEXITED(status) || WIFSIGNALED(status)) beside_reaped(pid);
    if (pid == holder_child()) { /* ours, not a job's */
      if (WIFEXITED(status) || WIFSIGNALED(status)) holder_restart();
      continue;
    }
    orphans_none = 0;
    handle_status(pid, status, &ru, &ps, proc_find(pid), &hint);
    handled++;
    if (!orphans_none) scan = 1;
  }
  /* A process that just died may have left children: they are ours now. (Not when every death
   * of this turn was the last process of its cgroup.) */
  if (scan || !handled) scan_adopted(hint);
  free(hint);
}

/* ---------- spawning ---------- */

/* One `rlimit NAME:SOFT:HARD` key; an empty SOFT or HARD keeps the inherited value. */
typedef struct {
  int res;
  int has_soft, has_hard;
  rlim_t soft, hard;
  char name[16];
} rlim_req_t;
#define MAX_RLIMITS 16

typedef struct {
  int argc;
  int envc;
  const char *job, *cwd, *user, *group, *stdin_path, *out, *err, *tty, *req;
  int nice_set, nice_val; /* `nice N`: the caller's nice value, set before the ids change */
  int umask_set;
  mode_t umask_val;
  int ts, keep, period;
  off_t maxsize;
  size_t maxline;
  int rows, cols;     /* initial window size of a pty */
  int rs_budget;      /* immediate restarts the helper may do on its own */
  int rs_any;         /* 1: restart on any end; 0: only on failure */
  const char *rs_ok;  /* success codes, comma-separated */
  int is_respawn;
  cg_limits_t limits;
  rlim_req_t rlimits[MAX_RLIMITS];
  int nrlimits;
  int has_termios;    /* `termios HEX`: settings for a `tty` device, applied after opening it */
  struct termios termios;
  char bad[160];      /* a malformed key: the spawn fails with this */
  /* From here on not cleared for each frame (req_clear): ~70 KB, whose pages a fork before
   * made copy-on-write, so clearing them cost a burst ~17 page faults per spawn (issue 17). */
  sk_spawn_t sk;      /* NOTIFY_SOCKET, listen sockets, the descriptor store (notify.c) */
  const char *argv[MAX_ARGS]; /* [0, argc) */
  const char *envp[MAX_ARGS]; /* [0, envc) */
} spawn_req_t;

/* A request as new: what the frame's keys set, and the socket keys (sockets_prepare fills the
 * rest of sk, the keys fill argv and envp up to argc and envc). */
static void req_clear(spawn_req_t *rq) {
  memset(rq, 0, offsetof(spawn_req_t, sk));
  memset(&rq->sk, 0, offsetof(sk_spawn_t, fds));
  rq->sk.n = 0;
}

static const struct { const char *name; int res; } RLIMIT_NAMES[] = {
  {"as", RLIMIT_AS}, {"core", RLIMIT_CORE}, {"cpu", RLIMIT_CPU}, {"data", RLIMIT_DATA}, {"fsize", RLIMIT_FSIZE},
  {"locks", RLIMIT_LOCKS}, {"memlock", RLIMIT_MEMLOCK}, {"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},
  {"nofile", RLIMIT_NOFILE}, {"nproc", RLIMIT_NPROC}, {"rss", RLIMIT_RSS}, {"rtprio", RLIMIT_RTPRIO},
  {"rttime", RLIMIT_RTTIME}, {"sigpending", RLIMIT_SIGPENDING}, {"stack", RLIMIT_STACK},
};

static int parse_rlim_value(const char *s, size_t n, int *has, rlim_t *out) {
  *has = n > 0;
  if (n == 0) return 0;
  if (n == 9 && strncmp(s, "unlimited", 9) == 0) { *out = RLIM_INFINITY; return 0; }
  rlim_t v = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (rlim_t)(s[i] - '0');
  }
  *out = v;
  return 0;
}

/* `NAME:SOFT:HARD`, numbers or `unlimited`. */
static void parse_rlimit(spawn_req_t *rq, const char *v) {
  const char *c1 = strchr(v, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
  if (!c2 || rq->nrlimits == MAX_RLIMITS) goto bad;
  rlim_req_t *r = &rq->rlimits[rq->nrlimits];
  memset(r, 0, sizeof *r);
  r->res = -1;
  for (size_t i = 0; i < sizeof RLIMIT_NAMES / sizeof *RLIMIT_NAMES; i++)
    if (strlen(RLIMIT_NAMES[i].name) == (size_t)(c1 - v) && strncmp(RLIMIT_NAMES[i].name, v, (size_t)(c1 - v)) == 0) {
      r->res = RLIMIT_NAMES[i].res;
      snprintf(r->name, sizeof r->name, "%s", RLIMIT_NAMES[i].name);
    }
  if (r->res < 0) goto bad;
  if (parse_rlim_value(c1 + 1, (size_t)(c2 - c1 - 1), &r->has_soft, &r->soft) < 0) goto bad;
  if (parse_rlim_value(c2 + 1, strlen(c2 + 1), &r->has_hard, &r->hard) < 0) goto bad;
  if (r->has_soft && r->has_hard && r->hard != RLIM_INFINITY && (r->soft == RLIM_INFINITY || r->soft > r->hard)) goto bad;
  rq->nrlimits++;
  return;
bad:
  if (!rq->bad[0]) snprintf(rq->bad, sizeof rq->bad, "bad rlimit \"%.100s\" (NAME:SOFT:HARD, soft <= hard)", v);
}

/* `termios HEX`: the bytes of a struct termios, as the daemon got them from tcgetattr. */
static void parse_termios(spawn_req_t *rq, const char *v) {
  if (strlen(v) != 2 * sizeof rq->termios) goto bad;
  unsigned char *out = (unsigned char *)&rq->termios;
  for (size_t i = 0; i < sizeof rq->termios; i++) {
    unsigned x;
    if (sscanf(v + 2 * i, "%2x", &x) != 1) goto bad;
    out[i] = (unsigned char)x;
  }
  rq->has_termios = 1;
  return;
bad:
  if (!rq->bad[0]) snprintf(rq->bad, sizeof rq->bad, "bad termios (expected %zu hex bytes)", sizeof rq->termios);
}

static int parse_target(const char *spec, const char **path) {
  /* log:PATH | file:PATH | append:PATH | null | stdout */
  if (!spec || strcmp(spec, "null") == 0) { *path = "/dev/null"; return 'n'; }
  if (strcmp(spec, "stdout") == 0) return 's';
  if (strncmp(spec, "log:", 4) == 0) { *path = spec + 4; return 'l'; }
  if (strncmp(spec, "file:", 5) == 0) { *path = spec + 5; return 'f'; }
  if (strncmp(spec, "append:", 7) == 0) { *path = spec + 7; return 'a'; }
  if (pipes_is_spec(spec)) { *path = spec; return 'p'; } /* a pipe to other programs (pipes.c) */
  *path = "/dev/null";
  return 'n';
}

/* Where the child failed before exec, and on what path: the daemon reports it like system() does. */
typedef struct {
  int err;
  char stage[28];
  char path[1024];
} exec_fail_t;

/* A vforked child shares our memory and we wait until it has exec'd or exited: it leaves its
 * failure here instead of in a pipe (as glibc's posix_spawn does), which saves the pipe's four
 * system calls per spawn. Set only while a vfork is under way; a forked child has NULL. */
typedef struct {
  int failed;
  exec_fail_t f;
} vfork_result_t;
/* volatile: the store before the clone and the one after it must both happen. Its address never
 * escapes, so the compiler may take clone() for a call that cannot read it and drop the first
 * store; the child then saw NULL and wrote its failure to no pipe (an exec failure without
 * cgroups was reported as a plain exit 127, a silent crash loop). */
static vfork_result_t *volatile vfork_out;

static void child_fail(int fd, const char *stage, const char *path) {
  exec_fail_t f = {.err = errno};
  snprintf(f.stage, sizeof f.stage, "%s", stage);
  snprintf(f.path, sizeof f.path, "%s", path ? path : "");
  if (fd < 0 && vfork_out) { /* vforked (a child beside us has its pipe, and may see this set) */
    vfork_out->f = f;
    vfork_out->failed = 1;
  } else {
    (void)!write(fd, &f, sizeof f);
  }
  _exit(127);
}

static int open_target(int kind, const char *path) {
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (kind == 'a' ? O_APPEND : O_TRUNC);
  if (kind == 'n') flags = O_WRONLY | O_CLOEXEC;
  return open(path, flags, 0644);
}

/* True when opening path may block (a FIFO without a partner, a terminal waiting for carrier):
 * such a spawn is forked, not vforked, so only that job waits in the open. */
static int open_may_block(const char *path) {
  struct stat st;
  if (!path || strcmp(path, "/dev/null") == 0 || stat(path, &st) != 0) return 0; /* most jobs' stdin: no stat */
  if (S_ISFIFO(st.st_mode)) return 1;
  if (!S_ISCHR(st.st_mode)) return 0;
  unsigned maj = major(st.st_rdev);
  /* 1: /dev/null, zero, random...; 136-143: pseudo-terminal slaves, which never wait for a
   * carrier (their spawns stay in order, as the classic table prints them). */
  return maj != 1 && (maj < 136 || maj > 143);
}

#define CHILD_STACK (256 * 1024)
static struct rlimit helper_nofile; /* the limit we were started with: children get it back */

/* Everything the child needs, resolved by the parent before the clone. */
typedef struct {
  spawn_req_t *rq;
  int sfd;
  const char *pty_name;
  int outk, errk;
  const char *outp, *errp;
  int outw, errw;
  uid_t uid;
  gid_t gid;
  gid_t *groups;
  int ngroups;
  int inr;   /* read end of a stdin pipe, or -1 */
  int ttyfd; /* >= 0: already in the keeper's session, this is the terminal */
  int *join; /* cgroup.procs fds to join, or NULL (already joined) */
  int in_v2; /* born in the v2 group already (clone3 CLONE_INTO_CGROUP): join[0] is skipped */
  int share_block; /* sharing our descriptor table: its block of slots (fdshare.h) */
  char *const *argv, *const *envp; /* NULL-terminated */
} child_args_t;

static void child_join_cgroups(child_args_t *a) {
  if (!a->join) return;
  for (int i = a->in_v2 ? 1 : 0; i < CG_MAX_JOIN; i++)
    if (a->join[i] >= 0 && write(a->join[i], "0", 1) != 1) child_fail(a->sfd, "cgroup", NULL);
  a->join = NULL;
}

/*
 * The child, from fork to exec: signals, cgroup, session, limits, identity, then its files,
 * opened with the target user's rights (a `user: nobody` job cannot read root's 0600 file).
 */
/*
 * Signals whose disposition is not the default in the helper (what it ignores, what it was
 * started with ignored): all a child must reset before exec, since an ignored signal survives
 * exec (a handler does not, and the helper sets none). Read once at start (note_dispositions);
 * the keeper adds SIGTTOU, which it ignores. Saves the child ~60 sigaction calls per spawn.
 */
static sigset_t not_default;

static void note_dispositions(void) {
  sigemptyset(&not_default);
  for (int s = 1; s < NSIG; s++) {
    struct sigaction cur;
    if (sigaction(s, NULL, &cur) == 0 && cur.sa_handler != SIG_DFL) sigaddset(&not_default, s);
  }
}

static int child_main(void *arg) {
  child_args_t *a = arg;
  int sfd = a->sfd;
  spawn_req_t *rq = a->rq;
  /* Default dispositions and an empty mask: ignored signals would survive exec. */
  struct sigaction sa = {.sa_handler = SIG_DFL};
  for (int s = 1; s < NSIG; s++)
    if (sigismember(&not_default, s) == 1) sigaction(s, &sa, NULL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  child_join_cgroups(a); /* first: nothing of the job may run outside its group */
  int in = -1, out = -1, err = -1;
  if (a->ttyfd >= 0) {
    in = out = err = a->ttyfd; /* a pty job: the keeper leads the session */
  } else if (setsid() < 0) child_fail(sfd, "setsid", NULL);
  const char *ttypath = a->ttyfd >= 0 ? NULL : rq->tty && strcmp(rq->tty, "pty") == 0 ? a->pty_name : rq->tty;
  if (ttypath && ttypath[0]) {
    /* A terminal is the administrator's to give (as getty): opened before the ids change,
     * after setsid without O_NOCTTY, so it becomes the controlling terminal. */
    int t = open(ttypath, O_RDWR);
    if (t < 0) child_fail(sfd, "tty", ttypath);
    if (ttypath == rq->tty) { /* a terminal line (classic table), not our pty */
      if (!isatty(t)) child_fail(sfd, "tty", ttypath); /* errno ENOTTY: /dev/zero is no terminal */
      /* The daemon's own terminal settings, as the article's ioctl(TCSETAF). */
      if (rq->has_termios && tcsetattr(t, TCSAFLUSH, &rq->termios) < 0) child_fail(sfd, "tcsetattr", ttypath);
    }
    in = out = err = t;
  }
  if (setrlimit(RLIMIT_NOFILE, &helper_nofile) < 0) child_fail(sfd, "rlimit nofile", NULL);
  for (int i = 0; i < rq->nrlimits; i++) {
    rlim_req_t *r = &rq->rlimits[i];
    struct rlimit cur;
    getrlimit(r->res, &cur);
    if (r->has_soft) cur.rlim_cur = r->soft;
    if (r->has_hard) cur.rlim_max = r->hard;
    char stage[28];
    snprintf(stage, sizeof stage, "rlimit %s", r->name);
    if (setrlimit(r->res, &cur) < 0) child_fail(sfd, stage, NULL);
  }
  /* Before the ids change, as su and setpriv keep a root caller's -5: the value is the caller's own
   * (read by the daemon from /proc, nothing the caller says). A helper that may not set it leaves
   * the job at its own. */
  if (rq->nice_set) (void)setpriority(PRIO_PROCESS, 0, rq->nice_val);
  if (a->ngroups >= 0 && setgroups((size_t)a->ngroups, a->groups) < 0) child_fail(sfd, "setgroups", NULL);
  if (a->gid != (gid_t)-1 && setgid(a->gid) < 0) child_fail(sfd, "setgid", NULL);
  if (a->uid != (uid_t)-1 && setuid(a->uid) < 0) child_fail(sfd, "setuid", NULL);
  if (rq->umask_set) umask(rq->umask_val);
  if (in < 0 && a->inr >= 0) in = a->inr;
  if (in < 0) {
    const char *ip = rq->stdin_path && rq->stdin_path[0] ? rq->stdin_path : "/dev/null";
    in = open(ip, O_RDONLY | O_CLOEXEC);
    if (in < 0) child_fail(sfd, "stdin", ip);
  }
  if (out < 0) {
    if (a->outk == 'l' || a->outk == 'p') out = a->outw;
    else if ((out = open_target(a->outk, a->outp)) < 0) child_fail(sfd, "stdout", a->outp);
  }
  if (err < 0) {
    if (a->errk == 's') err = out;
    else if (a->errk == 'l' || a->errk == 'p') err = a->errw;
    else if ((err = open_target(a->errk, a->errp)) < 0) child_fail(sfd, "stderr", a->errp);
  }
  /* dup2 clears close-on-exec on the copies; everything else is closed at exec. */
  int fds[3] = {in, out, err};
  for (int i = 0; i < 3; i++) {
    if (fds[i] == i) { fcntl(i, F_SETFD, 0); continue; }
    int moved = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
    if (moved < 0) child_fail(sfd, "dup", NULL);
    for (int j = i + 1; j < 3; j++) if (fds[j] == fds[i]) fds[j] = moved;
    fds[i] = moved;
  }
  for (int i = 0; i < 3; i++)
    if (dup2(fds[i], i) < 0) child_fail(sfd, "dup2", NULL);
  int no_sfd = INT_MAX; /* vforked: no status pipe to keep clear of LISTEN_FDS */
  int keep = sockets_child(&rq->sk, sfd >= 0 ? &sfd : &no_sfd); /* LISTEN_FDS from 3 (notify.c) */
  if (keep < 0) child_fail(sfd, "listen fds", NULL);
  syscall(SYS_close_range, (unsigned)keep, ~0U, 4 /* CLOSE_RANGE_CLOEXEC */);
  if (sfd >= 0) fcntl(sfd, F_SETFD, FD_CLOEXEC);
  if (rq->cwd && rq->cwd[0] && chdir(rq->cwd) < 0) child_fail(sfd, "chdir", rq->cwd);
  execvpe(a->argv[0], a->argv, a->envp);
  child_fail(sfd, "exec", a->argv[0]);
  return 127;
}

/* What a session keeper tells us about its job: first its pid, then each status change. */
typedef struct {
  int type; /* 0: the job's pid; 1: a status */
  pid_t pid;
  int status;
  struct rusage ru;
  pstat_t ps;
} keeper_msg_t;

/*
 * A pty job's session keeper. The kernel discards the terminal's stop signals (Ctrl-Z's
 * SIGTSTP) for an orphaned process group, and a job that led its own session would be one,
 * its parent (us) being outside the session. So, as a shell does, the keeper leads the
 * session and owns the terminal, and the job runs in its own group in the foreground. The
 * keeper reports the job's stops, continues and end, with wait4's rusage, through `rfd`.
 */
static void keeper_main(child_args_t *a, int rfd) {
  child_join_cgroups(a); /* the keeper is in the job's group too: cgroup.kill ends both */
  sockets_lift(&a->rq->sk, 5); /* the job's LISTEN_FDS survive the keeper's close below (notify.c) */
  /* Keep only the exec-status and report pipes, at 3 and 4. */
  int s2 = fcntl(a->sfd, F_DUPFD_CLOEXEC, 1000), r2 = fcntl(rfd, F_DUPFD, 1000);
  dup2(s2, 3);
  dup2(r2, 4);
  fcntl(3, F_SETFD, FD_CLOEXEC);
  sockets_close_from(&a->rq->sk, 5); /* close_range(5, ~0) but for the job's LISTEN_FDS */
  a->sfd = 3;
  rfd = 4;
  signal(SIGTTOU, SIG_IGN);
  sigaddset(&not_default, SIGTTOU); /* the job must not inherit it */
  if (setsid() < 0) child_fail(3, "setsid", NULL);
  int t = open(a->pty_name, O_RDWR | O_CLOEXEC); /* our controlling terminal */
  if (t < 0) child_fail(3, "tty", a->pty_name);
  pid_t c = fork();
  if (c < 0) child_fail(3, "fork", NULL);
  if (c == 0) {
    setpgid(0, 0);
    tcsetpgrp(t, getpid());
    a->ttyfd = t;
    child_main(a);
    _exit(127);
  }
  setpgid(c, c);
  tcsetpgrp(t, c);
  close(3); /* only the job holds the exec-status pipe now */
  keeper_msg_t m;
  memset(&m, 0, sizeof m);
  m.pid = c;
  (void)!write(rfd, &m, sizeof m);
  for (;;) {
    siginfo_t si;
    memset(&si, 0, sizeof si);
    if (waitid(P_PID, (id_t)c, &si, WEXITED | WSTOPPED | WCONTINUED | WNOWAIT) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    memset(&m, 0, sizeof m);
    m.type = 1;
    m.pid = c;
    if (si.si_code == CLD_EXITED || si.si_code == CLD_KILLED || si.si_code == CLD_DUMPED) read_pstat(c, &m.ps);
    if (wait4(c, &m.status, WUNTRACED | WCONTINUED, &m.ru) <= 0) continue;
    (void)!write(rfd, &m, sizeof m);
    if (WIFEXITED(m.status) || WIFSIGNALED(m.status)) break;
  }
  /* The terminal back to our own group before we leave: a session leader's exit hangs up the
   * terminal's foreground group, and what the job left running in the background (`sleep 60 &`)
   * would die of SIGHUP, which under a shell (that stays) it does not. */
  tcsetpgrp(t, getpgrp());
  _exit(0);
}

/* A keeper's report pipe, in epoll. */
typedef struct keeper {
  int kind; /* KIND_KEEPER */
  int fd;
  struct keeper *next;
} keeper_t;

static keeper_t *keepers;

static void keeper_readable(keeper_t *k) {
  keeper_msg_t m;
  for (;;) {
    ssize_t n = read(k->fd, &m, sizeof m);
    if (n == (ssize_t)sizeof m) {
      if (m.type == 1) handle_status(m.pid, m.status, &m.ru, &m.ps, proc_find(m.pid), NULL);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    break; /* EOF: the keeper is gone */
  }
  ep_ctl(EPOLL_CTL_DEL, k->fd, 0, NULL);
  close(k->fd);
  for (keeper_t **pp = &keepers; *pp; pp = &(*pp)->next) if (*pp == k) { *pp = k->next; break; }
  bury(k);
}


/*
 * After `hello`: the live processes of a job's cgroup that we do not own, as `member` events.
 * They were started by a helper that died (kill -9) before it could say so, or orphaned to the
 * daemon: the daemon adopts them instead of starting the job a second time beside them.
 */
static void adopt_job_cgroup(const char *key);
static pid_t hello_peer; /* the daemon that said hello (SO_PEERCRED), while its answer is built */

/* True when `anc` is an ancestor of `pid` (at most 64 generations up). */
static int descends_from(pid_t pid, pid_t anc) {
  for (int k = 0; k < 64 && pid > 1; k++) {
    pstat_t ps;
    read_pstat_ids(pid, &ps, 0);
    if (!ps.ok) return 0;
    if (ps.ppid == anc) return 1;
    pid = ps.ppid;
  }
  return 0;
}

static void hello_members(const char *job, void *arg) {
  buf_t *b = arg;
  pid_t *pids = NULL;
  int n = cg_job_procs(job, &pids), listed = 0;
  for (int i = 0; i < n; i++) {
    proc_t *known = proc_find(pids[i]);
    if (pids[i] == holder_child() || (known && !known->watched)) continue;
    pstat_t ps;
    read_pstat_ids(pids[i], &ps, 0);
    if (!ps.ok || ps.state == 'Z') continue;
    buf_printf(b, "{\"ev\":\"member\",\"pid\":%d,\"start\":%llu,\"ppid\":%d,\"job\":", pids[i], ps.start, ps.ppid);
    buf_json_str(b, job);
    buf_add(b, "}\n", 2);
    listed++;
    /*
     * Whose end nobody can reap: a dead helper's children go to its nearest subreaper, the daemon
     * only when that helper was the daemon's child. Reparented elsewhere (the helper a killed
     * daemon left, killed in turn), the kernel's record is all there is of how each ends: their
     * records are followed (they and what they fork), and the daemon reads a leader's status from
     * its record. Those the daemon will reap (its descendants) are left to its wait4 record.
     */
    if (!known && ts_enabled() && hello_peer > 0 && !descends_from(pids[i], hello_peer)) {
      proc_t *w = proc_add(pids[i], ps.start, job, ps.pgid, 0, 1);
      w->member = 1;
      w->watched = 1;
      if (w->jb) w->jb->children--;
    }
  }
  free(pids);
  if (listed) adopt_job_cgroup(job); /* watched again: its `empty` and cgroup.kill, for the daemon's stop */
}
/* `spawned` (or `respawned`): the child exec'd, or failed before (f set). */
static void spawn_report(const char *job, const char *req, pid_t pid, unsigned long long start, int is_respawn,
                         const exec_fail_t *f) {
  buf_t b = {0};
  buf_json_str(&b, job);
  buf_add(&b, "", 1);
  /* A restart the helper did on its own is durable: the daemon must learn the new pid. */
  const char *ev = is_respawn ? "respawned" : "spawned";
  if (f) {
    buf_t m = {0}, p = {0};
    buf_json_str(&m, strerror(f->err));
    buf_add(&m, "", 1);
    buf_json_str(&p, f->path);
    buf_add(&p, "", 1);
    emit_event(is_respawn,
               "\"ev\":\"%s\",\"req\":%s,\"job\":%s,\"pid\":%d,\"start\":%llu,\"execErrno\":%d,\"stage\":\"%s\",\"error\":%s,\"path\":%s",
               ev, req, b.p, pid, start, f->err, f->stage, m.p, p.p);
    free(m.p);
    free(p.p);
  } else {
    emit_event(is_respawn, "\"ev\":\"%s\",\"req\":%s,\"job\":%s,\"pid\":%d,\"start\":%llu", ev, req, b.p, pid, start);
  }
  free(b.p);
}

/*
 * A forked child between fork and exec: its exec status pipe, in epoll, until exec (EOF through
 * close-on-exec) or a failure record. Results are reported in the order the children were
 * forked (the article's "Process N running" lines come in the file's order), except for a child
 * that may sit in a blocking open (a FIFO without its reader): it is reported whenever it is done
 * and never holds the others up.
 */
struct pending {
  int kind; /* KIND_PENDING */
  int fd;
  pid_t pid;
  unsigned long long start;
  char *job, *req;
  int is_respawn;
  int ordered;     /* reported in fork order (no blocking open) */
  int done, failed; /* the result is in (fd closed); failed: `f` holds the exec failure */
  exec_fail_t f;
  beside_t *image; /* a child beside us: its memory, until its result is in (beside.h) */
  struct pending *next;
};
static pending_t *pendings;                       /* unordered (blocking opens) */
static pending_t *oq_head, **oq_tail = &oq_head;  /* ordered, oldest fork first */

/* Reads the result if it is in (or waits for it): 1 when done. */
static int pending_read(pending_t *pd, int blocking) {
  if (pd->done) return 1;
  if (blocking) {
    fdshare_release(); /* no copy of a child's status pipe may stay with us while we wait for its EOF */
    int fl = fcntl(pd->fd, F_GETFL);
    if (fl >= 0) fcntl(pd->fd, F_SETFL, fl & ~O_NONBLOCK);
  }
  ssize_t n;
  do n = read(pd->fd, &pd->f, sizeof pd->f); while (n < 0 && errno == EINTR);
  if (n < 0 && errno == EAGAIN) return 0; /* still before its exec, or in its open */
  pd->failed = n == (ssize_t)sizeof pd->f;
  pd->done = 1;
  if (pd->image) {
    if (pd->failed) beside_failed(pd->image);
    else beside_done(pd->image);
    pd->image = NULL;
  }
  ep_ctl(EPOLL_CTL_DEL, pd->fd, 0, NULL);
  close(pd->fd);
  pd->fd = -1;
  return 1;
}

static void pending_report(pending_t *pd) {
  spawn_report(pd->job, pd->req, pd->pid, pd->start, pd->is_respawn, pd->failed ? &pd->f : NULL);
  free(pd->job);
  free(pd->req);
  bury(pd);
}

/* Reports ordered spawns in fork order, up to the newest one whose result is in; one forked
 * before it and not yet through its exec is waited for (it is at most an exec away). */
static void ordered_advance(void) {
  pending_t *last = NULL;
  for (pending_t *q = oq_head; q; q = q->next) if (q->done) last = q;
  while (last && oq_head) {
    pending_t *pd = oq_head;
    pending_read(pd, 1);
    oq_head = pd->next;
    if (!oq_head) oq_tail = &oq_head;
    pending_report(pd);
    if (pd == last) break;
  }
}

/* A result came in (epoll), or may have: report what can be, in order. */
static void pending_complete(pending_t *pd, int blocking) {
  if (!pending_read(pd, blocking)) return;
  if (pd->ordered) { ordered_advance(); return; }
  for (pending_t **pp = &pendings; *pp; pp = &(*pp)->next) if (*pp == pd) { *pp = pd->next; break; }
  pending_report(pd);
}

/* Every result already in goes out (a child that execs and dies at once has its result and its
 * end ready in the same turn: `spawned` goes first). */
static void pendings_poll(void) {
  for (pending_t *pd = pendings, *next; pd; pd = next) {
    next = pd->next;
    pending_complete(pd, 0);
  }
  for (pending_t *q = oq_head; q; q = q->next) pending_read(q, 0);
  ordered_advance();
}

/* Kernel accounting records, after the spawn results already in: a process's `spawned` goes out
 * before its record. */
static void ts_drain(void) {
  pendings_poll();
  ts_readable();
}

/* A leader's status changed (it died, stopped): its spawn result goes first. */
static void pending_finish_for(pid_t pid) {
  for (pending_t *pd = pendings; pd; pd = pd->next)
    if (pd->pid == pid) { pending_complete(pd, 1); return; }
  for (pending_t *q = oq_head; q; q = q->next)
    if (q->pid == pid) { pending_read(q, 1); ordered_advance(); return; }
}

/* One spawn in progress: what do_spawn's steps resolve, make and hand to the child. */
typedef struct {
  spawn_req_t *rq;
  const char *outp, *errp;
  int outk, errk;
  uid_t uid;
  gid_t gid;
  gid_t groups[256];
  int ngroups;
  int use_pty;
  const char *block_path; /* set: fork, the child may wait in this open */
  int forked;             /* a plain fork (not vfork): its exec result is awaited through epoll */
  beside_t *image;        /* forked beside us (beside.h): its memory until that result */
  int outpipe[2], errpipe[2], inpipe[2], status_pipe[2], report[2];
  vfork_result_t vres; /* a vforked child's failure (status_pipe is for forked ones) */
  int reused[2];       /* stdout/stderr: the job's kept pipe (outpipe/errpipe[1] is its kept write end) */
  int pty_master;
  char pty_name[128];
  logfile_t *outlog, *errlog;
  pump_t *pumps[3];
  job_t *jb;
  pid_t pid, keeper;
  int64_t boot_before, boot_after; /* CLOCK_BOOTTIME (ns) around the clone of a direct child */
  char msg[512];
} spawn_t;

static int spawn_fail(spawn_t *sp, const char *stage) {
  snprintf(sp->msg, sizeof sp->msg, "%s: %s", stage, strerror(errno));
  return -1;
}

/* A managed log that could not be opened: the reason, or that its path is not a file. */
static int spawn_log_fail(spawn_t *sp, const char *path) {
  if (!log_not_file) return spawn_fail(sp, path);
  snprintf(sp->msg, sizeof sp->msg, "%s: not a regular file (a managed log is a file appinit rotates; to write to a FIFO or a device, give it as stdout: or stderr:)", path);
  return -1;
}

/* Step 1: the user and group. A bad name is an error for the daemon, not a dead child. */
static int spawn_resolve_ids(spawn_t *sp) {
  spawn_req_t *rq = sp->rq;
  const char *username = NULL;
  sp->uid = (uid_t)-1;
  sp->gid = (gid_t)-1;
  sp->ngroups = -1;
  if (rq->user && rq->user[0]) {
    char *end;
    long n = strtol(rq->user, &end, 10);
    struct passwd *pw = *end == 0 ? getpwuid((uid_t)n) : getpwnam(rq->user);
    if (pw) { sp->uid = pw->pw_uid; sp->gid = pw->pw_gid; username = pw->pw_name; }
    else if (*end == 0) sp->uid = (uid_t)n;
    else { snprintf(sp->msg, sizeof sp->msg, "unknown user \"%s\"", rq->user); return -1; }
  }
  if (rq->group && rq->group[0]) {
    char *end;
    long n = strtol(rq->group, &end, 10);
    struct group *gr = *end == 0 ? getgrgid((gid_t)n) : getgrnam(rq->group);
    if (gr) sp->gid = gr->gr_gid;
    else if (*end == 0) sp->gid = (gid_t)n;
    else { snprintf(sp->msg, sizeof sp->msg, "unknown group \"%s\"", rq->group); return -1; }
  }
  if (username) {
    sp->ngroups = 256;
    if (getgrouplist(username, sp->gid, sp->groups, &sp->ngroups) < 0) sp->ngroups = 256;
  } else if (sp->uid != (uid_t)-1 || sp->gid != (gid_t)-1) {
    sp->ngroups = 0; /* numeric ids: no supplementary groups */
  }
  return 0;
}

/* A restart under a ticket writes to the pipe its job kept (see job_t.keep_w) when that pipe
 * still feeds the same log file; anything else lets the kept pipes go. */
static int spawn_reuse(spawn_t *sp, int i, const char *path) {
  job_t *j = job_find(sp->rq->job);
  if (!j || j->keep_w[i] < 0) return 0;
  if (!sp->rq->is_respawn || !j->keep_due || sp->use_pty || !j->keep_pm[i] || !j->keep_pm[i]->log ||
      strcmp(j->keep_pm[i]->log->path, path) != 0) {
    keep_release_one(j, i);
    return 0;
  }
  sp->reused[i] = 1;
  (i ? sp->errpipe : sp->outpipe)[1] = j->keep_w[i];
  return 1;
}

/* A job run as another user gets its terminal as login and sshd give one: the user's, group
 * tty, mode 0620 (grantpt made it ours, 0600: the job could not open its own ttyname(), and
 * `mesg`, `write`, pinentry and screen failed). Without a tty group: the user's, 0600. */
static void pty_give(const char *name, uid_t uid) {
  if (uid == (uid_t)-1 || uid == geteuid()) return;
  struct group *g = getgrnam("tty");
  if (chown(name, uid, g ? g->gr_gid : (gid_t)-1) == 0) chmod(name, g ? 0620 : 0600);
}

/* Step 2: managed logs, pipes, the pty, and whether an open may block. */
static int spawn_make_streams(spawn_t *sp) {
  spawn_req_t *rq = sp->rq;
  sp->outk = parse_target(rq->out, &sp->outp);
  sp->errk = parse_target(rq->err, &sp->errp);
  sp->use_pty = rq->tty && strcmp(rq->tty, "pty") == 0;
  if (sp->outk == 'l' && spawn_reuse(sp, 0, sp->outp)) {
    /* the job's kept pipe: its pump and log are in place */
  } else if (sp->outk == 'l') {
    sp->outlog = log_get(sp->outp, rq->ts, rq->maxsize, rq->keep, rq->period, rq->maxline);
    if (!sp->outlog) return spawn_log_fail(sp, sp->outp);
    /* With a pty the child writes to the terminal; its master feeds the log instead. */
    if (!sp->use_pty && pipe2(sp->outpipe, O_CLOEXEC) < 0) return spawn_fail(sp, "pipe");
  }
  if (rq->stdin_path && strcmp(rq->stdin_path, "pipe") == 0 && !sp->use_pty) {
    if (pipe2(sp->inpipe, O_CLOEXEC) < 0) return spawn_fail(sp, "pipe");
    if (set_nonblock(sp->inpipe[1]) < 0) return spawn_fail(sp, "fcntl");
  }
  if (sp->errk == 'l' && !sp->use_pty && spawn_reuse(sp, 1, sp->errp)) {
    /* kept */
  } else if (sp->errk == 'l' && !sp->use_pty) {
    sp->errlog = log_get(sp->errp, rq->ts, rq->maxsize, rq->keep, rq->period, rq->maxline);
    if (!sp->errlog) return spawn_log_fail(sp, sp->errp);
    if (pipe2(sp->errpipe, O_CLOEXEC) < 0) return spawn_fail(sp, "pipe");
  }
  if (sp->use_pty) {
    sp->pty_master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (sp->pty_master < 0 || grantpt(sp->pty_master) < 0 || unlockpt(sp->pty_master) < 0 ||
        ptsname_r(sp->pty_master, sp->pty_name, sizeof sp->pty_name) != 0)
      return spawn_fail(sp, "pty");
    pty_give(sp->pty_name, sp->uid);
    if (rq->rows > 0 && rq->cols > 0) {
      struct winsize ws = {.ws_row = (unsigned short)rq->rows, .ws_col = (unsigned short)rq->cols};
      ioctl(sp->pty_master, TIOCSWINSZ, &ws);
    }
  } else {
    const char *stdin_file = rq->stdin_path && strcmp(rq->stdin_path, "pipe") != 0 ? rq->stdin_path : NULL;
    if (rq->tty && open_may_block(rq->tty)) sp->block_path = rq->tty;
    else if (open_may_block(stdin_file)) sp->block_path = stdin_file;
    else if ((sp->outk == 'f' || sp->outk == 'a') && open_may_block(sp->outp)) sp->block_path = sp->outp;
    else if ((sp->errk == 'f' || sp->errk == 'a') && open_may_block(sp->errp)) sp->block_path = sp->errp;
  }
  return 0;
}

/* Step 3: the job's cgroup (made once, kept across restarts) and its limits. */
static void spawn_cgroup(spawn_t *sp) {
  spawn_req_t *rq = sp->rq;
  job_t *j = sp->jb = job_get(rq->job);
  if (!rq->is_respawn) { j->killing = 0; j->stopped = 0; job_check_clear(j); }
  int wants_limits = rq->limits.pids > 0 || rq->limits.memory > 0 || rq->limits.cpu > 0;
  char warn[300] = "";
  if (!cg_enabled() || !cg_key_ok(rq->job)) {
    if (wants_limits) snprintf(warn, sizeof warn, "limits ignored: no writable cgroup on this host");
  } else if (j->events_fd < 0 || (!rq->is_respawn && wants_limits)) {
    int join[CG_MAX_JOIN], efd, dfd;
    char err[256] = "";
    if (cg_job_create(rq->job, &rq->limits, join, &dfd, &efd, err, sizeof err) < 0) {
      snprintf(warn, sizeof warn, "%s", err);
    } else {
      if (j->events_fd >= 0) { ep_ctl(EPOLL_CTL_DEL, j->events_fd, 0, NULL); close(j->events_fd); }
      if (j->dir_fd >= 0) close(j->dir_fd);
      for (int i = 0; i < CG_MAX_JOIN; i++) { if (j->join[i] >= 0) close(j->join[i]); j->join[i] = join[i]; }
      j->events_fd = efd;
      j->dir_fd = dfd;
      j->oom_seen = cg_oom_kills(rq->job, dfd); /* a group kept from an earlier run counts from here */
      if (j->killed_group) { close(j->dir_fd); j->dir_fd = -1; } /* the same group, still killed: join it */
      if (ep_ctl(EPOLL_CTL_ADD, efd, EPOLLPRI, j) < 0) snprintf(warn, sizeof warn, "cgroup.events: %s", strerror(errno));
    }
  }
  j->unpopulated = 0;
  if (warn[0]) {
    buf_t b = {0}, m = {0};
    buf_json_str(&b, rq->job);
    buf_add(&b, "", 1);
    buf_json_str(&m, warn);
    buf_add(&m, "", 1);
    emit_event(0, "\"ev\":\"warning\",\"job\":%s,\"message\":%s", b.p, m.p);
    free(b.p);
    free(m.p);
  }
}

/* Step 4: pumps for the job's output, in epoll before the fork (a failure there fails the spawn). */
static int spawn_make_pumps(spawn_t *sp) {
  int pfds[3] = {sp->outpipe[0], sp->errpipe[0], sp->pty_master};
  logfile_t *plogs[3] = {sp->outlog, sp->errlog, sp->use_pty ? sp->outlog : NULL};
  char streams[3] = {'o', 'e', 'o'};
  for (int i = 0; i < 3; i++) {
    if (pfds[i] < 0) continue;
    /* A new pipe's read end has no other status flag: no F_GETFL first. */
    if ((i < 2 ? fcntl(pfds[i], F_SETFL, O_NONBLOCK) : set_nonblock(pfds[i])) < 0) return spawn_fail(sp, "fcntl");
    if (i < 2) fcntl(pfds[i], F_SETPIPE_SZ, 1 << 20); /* fewer wakeups for chatty programs; may fail */
    pump_t *pm = calloc(1, sizeof *pm);
    if (!pm) die("out of memory");
    pm->kind = KIND_PUMP;
    pm->fd = pfds[i];
    pm->log = plogs[i];
    pm->job = strdup(sp->rq->job);
    pm->stream = streams[i];
    sp->pumps[i] = pm;
    if (ep_ctl(EPOLL_CTL_ADD, pm->fd, EPOLLIN, pm) < 0) return spawn_fail(sp, "epoll");
  }
  return 0;
}

static pid_t fork_into(int dir_fd, int *in_v2);
static pid_t vfork_into(int dir_fd, child_args_t *ca, char *stack_top, int shared);
static int vfork3_ok = 1;

static int64_t boot_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_BOOTTIME, &t); /* the vDSO: no system call */
  return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/*
 * A fresh child's start time in clock ticks since boot, as /proc/PID/stat shows it, without
 * reading /proc (~10 µs for a new pid): the kernel takes it (CLOCK_BOOTTIME, in ns) inside the
 * clone and shows it divided down to ticks, so when the clocks read just before and just after
 * the clone fall in the same tick, that tick is the start. 0 when they straddle one.
 */
static unsigned long long start_ticks_between(int64_t before, int64_t after) {
  static int64_t ns_per_tick;
  if (!ns_per_tick) {
    long hz = sysconf(_SC_CLK_TCK);
    ns_per_tick = hz > 0 && 1000000000L % hz == 0 ? 1000000000L / hz : -1;
  }
  if (ns_per_tick <= 0 || before <= 0 || after < before) return 0;
  int64_t a = before / ns_per_tick, b = after / ns_per_tick;
  return a == b ? (unsigned long long)a : 0;
}

/*
 * Step 5: the child. vfork (clone CLONE_VM|CLONE_VFORK: no page tables copied, none torn down
 * at its exec, no copy-on-write faults in the helper afterwards; we are back once it has exec'd)
 * unless an open may block: then a plain fork, and only that job waits. A job with a cgroup is
 * born in it (clone3 CLONE_INTO_CGROUP), vforked too where clone3 can take a stack (x86-64),
 * else forked. A pty job goes through its keeper.
 */
/* A forked child's exec result comes through a close-on-exec pipe. */
static int spawn_status_pipe(spawn_t *sp, child_args_t *ca, int nonblock) {
  if (pipe2(sp->status_pipe, O_CLOEXEC | nonblock) < 0) return spawn_fail(sp, "pipe");
  ca->sfd = sp->status_pipe[1];
  return 0;
}

/*
 * A burst: more spawn requests wait behind this one in the same read of the daemon's frames (runs
 * due at the same second are released in one write). Then a child is not vforked: with vfork the
 * helper waits while each child gets to its exec, so the children start one after another on one
 * core. It is cloned beside us (beside.h: our memory, no wait; a plain fork where that cannot be),
 * makes its way to exec on the other core while the helper starts the next, and its exec result
 * comes through epoll, in the order they were started, as for a child whose open may block.
 * Outside a burst a lone spawn keeps vfork.
 */
static int spawn_burst; /* set by client_frames while spawn frames follow the one handled */
static int clone3_ok = 1; /* clone3 works here (else fork(), joining groups by cgroup.procs) */
static int burst_fork = 1; /* APPINIT_BURST_FORK=0: bursts vfork (measuring; APPINIT_BESIDE=0: they fork) */

/*
 * A plain fork born in the job's cgroup, sharing our descriptor table until it has its own
 * (fdshare.h): the descriptors it needs go into the block and the child keeps only those, so the
 * clone copies none of the helper's and the child closes none of them at its exec. 1: forked
 * (sp->pid set, or -1 with errno); 0: not here (sockets to pass, too many descriptors, no clone3).
 */
/* The child's descriptors into the block (fdshare.h): cf (a copy of ca) and join (its cgroup.procs
 * fds) then name the block's slots. 0: not possible (sockets to pass, too many descriptors). */
static int share_fds(spawn_t *sp, child_args_t *cf, int *join) {
  if (cf->rq->sk.n > 0) return 0;
  int *slot[4 + CG_MAX_JOIN], fds[4 + CG_MAX_JOIN], n = 0;
  int *fields[4] = {&cf->sfd, &cf->outw, &cf->errw, &cf->inr};
  for (int i = 0; i < 4; i++) if (*fields[i] >= 0) slot[n++] = fields[i];
  if (cf->join) {
    memcpy(join, cf->join, sizeof(int) * CG_MAX_JOIN);
    cf->join = join;
    /* join[0] is the v2 group the child is born in (CLONE_INTO_CGROUP): not written */
    for (int i = sp->jb->dir_fd >= 0 ? 1 : 0; i < CG_MAX_JOIN; i++) if (join[i] >= 0) slot[n++] = &join[i];
  }
  if (!fdshare_fits(n)) return 0;
  for (int i = 0; i < n; i++) fds[i] = *slot[i];
  cf->share_block = fdshare_fill(fds, n);
  for (int i = 0; i < n; i++) *slot[i] = fds[i];
  return 1;
}

/* A vforked child sharing our table: its own first, then as any child. */
static int child_main_shared(void *arg) {
  child_args_t *a = arg;
  if (fdshare_child(a->share_block) < 0) child_fail(a->sfd, "close_range", NULL);
  return child_main(arg);
}

static int fork_shared(spawn_t *sp, child_args_t *ca) {
  if (!clone3_ok) return 0;
  child_args_t cf = *ca;
  int join[CG_MAX_JOIN];
  if (!share_fds(sp, &cf, join)) return 0;
  struct clone_args cl;
  memset(&cl, 0, sizeof cl);
  cl.flags = CLONE_FILES | (sp->jb->dir_fd >= 0 ? CLONE_INTO_CGROUP : 0);
  cl.exit_signal = SIGCHLD;
  cl.cgroup = sp->jb->dir_fd >= 0 ? (uint64_t)sp->jb->dir_fd : 0;
  long r = syscall(SYS_clone3, &cl, sizeof cl);
  if (r == 0) {
    if (fdshare_child(cf.share_block) < 0) child_fail(cf.sfd, "close_range", NULL);
    cf.in_v2 = sp->jb->dir_fd >= 0;
    child_main(&cf);
    _exit(127);
  }
  fdshare_forked(cf.share_block, r > 0 ? (pid_t)r : -1);
  if (r < 0 || !spawn_burst) fdshare_release(); /* a burst lets go of the blocks at its end */
  if (r < 0 && (errno == ENOSYS || errno == E2BIG || errno == EINVAL || errno == EOPNOTSUPP)) {
    clone3_ok = 0; /* fork_into finds out for itself how to fork */
    return 0;
  }
  ca->in_v2 = sp->jb->dir_fd >= 0;
  sp->pid = r > 0 ? (pid_t)r : -1;
  return 1;
}

#if defined(__x86_64__)
/*
 * clone3 with a stack of its own for the child, as glibc's clone3.S (glibc 2.36 exports no
 * clone3 wrapper, and a CLONE_VM child must not return through the caller's frames, which the
 * parent still needs). Returns the child's pid or -errno to the parent; the child runs
 * fn(arg) on the new stack and exits with its value.
 *   long appinit_clone3_run(struct clone_args *ca (rdi), size_t size (rsi), int (*fn)(void *) (rdx), void *arg (rcx))
 * The syscall keeps rdx and r8 (it clobbers rax, rcx, r11); the kernel starts the child on
 * ca->stack + ca->stack_size, which is 16-byte aligned, so `call` leaves the ABI's alignment.
 */
long appinit_clone3_run(struct clone_args *ca, size_t size, int (*fn)(void *), void *arg);
__asm__(".text\n"
        ".globl appinit_clone3_run\n"
        ".type appinit_clone3_run,@function\n"
        "appinit_clone3_run:\n"
        "  mov %rcx, %r8\n"
        "  mov $435, %eax\n" /* SYS_clone3 */
        "  syscall\n"
        "  test %rax, %rax\n"
        "  jz 1f\n"
        "  ret\n"
        "1:\n"
        "  xor %ebp, %ebp\n" /* the outermost frame, for unwinders */
        "  mov %r8, %rdi\n"
        "  call *%rdx\n"
        "  mov %eax, %edi\n"
        "  mov $60, %eax\n" /* SYS_exit */
        "  syscall\n"
        "  hlt\n"
        ".size appinit_clone3_run, .-appinit_clone3_run\n");
#define HAVE_CLONE3_RUN 1
#endif

/*
 * A burst's child beside us (beside.h): clone3 CLONE_VM without CLONE_VFORK, so neither a copy of
 * our page tables (and a copy-on-write fault per page we write after it) nor a wait for its exec.
 * It gets its own copy of everything it reads, and shares our table as fork_shared's child does.
 * 1: cloned (sp->pid set, or -1 with errno); 0: not here (the caller forks).
 */
static int beside_ok;

/* Room for a copy of ca and of all it points to. */
static size_t beside_need(const child_args_t *ca) {
  size_t n = sizeof(child_args_t) + offsetof(spawn_req_t, argv) + 16 * 4 + sizeof(int) * CG_MAX_JOIN +
             sizeof(gid_t) * (size_t)(ca->ngroups > 0 ? ca->ngroups : 0);
  const spawn_req_t *rq = ca->rq;
  const char *one[] = {rq->tty, rq->stdin_path, rq->cwd, ca->pty_name, ca->outp, ca->errp};
  for (size_t i = 0; i < sizeof one / sizeof *one; i++) if (one[i]) n += strlen(one[i]) + 1;
  for (char *const *v = ca->argv; *v; v++) n += sizeof(char *) + strlen(*v) + 1;
  for (char *const *v = ca->envp; *v; v++) n += sizeof(char *) + strlen(*v) + 1;
  return n + 2 * sizeof(char *);
}

typedef struct {
  char *at, *end;
} arena_t;

static void *arena_take(arena_t *a, size_t n) {
  a->at = (char *)(((uintptr_t)a->at + 15) & ~(uintptr_t)15);
  void *p = a->at;
  a->at += n;
  if (a->at > a->end) die("beside: copy larger than measured");
  return p;
}

static const char *arena_str(arena_t *a, const char *s) {
  if (!s) return NULL;
  size_t n = strlen(s) + 1;
  char *p = a->at; /* strings need no alignment */
  if (p + n > a->end) die("beside: copy larger than measured");
  memcpy(p, s, n);
  a->at += n;
  return p;
}

static char *const *arena_vec(arena_t *a, char *const *v) {
  size_t n = 0;
  while (v[n]) n++;
  char **out = arena_take(a, sizeof(char *) * (n + 1));
  for (size_t i = 0; i < n; i++) out[i] = (char *)arena_str(a, v[i]);
  out[n] = NULL;
  return out;
}

/* The child's copy: ca and the request's head (all the child reads of it: it never reads the
 * request's argv/envp arrays, which are not copied), strings, groups, cgroup.procs fds. */
static child_args_t *beside_copy(beside_t *b, size_t need, const child_args_t *ca) {
  arena_t a = {beside_data(b), (char *)beside_data(b) + need};
  child_args_t *c = arena_take(&a, sizeof *c);
  *c = *ca;
  spawn_req_t *rq = arena_take(&a, offsetof(spawn_req_t, argv));
  memcpy(rq, ca->rq, offsetof(spawn_req_t, argv));
  rq->job = rq->user = rq->group = rq->out = rq->err = rq->req = rq->rs_ok = NULL; /* not the child's */
  rq->tty = arena_str(&a, ca->rq->tty);
  rq->stdin_path = arena_str(&a, ca->rq->stdin_path);
  rq->cwd = arena_str(&a, ca->rq->cwd);
  c->rq = rq;
  c->pty_name = arena_str(&a, ca->pty_name);
  c->outp = arena_str(&a, ca->outp);
  c->errp = arena_str(&a, ca->errp);
  if (ca->groups && ca->ngroups > 0) {
    gid_t *g = arena_take(&a, sizeof(gid_t) * (size_t)ca->ngroups);
    memcpy(g, ca->groups, sizeof(gid_t) * (size_t)ca->ngroups);
    c->groups = g;
  }
  if (ca->join) {
    int *j = arena_take(&a, sizeof(int) * CG_MAX_JOIN);
    memcpy(j, ca->join, sizeof(int) * CG_MAX_JOIN);
    c->join = j;
  }
  c->argv = arena_vec(&a, ca->argv);
  c->envp = arena_vec(&a, ca->envp);
  return c;
}

static int fork_beside(spawn_t *sp, child_args_t *ca) {
#ifdef HAVE_CLONE3_RUN
  if (!beside_ok || !clone3_ok || !spawn_burst) return 0;
  child_args_t cf = *ca;
  int join[CG_MAX_JOIN];
  if (!share_fds(sp, &cf, join)) return 0;
  int in_v2 = sp->jb->dir_fd >= 0;
  cf.in_v2 = in_v2;
  size_t need = beside_need(&cf);
  beside_t *b = beside_get(need);
  if (!b) { /* no memory for an image: an ordinary fork */
    fdshare_forked(cf.share_block, -1);
    return 0;
  }
  child_args_t *c = beside_copy(b, need, &cf);
  struct clone_args cl;
  memset(&cl, 0, sizeof cl);
  cl.flags = CLONE_VM | CLONE_FILES | CLONE_SETTLS | (in_v2 ? CLONE_INTO_CGROUP : 0);
  cl.exit_signal = SIGCHLD;
  cl.cgroup = in_v2 ? (uint64_t)sp->jb->dir_fd : 0;
  cl.stack = (uint64_t)(uintptr_t)(beside_stack_top(b) - beside_stack_size());
  cl.stack_size = beside_stack_size();
  cl.tls = (uint64_t)(uintptr_t)beside_tls(b);
  long r = appinit_clone3_run(&cl, sizeof cl, child_main_shared, c);
  fdshare_forked(cf.share_block, r > 0 ? (pid_t)r : -1);
  beside_started(b, r > 0 ? (pid_t)r : -1);
  if (r < 0) {
    fdshare_release();
    errno = (int)-r;
    if (errno == ENOSYS || errno == E2BIG || errno == EINVAL || errno == EOPNOTSUPP) {
      beside_ok = 0; /* fork_shared finds out for itself what works */
      return 0;
    }
    sp->pid = -1;
    return 1;
  }
  ca->in_v2 = in_v2;
  sp->pid = (pid_t)r;
  sp->image = b;
  return 1;
#else
  (void)sp;
  (void)ca;
  return 0;
#endif
}

/* A plain fork born in the job's cgroup; its exec result comes through epoll (spawn_commit). */
static int spawn_fork_plain(spawn_t *sp, child_args_t *ca) {
  /* Non-blocking at once (the read end goes to epoll; the child's one write into the empty pipe
   * never blocks): no fcntl pair per spawn. */
  if (spawn_status_pipe(sp, ca, O_NONBLOCK) < 0) return -1;
  sp->boot_before = boot_ns();
  if (!fork_beside(sp, ca) && !fork_shared(sp, ca)) sp->pid = fork_into(sp->jb->dir_fd, &ca->in_v2);
  if (sp->pid < 0) return spawn_fail(sp, "fork");
  if (sp->pid == 0) { child_main(ca); _exit(127); }
  sp->boot_after = boot_ns();
  sp->forked = 1;
  return 0;
}

static int spawn_fork(spawn_t *sp, child_args_t *ca) {
  static char *child_stack;
  ca->sfd = -1;
  if (spawn_burst && burst_fork && !sp->use_pty) return spawn_fork_plain(sp, ca); /* runs due together */
  if (sp->use_pty) {
    if (spawn_status_pipe(sp, ca, 0) < 0) return -1;
    if (pipe2(sp->report, O_CLOEXEC) < 0) return spawn_fail(sp, "pipe");
    sp->keeper = fork_into(sp->jb->dir_fd, &ca->in_v2);
    if (sp->keeper < 0) return spawn_fail(sp, "fork");
    if (sp->keeper == 0) keeper_main(ca, sp->report[1]);
    close(sp->report[1]);
    sp->report[1] = -1;
    keeper_msg_t m;
    memset(&m, 0, sizeof m);
    ssize_t got;
    do got = read(sp->report[0], &m, sizeof m); while (got < 0 && errno == EINTR);
    sp->pid = got == (ssize_t)sizeof m ? m.pid : sp->keeper; /* the keeper failed: report it as the job */
    return 0;
  }
  if (!child_stack && !(child_stack = malloc(CHILD_STACK))) die("out of memory");
  sp->boot_before = boot_ns();
  if (!sp->block_path && sp->jb->dir_fd >= 0) {
    /* Sharing our table too: the clone copies none of it, the child closes none of it at exec. */
    child_args_t cf = *ca;
    int join[CG_MAX_JOIN];
    int shared = vfork3_ok && clone3_ok && share_fds(sp, &cf, join);
    vfork_out = &sp->vres;
    sp->pid = vfork_into(sp->jb->dir_fd, shared ? &cf : ca, child_stack + CHILD_STACK, shared);
    vfork_out = NULL;
    if (shared) { ca->in_v2 = cf.in_v2; fdshare_release(); }
    sp->boot_after = boot_ns();
    if (sp->pid > 0) return 0;
    if (sp->pid < 0) return spawn_fail(sp, "fork");
    /* 0: no clone3 with a stack here; fork below */
  }
  if (sp->block_path || sp->jb->dir_fd >= 0) {
    /* A plain fork (born in its cgroup): we do not wait for an open that may block, and for
     * the others we wait for the exec as with vfork (see spawn_commit). */
    return spawn_fork_plain(sp, ca);
  }
  /* clone(CLONE_VM|CLONE_VFORK) on a stack of its own, as glibc's posix_spawn does. The child
   * only reads the request and makes system calls before exec or _exit. */
  vfork_out = &sp->vres;
  sp->pid = clone(child_main, child_stack + CHILD_STACK, CLONE_VM | CLONE_VFORK | SIGCHLD, ca);
  vfork_out = NULL;
  sp->boot_after = boot_ns();
  if (sp->pid < 0) return spawn_fail(sp, "fork");
  return 0;
}

/* What the next helper needs to pump this fd again: kind, stream, pty, log options, job, log path. */
static void hold_pump(pump_t *pm, int pty) {
  buf_t meta = {0};
  logfile_t *lf = pm->log;
  buf_printf(&meta, "P\t%c\t%d\t%d\t%lld\t%d\t%d\t%zu\t%s\t%s", pm->stream, pty, lf ? lf->ts : 0,
             (long long)(lf ? lf->maxsize : 0), lf ? lf->keep : 10, lf ? lf->period : 0, lf ? lf->maxline : 65536,
             pm->job, lf ? lf->path : "");
  buf_add(&meta, "", 1);
  pm->hold_id = hold(pm->fd, meta.p);
  free(meta.p);
}

/*
 * fork(), but born in the job's v2 group when there is one (clone3 CLONE_INTO_CGROUP): moving a
 * process by writing cgroup.procs takes a global lock whose first use costs ~10 ms (an RCU grace
 * period), which a restart would pay every time. Sets *in_v2 when the child was born there.
 */
static pid_t fork_into(int dir_fd, int *in_v2) {
  *in_v2 = 0;
  if (dir_fd >= 0 && clone3_ok) {
    struct clone_args ca;
    memset(&ca, 0, sizeof ca);
    ca.flags = CLONE_INTO_CGROUP;
    ca.exit_signal = SIGCHLD;
    ca.cgroup = (uint64_t)dir_fd;
    long r = syscall(SYS_clone3, &ca, sizeof ca);
    if (r >= 0) { *in_v2 = 1; return (pid_t)r; }
    if (errno != ENOSYS && errno != E2BIG && errno != EINVAL && errno != EOPNOTSUPP) return -1;
    clone3_ok = 0; /* an older kernel: join by writing cgroup.procs in the child */
  }
  return fork();
}


/*
 * vfork, born in the job's v2 group (clone3 CLONE_VM|CLONE_VFORK|CLONE_INTO_CGROUP): returns
 * once the child has exec'd or exited. 0: not available here (another architecture, an older
 * kernel), the caller forks instead; -1: the clone failed (errno).
 */
static pid_t vfork_into(int dir_fd, child_args_t *ca, char *stack_top, int shared) {
#ifdef HAVE_CLONE3_RUN
  if (!vfork3_ok || !clone3_ok) return 0;
  struct clone_args cl;
  memset(&cl, 0, sizeof cl);
  cl.flags = CLONE_VM | CLONE_VFORK | CLONE_INTO_CGROUP | (shared ? CLONE_FILES : 0);
  cl.exit_signal = SIGCHLD;
  cl.cgroup = (uint64_t)dir_fd;
  cl.stack = (uint64_t)(uintptr_t)(stack_top - CHILD_STACK);
  cl.stack_size = CHILD_STACK;
  ca->in_v2 = 1; /* the child runs before clone3 returns here: it reads this first */
  long r = appinit_clone3_run(&cl, sizeof cl, shared ? child_main_shared : child_main, ca);
  if (r > 0) return (pid_t)r;
  ca->in_v2 = 0;
  errno = (int)-r;
  if (errno != ENOSYS && errno != E2BIG && errno != EINVAL && errno != EOPNOTSUPP) return -1;
  vfork3_ok = 0; /* fork_into finds out for itself whether CLONE_INTO_CGROUP works */
#else
  (void)dir_fd; (void)ca; (void)stack_top; (void)shared;
#endif
  return 0;
}

static void close_pair(int p[2]) {
  if (p[0] >= 0) close(p[0]);
  if (p[1] >= 0) close(p[1]);
  p[0] = p[1] = -1;
}

/* Step 6: the child runs; record it, hand its streams to the pumps, say what happened. */
static void spawn_commit(spawn_t *sp) {
  spawn_req_t *rq = sp->rq;
  if (sp->status_pipe[1] >= 0) close(sp->status_pipe[1]);
  /* The log pipes' write ends: kept for the next run when the helper may restart the job at
   * once (a ticket), else closed (the pumps see EOF when the job's last writer is gone). */
  job_t *j = sp->jb;
  int keep = rq->rs_budget > 0 && !sp->use_pty;
  for (int i = 0; i < 2; i++) {
    int w = i ? sp->errpipe[1] : sp->outpipe[1];
    if (sp->reused[i]) continue; /* still kept */
    if (j->keep_w[i] >= 0) keep_release_one(j, i);
    if (w < 0) continue;
    if (keep && sp->pumps[i]) {
      j->keep_w[i] = w;
      j->keep_pm[i] = sp->pumps[i];
      sp->pumps[i]->kept = 1;
    } else {
      close(w);
    }
  }
  j->keep_due = 0;
  if (sp->inpipe[0] >= 0) close(sp->inpipe[0]);
  pstat_t ps;
  memset(&ps, 0, sizeof ps);
  unsigned long long st = sp->keeper > 0 ? 0 : start_ticks_between(sp->boot_before, sp->boot_after);
  if (st) ps.start = st;
  else read_pstat_ids(sp->pid, &ps, 0);
  /* A job without a terminal has none at its exec (setsid): taskstats need not read it. */
  long tty = !sp->use_pty && !(rq->tty && rq->tty[0]) ? 0 : -1;
  proc_t *leader = proc_add_tty(sp->pid, ps.start, rq->job, sp->pid, 1, 0, tty);
  (void)leader;
  if (sp->keeper > 0 && sp->keeper != sp->pid) {
    pstat_t kps;
    read_pstat_ids(sp->keeper, &kps, 0);
    proc_t *kp = proc_add(sp->keeper, kps.start, rq->job, sp->keeper, 0, 0);
    kp->keeper = 1;
    keeper_t *k = calloc(1, sizeof *k);
    if (!k) die("out of memory");
    k->kind = KIND_KEEPER;
    k->fd = sp->report[0];
    k->next = keepers;
    keepers = k;
    set_nonblock(k->fd);
    ep_ctl(EPOLL_CTL_ADD, k->fd, EPOLLIN, k);
  } else if (sp->report[0] >= 0) {
    close(sp->report[0]);
  }
  for (int i = 0; i < 3; i++) {
    pump_t *pm = sp->pumps[i];
    if (!pm) continue;
    if (i == 2 && pm->log) pm->log->refs++; /* the pty shares out.log's reference */
    pm->next = pumps;
    pumps = pm;
  }
  if (sp->use_pty) {
    if (sp->outlog) log_release(sp->outlog); /* the pty pump holds it now */
    jobio_set(rq->job, sp->pty_master, sp->pty_master, sp->pumps[2]);
  } else if (sp->inpipe[1] >= 0) {
    jobio_set(rq->job, sp->inpipe[1], -1, NULL);
    jobio_t *j = jobio_find(rq->job);
    buf_t meta = {0};
    buf_printf(&meta, "I\t%s", rq->job);
    buf_add(&meta, "", 1);
    j->hold_id = hold(sp->inpipe[1], meta.p);
    free(meta.p);
  }
  for (int i = 0; i < 3; i++) if (sp->pumps[i]) hold_pump(sp->pumps[i], i == 2);
  const char *req = rq->req ? rq->req : "0";
  if (sp->forked) {
    /* A forked child (not vforked: an open that may block, or no clone3 with a stack here)
     * goes on without us: its exec result (EOF through close-on-exec, or a failure record)
     * comes later through epoll. One whose open may block says so first. */
    pending_t *pd = calloc(1, sizeof *pd);
    if (!pd) die("out of memory");
    pd->kind = KIND_PENDING;
    pd->fd = sp->status_pipe[0];
    pd->pid = sp->pid;
    pd->image = sp->image;
    pd->start = ps.start;
    pd->job = strdup(rq->job);
    pd->req = strdup(req);
    pd->is_respawn = rq->is_respawn;
    pd->ordered = !sp->block_path;
    if (pd->ordered) {
      *oq_tail = pd;
      oq_tail = &pd->next;
    } else {
      pd->next = pendings;
      pendings = pd;
    }
    if (sp->block_path) {
      buf_t b = {0}, p = {0};
      buf_json_str(&b, rq->job);
      buf_add(&b, "", 1);
      buf_json_str(&p, sp->block_path);
      buf_add(&p, "", 1);
      emit_event(0, "\"ev\":\"opening\",\"job\":%s,\"pid\":%d,\"path\":%s", b.p, sp->pid, p.p);
      free(b.p);
      free(p.p);
    }
    if (ep_ctl(EPOLL_CTL_ADD, pd->fd, EPOLLIN, pd) < 0) pending_complete(pd, 1);
    else if (!spawn_burst) pending_complete(pd, 0); /* it may be done already (in a burst, epoll says) */
    return;
  }
  /* A vforked child has exec'd or exited by now, leaving its failure in sp->vres if any; a pty
   * job's (through its keeper) says through the pipe: EOF (close-on-exec) or its failure record. */
  exec_fail_t f = sp->vres.f;
  int failed = sp->vres.failed;
  if (sp->status_pipe[0] >= 0) {
    ssize_t n;
    do n = read(sp->status_pipe[0], &f, sizeof f); while (n < 0 && errno == EINTR);
    close(sp->status_pipe[0]);
    failed = n == (ssize_t)sizeof f;
  }
  if (oq_head) {
    /* Forked children before it are still on their way to exec: its result goes out after theirs. */
    pending_t *pd = calloc(1, sizeof *pd);
    if (!pd) die("out of memory");
    pd->kind = KIND_PENDING;
    pd->fd = -1;
    pd->pid = sp->pid;
    pd->start = ps.start;
    pd->job = strdup(rq->job);
    pd->req = strdup(req);
    pd->is_respawn = rq->is_respawn;
    pd->ordered = 1;
    pd->done = 1;
    pd->failed = failed;
    pd->f = f;
    *oq_tail = pd;
    oq_tail = &pd->next;
    ordered_advance();
    return;
  }
  spawn_report(rq->job, req, sp->pid, ps.start, rq->is_respawn, failed ? &f : NULL);
}

static void spawn_abort(spawn_t *sp) {
  job_t *j = job_find(sp->rq->job);
  for (int i = 0; i < 2; i++) {
    if (!sp->reused[i]) continue;
    (i ? sp->errpipe : sp->outpipe)[1] = -1; /* the job's kept end: let go below */
    if (j) keep_release_one(j, i);
  }
  if (j) j->keep_due = 0;
  close_pair(sp->outpipe);
  close_pair(sp->errpipe);
  close_pair(sp->inpipe);
  close_pair(sp->status_pipe);
  close_pair(sp->report);
  for (int i = 0; i < 3; i++) {
    pump_t *pm = sp->pumps[i];
    if (!pm) continue;
    ep_ctl(EPOLL_CTL_DEL, pm->fd, 0, NULL);
    free(pm->job);
    free(pm);
  }
  if (sp->pty_master >= 0) close(sp->pty_master);
  if (sp->outlog) log_release(sp->outlog);
  if (sp->errlog) log_release(sp->errlog);
  buf_t b = {0}, m = {0};
  buf_json_str(&b, sp->rq->job);
  buf_add(&b, "", 1);
  buf_json_str(&m, sp->msg);
  buf_add(&m, "", 1);
  emit_event(sp->rq->is_respawn, "\"ev\":\"spawn-error\",\"req\":%s,\"job\":%s,\"error\":%s", sp->rq->req ? sp->rq->req : "0",
             b.p, m.p);
  free(b.p);
  free(m.p);
}

static void do_spawn(spawn_req_t *rq) {
  spawn_t *sp = calloc(1, sizeof *sp);
  if (!sp) die("out of memory");
  sp->rq = rq;
  sp->outpipe[0] = sp->outpipe[1] = sp->errpipe[0] = sp->errpipe[1] = sp->inpipe[0] = sp->inpipe[1] = -1;
  sp->status_pipe[0] = sp->status_pipe[1] = sp->report[0] = sp->report[1] = -1;
  sp->pty_master = -1;
  sp->keeper = -1;
  if (rq->bad[0]) snprintf(sp->msg, sizeof sp->msg, "%s", rq->bad);
  int pfd[3] = {-1, -1, -1}; /* pipes between programs (pipes.c): the helper's ends, dup2'd by the child */
  if (rq->bad[0] || spawn_resolve_ids(sp) < 0 || spawn_make_streams(sp) < 0) goto fail;
  if (pipes_streams(rq->stdin_path, rq->out, rq->err, pfd, sp->msg, sizeof sp->msg) < 0) goto fail;
  if (sockets_prepare(&rq->sk, rq->job, sp->uid, rq->envp, &rq->envc, MAX_ARGS, sp->msg, sizeof sp->msg) < 0) goto fail;
  spawn_cgroup(sp);
  if (spawn_make_pumps(sp) < 0) goto fail;
  rq->argv[rq->argc] = NULL;
  rq->envp[rq->envc] = NULL;
  child_args_t ca = {.rq = rq, .sfd = -1, .pty_name = sp->pty_name, .outk = sp->outk, .errk = sp->errk,
                     .outp = sp->outp, .errp = sp->errp, .outw = pfd[1] >= 0 ? pfd[1] : sp->outpipe[1], .errw = pfd[2] >= 0 ? pfd[2] : sp->errpipe[1], .uid = sp->uid,
                     .gid = sp->gid, .groups = sp->groups, .ngroups = sp->ngroups, .inr = pfd[0] >= 0 ? pfd[0] : sp->inpipe[0], .ttyfd = -1,
                     .join = sp->jb->join[0] >= 0 ? sp->jb->join : NULL,
                     .argv = (char *const *)rq->argv, .envp = (char *const *)rq->envp};
  if (spawn_fork(sp, &ca) < 0) goto fail;
  spawn_commit(sp);
  free(sp);
  return;
fail:
  spawn_abort(sp);
  free(sp);
}

/* ---------- signals to jobs ---------- */

#define KILL_CHECK_US 3000000 /* survivors of a KILL this long after it are reported (state D) */

/*
 * Signals a job. Not all: its leader's process group (job control). All (a stop): every
 * process of it — with a cgroup, every pid in it (KILL: cgroup.kill, at once, fork bombs
 * included); without, every process we track and their groups, and from a KILL on, every
 * orphan of it the moment it comes to us.
 */
/* A stop's kill: the signal, then SIGCONT (as systemd sends it): a process stopped by SIGSTOP or
 * Ctrl-Z keeps a TERM pending until continued, and the stop waited out its whole timeout, then
 * KILLed. Not after a signal SIGCONT would undo or that needs none. */
static int stop_kill(pid_t target, int sig) {
  if (kill(target, sig) != 0) return -1;
  if (sig != SIGKILL && sig != SIGCONT && sig != SIGSTOP && sig != SIGTSTP && sig != SIGTTIN && sig != SIGTTOU) kill(target, SIGCONT);
  return 0;
}

static int signal_job(const char *key, int sig, int all) {
  int count = 0;
  job_t *j = job_find(key);
  if (!all) {
    for (proc_t *p = procs; p; p = p->next)
      if (p->leader && p->jb == j && j) { if (kill(-p->pgid, sig) == 0) count++; if (kill(p->pid, sig) == 0) count++; }
    return count;
  }
  if (!j) { /* a group left by a helper that died (kill -9) holds what it started: stop that too */
    adopt_job_cgroup(key);
    j = job_find(key);
  }
  if (!j) { emit_job_event("empty", key); return 0; } /* nothing of it was ever ours, or all is gone */
  j->stopped = 1;
  if (sig == SIGKILL && !j->killing) {
    j->killing = 1;
    j->check_at_us = now_us() + KILL_CHECK_US;
    kill_checks++;
  }
  /* Each process gets the signal once: a second TERM reaching a shell that is running its trap
   * runs the trap again (a cleanup done twice). Process groups first (one kill reaches a whole
   * pipeline, forks racing the stop included), then what is in the cgroup or tracked but in none
   * of those groups (a setsid'd daemon). */
  pid_t groups[64];
  int ngroups = 0;
  for (proc_t *p = procs; p; p = p->next) {
    if (p->jb != j || p->keeper || p->pgid <= 1) continue;
    int seen = 0;
    for (int g = 0; g < ngroups; g++) if (groups[g] == p->pgid) seen = 1;
    if (seen || ngroups == (int)(sizeof groups / sizeof groups[0])) continue;
    if (stop_kill(-p->pgid, sig) == 0) { groups[ngroups++] = p->pgid; count++; }
  }
  if (j->events_fd >= 0) {
    pid_t *pids = NULL;
    int n = cg_job_procs(key, &pids);
    if (sig == SIGKILL && cg_job_kill(key) == 0) {
      count += n > 0 ? n : 0;
      j->killed_group = 1;
      if (j->dir_fd >= 0) { close(j->dir_fd); j->dir_fd = -1; } /* see killed_group */
    }
    else
      for (int i = 0; i < n; i++) {
        proc_t *p = proc_find(pids[i]);
        if (p && p->keeper) continue; /* it leaves when its job does */
        pid_t pg = getpgid(pids[i]);
        int seen = 0;
        for (int g = 0; g < ngroups; g++) if (groups[g] == pg) seen = 1;
        if (!seen && stop_kill(pids[i], sig) == 0) count++;
      }
    free(pids);
  } else
    for (proc_t *p = procs; p; p = p->next) {
      if (p->jb != j || p->keeper) continue;
      int seen = 0;
      for (int g = 0; g < ngroups; g++) if (groups[g] == p->pgid) seen = 1;
      if (!seen && stop_kill(p->pid, sig) == 0) count++;
    }
  if (j->events_fd >= 0) job_populated(j);
  maybe_empty(j); /* a job already gone says so at once: a second stop never waits */
  return count;
}

/* Survivors of a KILL after KILL_CHECK_US can only be in uninterruptible sleep: name them. */
static void check_kills(void) {
  if (!kill_checks) return;
  int64_t now = now_us();
  for (job_t *j = jobs; j; j = j->next) {
    if (!j->check_at_us || now < j->check_at_us) continue;
    job_check_clear(j);
    pid_t *pids = NULL;
    int n = 0;
    if (j->events_fd >= 0) n = cg_job_procs(j->key, &pids);
    else {
      for (proc_t *p = procs; p; p = p->next) if (p->jb == j && !p->keeper) n++;
      pids = calloc((size_t)n + 1, sizeof *pids);
      if (!pids) die("out of memory");
      n = 0;
      for (proc_t *p = procs; p; p = p->next) if (p->jb == j && !p->keeper) pids[n++] = p->pid;
    }
    buf_t b = {0};
    buf_json_str(&b, j->key);
    buf_add(&b, ",\"pids\":[", 9);
    buf_t st = {0};
    int live = 0;
    for (int i = 0; i < n; i++) {
      pstat_t ps;
      read_pstat_ids(pids[i], &ps, 0);
      if (!ps.ok || ps.state == 'Z') continue;
      kill(pids[i], SIGKILL);
      buf_printf(&b, "%s%d", live ? "," : "", pids[i]);
      buf_printf(&st, "%s\"%c\"", live ? "," : "", ps.state);
      live++;
    }
    buf_add(&b, "]", 1);
    buf_add(&st, "", 1);
    buf_add(&b, "", 1);
    if (live) emit_event(0, "\"ev\":\"stuck\",\"job\":%s,\"states\":[%s]", b.p, st.p);
    free(b.p);
    free(st.p);
    free(pids);
  }
}

/* Milliseconds until the next kill check is due, or -1. */
static int next_check_ms(void) {
  if (!kill_checks) return -1;
  int64_t now = now_us(), best = -1;
  for (job_t *j = jobs; j; j = j->next)
    if (j->check_at_us && (best < 0 || j->check_at_us < best)) best = j->check_at_us;
  if (best < 0) return -1;
  return best <= now ? 0 : (int)((best - now) / 1000 + 1);
}

/* ---------- requests from the daemon ---------- */

static buf_t inbuf;

/* `stats`: what was dropped rather than block or grow, and what is queued. */
static void emit_stats(void) {
  uint64_t queued = 0;
  for (due_t *d = due_head; d; d = d->next) queued++;
  emit_event(0,
             "\"ev\":\"stats\",\"dropped\":{\"logBytes\":%llu,\"clientBytes\":%llu,\"stdinBytes\":%llu,"
             "\"epollErrors\":%llu,\"respawnsHeld\":%llu,\"unheld\":%llu},\"unacked\":%zu,\"respawnsQueued\":%llu",
             (unsigned long long)dropped.log_bytes, (unsigned long long)dropped.client_bytes,
             (unsigned long long)dropped.stdin_bytes, (unsigned long long)dropped.epoll_errors,
             (unsigned long long)dropped.respawns_held, (unsigned long long)dropped.unheld, nevents, (unsigned long long)queued);
}

/* Leaving: the cgroups of jobs that are gone are removed (a populated one stays with its job). */
static void quit_cleanup(void) {
  sockets_quit();
  holder_quit();
  for (job_t *j = jobs; j; j = j->next) job_cgroup_release(j);
  cg_cleanup_all();
}

static int respawning, respawn_budget;

static void handle_frame(char *p, size_t n) {
  /* verb\0 key\0 value\0 ... ; a frame not ending in NUL would let strlen run past it */
  if (n == 0 || p[n - 1] != 0) {
    fprintf(stderr, "appinit-supervise: a malformed frame of %zu bytes was ignored\n", n);
    return;
  }
  char *frame_start = p;
  size_t frame_len = n;
  char *end = p + n;
  const char *verb = p;
  p += strlen(p) + 1;
  static spawn_req_t rq;
  req_clear(&rq);
  rq.maxline = 64 * 1024;
  rq.keep = 10;
  const char *a_job = NULL, *a_sig = NULL, *a_all = NULL, *a_seq = NULL, *a_path = NULL;
  while (p < end) {
    const char *k = p;
    p += strlen(p) + 1;
    if (p > end) break;
    const char *v = p;
    p += strlen(p) + 1;
    if (strcmp(k, "argv") == 0 && rq.argc < MAX_ARGS - 1) rq.argv[rq.argc++] = v;
    else if (strcmp(k, "env") == 0 && rq.envc < MAX_ARGS - 1) rq.envp[rq.envc++] = v;
    else if (strcmp(k, "job") == 0) rq.job = a_job = v;
    else if (strcmp(k, "cwd") == 0) rq.cwd = v;
    else if (strcmp(k, "user") == 0) rq.user = v;
    else if (strcmp(k, "group") == 0) rq.group = v;
    else if (strcmp(k, "stdin") == 0) rq.stdin_path = v;
    else if (strcmp(k, "stdout") == 0) rq.out = v;
    else if (strcmp(k, "stderr") == 0) rq.err = v;
    else if (strcmp(k, "tty") == 0) rq.tty = v;
    else if (strcmp(k, "req") == 0) rq.req = v;
    else if (strcmp(k, "umask") == 0) { rq.umask_set = 1; rq.umask_val = (mode_t)strtol(v, NULL, 8); }
    else if (strcmp(k, "nice") == 0) { rq.nice_set = 1; rq.nice_val = atoi(v); }
    else if (strcmp(k, "ts") == 0) rq.ts = strcmp(v, "iso") == 0 ? 1 : strcmp(v, "unix") == 0 ? 2 : 0;
    else if (strcmp(k, "maxsize") == 0) rq.maxsize = (off_t)strtoll(v, NULL, 10);
    else if (strcmp(k, "keep") == 0) rq.keep = atoi(v);
    else if (strcmp(k, "period") == 0) rq.period = strcmp(v, "hourly") == 0 ? 1 : strcmp(v, "daily") == 0 ? 2 : 0;
    else if (strcmp(k, "maxline") == 0) rq.maxline = (size_t)strtoull(v, NULL, 10);
    else if (strcmp(k, "rows") == 0) rq.rows = atoi(v);
    else if (strcmp(k, "cols") == 0) rq.cols = atoi(v);
    else if (strcmp(k, "rs_budget") == 0) rq.rs_budget = atoi(v);
    else if (strcmp(k, "rs_any") == 0) rq.rs_any = atoi(v);
    else if (strcmp(k, "rs_ok") == 0) rq.rs_ok = v;
    else if (strcmp(k, "rlimit") == 0) parse_rlimit(&rq, v);
    else if (strcmp(k, "termios") == 0) parse_termios(&rq, v);
    else if (strcmp(k, "cg_pids") == 0) rq.limits.pids = strtoll(v, NULL, 10);
    else if (strcmp(k, "cg_memory") == 0) rq.limits.memory = strtoll(v, NULL, 10);
    else if (strcmp(k, "cg_cpu") == 0) rq.limits.cpu = atoi(v);
    else if (strcmp(k, "sig") == 0) a_sig = v;
    else if (strcmp(k, "all") == 0) a_all = v;
    else if (strcmp(k, "seq") == 0) a_seq = v;
    else if (strcmp(k, "path") == 0) a_path = v;
    else if (sockets_key(&rq.sk, k, v)) continue;
  }
  if (rq.maxline == 0) rq.maxline = 64 * 1024;
  if (strcmp(verb, "spawn") == 0) {
    if (rq.argc == 0 || !rq.job) {
      emit_event(0, "\"ev\":\"spawn-error\",\"req\":%s,\"job\":\"\",\"error\":\"no command\"", rq.req ? rq.req : "0");
      return;
    }
    rq.is_respawn = respawning;
    if (respawning) rq.req = NULL; /* the daemon asked for the first spawn only: its answers say req 0 */
    if (respawning) rq.rs_budget = respawn_budget;
    if (rq.rs_budget > 0) {
      ticket_t *t = ticket_find(rq.job);
      if (!t) {
        t = calloc(1, sizeof *t);
        if (!t) die("out of memory");
        t->job = strdup(rq.job);
        t->next = tickets;
        tickets = t;
      }
      if (!respawning) { /* a replay carries the very bytes the ticket holds */
        char *copy = malloc(frame_len);
        if (!copy) die("out of memory");
        memcpy(copy, frame_start, frame_len);
        free(t->frame);
        t->frame = copy;
        t->len = frame_len;
      }
      t->budget = rq.rs_budget;
      t->any = rq.rs_any;
      snprintf(t->ok, sizeof t->ok, "%s", rq.rs_ok ? rq.rs_ok : "0");
    } else {
      ticket_drop(rq.job);
    }
    do_spawn(&rq);
  } else if (strcmp(verb, "signal") == 0 && a_job && a_sig) {
    int all = a_all && strcmp(a_all, "1") == 0;
    if (all) ticket_drop(a_job); /* a stop: no restart behind the daemon's back */
    int n = signal_job(a_job, atoi(a_sig), all);
    buf_t b = {0};
    buf_json_str(&b, a_job);
    buf_add(&b, "", 1);
    emit_event(0, "\"ev\":\"signalled\",\"job\":%s,\"sig\":%d,\"count\":%d", b.p, atoi(a_sig), n);
    free(b.p);
  } else if (strcmp(verb, "ack") == 0 && a_seq) {
    events_ack(strtoull(a_seq, NULL, 10));
  } else if (strcmp(verb, "hello") == 0) {
    sendq.len = sendq_off = 0;
    buf_t b = {0};
    buf_printf(&b, "{\"ev\":\"hello\",\"pid\":%d,\"epoch\":\"%llu\",\"version\":%d,\"acct\":\"%s\",\"cgroup\":", getpid(),
               (unsigned long long)epoch, PROTOCOL_VERSION, ts_enabled() ? "taskstats" : "wait4");
    buf_json_str(&b, cg_describe());
    buf_add(&b, "}\n", 2);
    struct ucred peer;
    socklen_t peer_len = sizeof peer;
    hello_peer = getsockopt(client, SOL_SOCKET, SO_PEERCRED, &peer, &peer_len) == 0 ? peer.pid : 0;
    for (proc_t *q = procs; q; q = q->next) {
      if (q->keeper || q->watched) continue; /* watched members are listed as members, below */
      buf_printf(&b, "{\"ev\":\"child\",\"pid\":%d,\"start\":%llu,\"leader\":%d,\"adopted\":%d,\"pgid\":%d,\"job\":",
                 q->pid, q->start, q->leader, q->adopted, q->pgid);
      buf_json_str(&b, q->job);
      buf_add(&b, "}\n", 2);
    }
    cg_job_each(hello_members, &b);
    client_queue(b.p, b.len);
    free(b.p);
    for (size_t i = 0; i < nevents; i++) client_queue(events[i].line, events[i].len);
    client_queue("{\"ev\":\"ready\"}\n", 15);
    emit_stats();
  } else if (strcmp(verb, "release") == 0) {
    sockets_release(frame_start, frame_len);
  } else if (pipes_verb(verb, a_path)) { /* pipe-eof, pipe-drop, pipes (pipes.c) */
  } else if (strcmp(verb, "reopen") == 0) {
    log_reopen_all();
  } else if (strcmp(verb, "truncate") == 0 && a_path) {
    for (logfile_t *lf = logfiles; lf; lf = lf->next)
      if (strcmp(lf->path, a_path) == 0) { if (ftruncate(lf->fd, 0) == 0) lf->size = 0; }
  } else if (strcmp(verb, "stats") == 0) {
    emit_stats();
  } else if (strcmp(verb, "quit") == 0) {
    client_flush();
    quit_cleanup();
    exit(0);
  }
}

/*
 * Runs due ticket restarts after the protocol was served: at most RESPAWN_BATCH per turn of
 * the loop, and none while the daemon has HOLD_UNACKED events it has not stored: the daemon's
 * pace bounds the restart rate, so crash-looping programs cannot livelock us or grow our memory.
 */
#define TS_HOLD_US 1000
#define RESPAWN_BATCH 16
#define HOLD_UNACKED 256
/*
 * What ticket restarts make for the daemon (exit, record, respawned) is held a little, as kernel
 * records are (TS_HOLD_US): a crash loop's events then reach the daemon in one write every
 * RESPAWN_HOLD_US instead of one per restart, and each write is a wake-up of the daemon (an IPI
 * and a turn of its loop) and a send of ours. Anything from the daemon ends the hold at once.
 */
#define RESPAWN_HOLD_US 2000
static int64_t respawn_hold_since; /* 0: nothing held */

/*
 * For TS_MUTE_US after a ticket restart, kernel records do not wake us: the records socket leaves
 * epoll's interest (every exit on the machine sends us one). A restarted leader's record is read
 * at its reap (its SIGCHLD is ours), every record of a job before its `empty` (maybe_empty
 * drains), and the rest at any reap meanwhile or when the time is up. A restart loop then wakes
 * us once per restart (its SIGCHLD) instead of twice (its record, then its SIGCHLD); without
 * restarts nothing changes (no timer).
 */
#define TS_MUTE_US 10000
static int ts_poll_fd = -1;   /* the records socket in epoll (ts_open), or -1 */
static int64_t ts_mute_until; /* 0: in epoll's interest */
/* Mutes the records socket until `until` (µs, now_us), or hears it again (0). */
static void ts_mute(int64_t until) {
  if (ts_poll_fd < 0 || (!until && !ts_mute_until)) return;
  if (until && ts_mute_until) { ts_mute_until = until; return; } /* muted already: longer */
  struct epoll_event ev = {.events = until ? 0 : EPOLLIN, .data.u64 = (uint64_t)ts_poll_fd};
  if (epoll_ctl(epfd, EPOLL_CTL_MOD, ts_poll_fd, &ev) == 0) ts_mute_until = until;
}

/* Before a turn's wait: the records socket back once its time is up, else the wait bounded by it. */
static void ts_mute_turn(int *timeout) {
  if (!ts_mute_until) return;
  int64_t left = ts_mute_until - now_us();
  if (left <= 0) { ts_mute(0); return; } /* records pending meanwhile wake this very wait */
  int ms = (int)((left + 999) / 1000);
  if (*timeout < 0 || *timeout > ms) *timeout = ms;
}

static void respawn(ticket_t *t);
static int run_respawns(void) {
  for (int k = 0; due_head && k < RESPAWN_BATCH; k++) {
    if (nevents >= HOLD_UNACKED) { dropped.respawns_held++; return 0; }
    due_t *d = due_head;
    due_head = d->next;
    if (!due_head) due_tail = &due_head;
    job_t *j = job_find(d->job);
    if (j) j->children--;
    ticket_t *t = ticket_find(d->job);
    if (t) {
      respawn(t);
      if (!respawn_hold_since) respawn_hold_since = now_us();
      ts_mute(now_us() + TS_MUTE_US);
    }
    if (j && j->keep_due) keep_release(j); /* not restarted after all: its pipes may close */
    maybe_empty(j); /* a stop tore the ticket up meanwhile: the job may be over */
    free(d->job);
    free(d);
  }
  return due_head != NULL;
}

/* Replays a ticket's spawn request, one restart less in its budget. */
static void respawn(ticket_t *t) {
  char *copy = malloc(t->len);
  if (!copy) die("out of memory");
  memcpy(copy, t->frame, t->len);
  respawning = 1;
  respawn_budget = t->budget - 1;
  handle_frame(copy, t->len); /* may free t (budget spent) */
  respawning = 0;
  free(copy);
}

static void client_frames(void);

static void client_readable(void) {
  char tmp[65536];
  for (;;) {
    ssize_t r = recv(client, tmp, sizeof tmp, MSG_DONTWAIT);
    if (r > 0) { buf_add(&inbuf, tmp, (size_t)r); continue; }
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) break;
    client_drop();
    inbuf.len = 0;
    return;
  }
  client_frames();
}

/* Whether a complete `spawn` frame of the daemon's starts at pos or after it (a burst). Looks at
 * the next frame only: a burst is spawns back to back. */
static int spawns_follow(size_t pos) {
  if (inbuf.len - pos < 4) return 0;
  uint32_t len;
  memcpy(&len, inbuf.p + pos, 4);
  return inbuf.len - pos - 4 >= len && len >= 6 && memcmp(inbuf.p + pos + 4, "spawn", 6) == 0;
}

/* Handles every complete frame the daemon has sent. */
static void client_frames(void) {
  size_t pos = 0;
  while (inbuf.len - pos >= 4) {
    uint32_t len;
    memcpy(&len, inbuf.p + pos, 4);
    if (inbuf.len - pos - 4 < len) break;
    buf_reserve(&inbuf, 1);
    char *frame = inbuf.p + pos + 4;
    spawn_burst = spawns_follow(pos + 4 + len);
    handle_frame(frame, len);
    spawn_burst = 0;
    if (client < 0) return;
    pos += 4 + len;
  }
  fdshare_release(); /* the burst's last shared fork has its own table by now */
  memmove(inbuf.p, inbuf.p + pos, inbuf.len - pos);
  inbuf.len -= pos;
}

/* The value of key in a verb\0key\0value\0... frame, or NULL. */
static const char *frame_get(const char *p, size_t n, const char *key) {
  const char *end = p + n;
  p += strlen(p) + 1;
  while (p < end) {
    const char *k = p;
    p += strlen(p) + 1;
    if (p >= end) break;
    if (strcmp(k, key) == 0) return p;
    p += strlen(p) + 1;
  }
  return NULL;
}

/* Bytes from a connection: its first frame says whether it is the daemon or a terminal client. */
static void conn_readable(conn_t *c) {
  char tmp[65536];
  for (;;) {
    /* recvmsg: a 't' frame brings the client's terminal with it (SCM_RIGHTS). */
    union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int) * 4)]; } ctl;
    struct iovec iov = {.iov_base = tmp, .iov_len = sizeof tmp};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b, .msg_controllen = sizeof ctl.b};
    ssize_t r = recvmsg(c->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (r > 0 && mh.msg_controllen > 0) {
      for (struct cmsghdr *h = CMSG_FIRSTHDR(&mh); h; h = CMSG_NXTHDR(&mh, h)) {
        if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS) continue;
        int *fds = (int *)CMSG_DATA(h);
        size_t k = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < k; i++) {
          if (c->passed < 0 && c->job) c->passed = fds[i]; /* one, and only once attached */
          else close(fds[i]);
        }
      }
    }
    /* A short read took all there was (epoll, level-triggered, says when more comes): no
     * second recv that only finds EAGAIN, once per keystroke. */
    if (r > 0) { buf_add(&c->in, tmp, (size_t)r); if ((size_t)r < sizeof tmp) break; continue; }
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) break;
    conn_close(c);
    return;
  }
  size_t pos = 0;
  while (c->in.len - pos >= 4) {
    uint32_t len;
    memcpy(&len, c->in.p + pos, 4);
    if (c->in.len - pos - 4 < len) break;
    buf_reserve(&c->in, 1);
    c->in.p[c->in.len] = 0;
    char *f = c->in.p + pos + 4;
    if (!c->job) {
      if (len > 0 && strcmp(f, "hello") == 0) {
        /* The daemon: becomes the one control connection, with everything it sent so far. */
        int fd = c->fd;
        buf_t rest = {0};
        buf_add(&rest, c->in.p + pos, c->in.len - pos);
        epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
        c->fd = -1;
        for (conn_t **pp = &conns; *pp; pp = &(*pp)->next) if (*pp == c) { *pp = c->next; break; }
        free(c->in.p); free(c->out.p); bury(c);
        client_drop();
        client = fd;
        inbuf.len = 0;
        buf_add(&inbuf, rest.p, rest.len);
        free(rest.p);
        struct epoll_event cev = {.events = EPOLLIN, .data.fd = fd};
        epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &cev);
        client_frames();
        return;
      }
      const char *job = len > 0 && strcmp(f, "attach") == 0 ? frame_get(f, len, "job") : NULL;
      if (!job) { conn_close(c); return; }
      c->job = strdup(job);
      const char *rows = frame_get(f, len, "rows"), *cols = frame_get(f, len, "cols");
      if (rows && cols) set_winsize(c->job, atoi(rows), atoi(cols));
      const char *flow = frame_get(f, len, "flow");
      c->flow = flow && strcmp(flow, "1") == 0;
      /* "tty":1: this helper can take the client's terminal ('t'); "took":1: it tells a flow
       * client the input its job took; "live": whether the job's leader runs now, so that a
       * client attaching to a job that ended just before (fg of a job as it exits) does not
       * wait for an end already told. An older helper says none of them. */
      char hi[64];
      snprintf(hi, sizeof hi, "{\"ev\":\"attached\",\"tty\":1,\"took\":1,\"live\":%d}", leader_live(c->job));
      conn_send(c, 's', hi, strlen(hi));
    } else {
      conn_frame(c, f, len);
    }
    pos += 4 + len;
  }
  memmove(c->in.p, c->in.p + pos, c->in.len - pos);
  c->in.len -= pos;
}

/* ---------- the fd holder ---------- */

static char holder_path[PATH_MAX];

/* A job's group made by a helper before us: watched again, so `empty` and cgroup.kill work. */
static void adopt_job_cgroup(const char *key) {
  if (!cg_enabled() || !cg_key_ok(key) || !cg_job_exists(key)) return;
  job_t *j = job_get(key);
  if (j->events_fd >= 0) return;
  cg_limits_t none = {0, 0, 0};
  char err[256];
  if (cg_job_create(key, &none, j->join, &j->dir_fd, &j->events_fd, err, sizeof err) < 0) return;
  if (ep_ctl(EPOLL_CTL_ADD, j->events_fd, EPOLLPRI, j) < 0) return;
  job_events_readable(j);
}

/* One fd taken over from the holder of a helper before us: pumped (or written) again. */
static void take_held(unsigned id, int fd, const char *meta) {
  if (sockets_take_held(id, fd, meta)) return;
  if (pipes_take_held(id, fd, meta)) return;
  if (meta[0] == 'I' && meta[1] == '\t') {
    set_nonblock(fd);
    jobio_set(meta + 2, fd, -1, NULL);
    jobio_find(meta + 2)->hold_id = id;
    return;
  }
  char stream = 'o';
  int pty = 0, ts = 0, keep = 10, period = 0, used = 0;
  long long maxsize = 0;
  size_t maxline = 65536;
  if (sscanf(meta, "P\t%c\t%d\t%d\t%lld\t%d\t%d\t%zu\t%n", &stream, &pty, &ts, &maxsize, &keep, &period, &maxline, &used) < 7 || !used) {
    close(fd);
    holder_del(id);
    return;
  }
  char *job = strdup(meta + used);
  if (!job) die("out of memory");
  char *tab = strchr(job, '\t');
  const char *path = "";
  if (tab) { *tab = 0; path = tab + 1; }
  pump_t *pm = calloc(1, sizeof *pm);
  if (!pm) die("out of memory");
  pm->kind = KIND_PUMP;
  pm->fd = fd;
  pm->log = path[0] ? log_get(path, ts, (off_t)maxsize, keep, period, maxline) : NULL;
  pm->job = strdup(job);
  pm->stream = stream;
  pm->hold_id = id;
  set_nonblock(fd);
  if (ep_ctl(EPOLL_CTL_ADD, fd, EPOLLIN, pm) < 0) { close(fd); free(pm->job); free(pm); free(job); return; }
  pm->next = pumps;
  pumps = pm;
  if (pty) jobio_set(job, fd, fd, pm);
  adopt_job_cgroup(job);
  free(job);
}

/* The holder died (it should not): a new one gets duplicates of everything we pump. */
static void holder_restart(void) {
  if (holder_open(holder_path, take_held) < 0) return;
  sockets_rehold();
  pipes_rehold();
  for (pump_t *pm = pumps; pm; pm = pm->next) {
    jobio_t *j = jobio_find(pm->job);
    hold_pump(pm, j && j->master == pm->fd);
  }
  for (jobio_t *j = jobios; j; j = j->next) {
    if (j->input < 0 || j->input == j->master) continue;
    buf_t meta = {0};
    buf_printf(&meta, "I\t%s", j->job);
    buf_add(&meta, "", 1);
    j->hold_id = hold(j->input, meta.p);
    free(meta.p);
  }
}

/* ---------- main ---------- */

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: appinit-supervise SOCKET [PIDFILE]\n");
    return 2;
  }
  const char *sockpath = argv[1];
  /* Many jobs mean many pipes: raise our own descriptor limit; children get the old one back.
   * Before fdshare_init, which grows the table ahead up to the limit. */
  getrlimit(RLIMIT_NOFILE, &helper_nofile);
  struct rlimit raised = helper_nofile;
  raised.rlim_cur = raised.rlim_max;
  setrlimit(RLIMIT_NOFILE, &raised);
  fdshare_init(); /* first to open anything: its blocks of slots take the lowest free descriptors */
  beside_ok = beside_init();
  if (getenv("APPINIT_BURST_FORK") && strcmp(getenv("APPINIT_BURST_FORK"), "0") == 0) burst_fork = 0;
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) die("prctl(PR_SET_CHILD_SUBREAPER)");
  signal(SIGPIPE, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  sigaddset(&mask, SIGTERM);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) die("signalfd");
  epoch = ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid();
  /* One cgroup directory per helper: appinit-<uid>-<hash of the home the socket is in>. */
  {
    char home[PATH_MAX];
    snprintf(home, sizeof home, "%s", sockpath);
    char *slash = strrchr(home, '/');
    if (slash) *slash = 0;
    uint32_t h = 2166136261u;
    for (const char *q = home; *q; q++) h = (h ^ (unsigned char)*q) * 16777619u;
    char key[64];
    snprintf(key, sizeof key, "appinit-%u-%08x", (unsigned)getuid(), h);
    /* APPINIT_CGROUP=none: sessions and groups only (the fallback, and how tests reach it). */
    const char *want = getenv("APPINIT_CGROUP");
    if (!want || strcmp(want, "none") != 0) cg_setup(key);
  }

  int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (lfd < 0) die("socket");
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(sockpath) >= sizeof addr.sun_path) { errno = ENAMETOOLONG; die(sockpath); }
  strcpy(addr.sun_path, sockpath);
  unlink(sockpath);
  mode_t old = umask(077); /* the socket is private: mode 0600 */
  if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind");
  umask(old);
  if (listen(lfd, 64) < 0) die("listen");
  if (argc >= 3) {
    FILE *fp = fopen(argv[2], "we");
    if (fp) { fprintf(fp, "%d\n", getpid()); fclose(fp); }
  }

  epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) die("epoll_create1");
  /* Tag fds and objects apart: objects are pointers, these fds are small ints below 1<<20. */
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)lfd};
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev) < 0) die("epoll_ctl");
  ev.data.u64 = (uint64_t)sfd;
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, sfd, &ev) < 0) die("epoll_ctl");
  int tsfd = ts_open(emit_event); /* root only: kernel accounting records (native/taskstats.c) */
  if (tsfd >= 0) {
    ev.data.u64 = (uint64_t)tsfd;
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, tsfd, &ev) < 0) die("epoll_ctl");
    ts_poll_fd = tsfd;
  }
  int pipesfd = pipes_init(hold, holder_del, emit_event); /* pipes between programs (pipes.c) */
  if (pipesfd < 0) die("epoll_create1");
  ev.data.u64 = (uint64_t)pipesfd;
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, pipesfd, &ev) < 0) die("epoll_ctl");
  /* Pipes a helper before us left with the fd holder are ours to pump again; or a new holder. */
  sockets_init(sockpath, epfd, emit_event, hold, bury);
  snprintf(holder_path, sizeof holder_path, "%s.hold", sockpath);
  long top = holder_open(holder_path, take_held);
  if (top > 0) next_hold_id = (unsigned)top + 1;

  note_dispositions(); /* after every signal() of ours: what a child resets */
  struct epoll_event evs[64];
  /*
   * A turn that only read kernel records (taskstats) and job output holds what the records made
   * for the daemon a little: the record of a process comes as it starts exiting, its pipes close
   * and its SIGCHLD follows within µs, and in a restart loop the record, the exit and the
   * restart then reach the daemon in one write (one wakeup of it, one batch) instead of two.
   * Never longer than TS_HOLD_US in all.
   */
  int64_t ts_hold_since = 0; /* 0: nothing held */
  for (;;) {
    /* Work left over from the last turn (children to reap, restarts due) runs after the
     * protocol, so a crash loop never starves the daemon's requests. */
    int more = run_respawns();
    if (reap_more) reap_some();
    check_kills();
    int timeout = reap_more || more ? 0 : next_check_ms();
    ts_mute_turn(&timeout);
    int64_t now = now_us();
    int held = 0;
    if (ts_hold_since && now - ts_hold_since < TS_HOLD_US) held = 1;
    else ts_hold_since = 0;
    if (respawn_hold_since && now - respawn_hold_since < RESPAWN_HOLD_US) held = 1;
    else respawn_hold_since = 0;
    if (held) {
      if (timeout < 0 || timeout > 1) timeout = 1;
    } else {
      client_flush();
    }
    int n = epoll_wait(epfd, evs, 64, timeout);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("epoll_wait");
    }
    /* Kernel records and job output (the exiting job's pipes close just before its SIGCHLD)
     * keep a hold; anything else (the daemon's frames, a SIGCHLD, a timeout) ends it. */
    int quiet = n > 0;
    for (int i = 0; i < n && quiet; i++) {
      uint64_t tag = evs[i].data.u64;
      quiet = (tsfd >= 0 && tag == (uint64_t)tsfd) || (tag >= (1u << 20) && *(int *)evs[i].data.ptr == KIND_PUMP);
    }
    if (!quiet) ts_hold_since = 0;
    /* A restart loop's own events (its records, output, SIGCHLDs) keep the respawn hold. */
    for (int i = 0; i < n && respawn_hold_since; i++) {
      uint64_t tag = evs[i].data.u64;
      if (!((tsfd >= 0 && tag == (uint64_t)tsfd) || tag == (uint64_t)sfd || (tag >= (1u << 20) && *(int *)evs[i].data.ptr == KIND_PUMP)))
        respawn_hold_since = 0;
    }
    /* Spawn results first: whatever a new program does (ends, stops, notifies, writes) comes
     * after its exec, so its `spawned` must go out before any event of it in this turn. */
    int any_pending = 0;
    for (int i = 0; i < n; i++) {
      uint64_t tag = evs[i].data.u64;
      if (tag < (1u << 20) || *(int *)evs[i].data.ptr != KIND_PENDING) continue;
      pending_t *pd = evs[i].data.ptr;
      pending_read(pd, 0);
      if (!pd->ordered) pending_complete(pd, 0);
      any_pending = 1;
    }
    if (any_pending) ordered_advance();
    for (int i = 0; i < n; i++) {
      uint64_t tag = evs[i].data.u64;
      uint32_t e = evs[i].events;
      if (tag == (uint64_t)lfd) {
        int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (c < 0) continue;
        /* Only our own user may drive the children (the socket is 0600 too). */
        struct ucred cr;
        socklen_t cl = sizeof cr;
        if (getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &cl) < 0 || (cr.uid != getuid() && cr.uid != 0)) {
          close(c);
          continue;
        }
        conn_t *cn = calloc(1, sizeof *cn);
        if (!cn) die("out of memory");
        cn->kind = KIND_CONN;
        cn->fd = c;
        cn->passed = -1;
        cn->tty = -1;
        if (ep_ctl(EPOLL_CTL_ADD, c, EPOLLIN, cn) < 0) { close(c); free(cn); continue; }
        cn->next = conns;
        conns = cn;
      } else if (tag == (uint64_t)sfd) {
        /* Several at a time: a read that does not fill the array has taken every pending one
         * (no second read to find EAGAIN, once per restart in a restart loop). */
        struct signalfd_siginfo si[8];
        int term = 0;
        ssize_t got;
        while ((got = read(sfd, si, sizeof si)) > 0) {
          for (size_t k = 0; k < (size_t)got / sizeof si[0]; k++)
            if (si[k].ssi_signo == SIGTERM) term = 1;
          if ((size_t)got < sizeof si) break;
        }
        reap_some();
        if (term && !procs) {
          /* SIGTERM: the daemon's job; we only leave when nothing is left to own. */
          quit_cleanup();
          exit(0);
        }
      } else if (tag == (uint64_t)pipesfd) {
        pipes_ready();
      } else if (tsfd >= 0 && tag == (uint64_t)tsfd) {
        size_t before = sendq.len;
        unsigned leaders = ts_leaders_ended();
        ts_drain();
        /* Held only for the record of a leader (its SIGCHLD is ours, next), when nothing else
         * was waiting to go: the record of a process its own parent reaps goes at once. */
        if (quiet && !ts_hold_since && ts_leaders_ended() != leaders && before == sendq_off) ts_hold_since = now_us();
      } else if (client >= 0 && tag == (uint64_t)client) {
        if (e & (EPOLLIN | EPOLLHUP | EPOLLERR)) client_readable();
        if (client >= 0 && (e & EPOLLOUT)) client_flush();
      } else {
        switch (*(int *)evs[i].data.ptr) { /* 0: closed earlier in this batch */
          case KIND_CONN: {
            conn_t *cn = evs[i].data.ptr;
            if (e & EPOLLOUT) conn_flush(cn);
            if (cn->kind == KIND_CONN && (e & (EPOLLIN | EPOLLHUP | EPOLLERR))) conn_readable(cn);
            break;
          }
          case KIND_KEEPER: keeper_readable(evs[i].data.ptr); break;
          case KIND_TTY: conn_tty_event(evs[i].data.ptr, e); break;
          case KIND_PENDING: break; /* handled first, above */
          case KIND_NOTIFY: notify_readable(evs[i].data.ptr); break;
          case KIND_JOB: job_events_readable(evs[i].data.ptr); break;
          case KIND_INPUT: jobio_flush(evs[i].data.ptr); break;
          case KIND_PUMP: {
            pump_t *pm = evs[i].data.ptr;
            if (e & EPOLLOUT) { jobio_t *j = jobio_find(pm->job); if (j) jobio_flush(j); }
            if (pm->kind == KIND_PUMP && (e & (EPOLLIN | EPOLLHUP | EPOLLERR))) pump_read(pm, 0);
            break;
          }
        }
      }
    }
    graveyard_empty();
  }
}
