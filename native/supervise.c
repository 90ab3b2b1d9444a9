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
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "taskstats.h"

#define VERSION "1"
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
static void buf_printf(buf_t *b, const char *fmt, ...) {
  va_list ap;
  for (;;) {
    size_t room = b->cap - b->len;
    va_start(ap, fmt);
    int n = vsnprintf(b->p ? b->p + b->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < room) { b->len += (size_t)n; return; }
    buf_reserve(b, (size_t)n + 1);
  }
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

static ssize_t write_all(int fd, const char *p, size_t n) {
  size_t done = 0;
  while (done < n) {
    ssize_t w = write(fd, p + done, n - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    done += (size_t)w;
  }
  return (ssize_t)done;
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
  uint64_t dropped;
  struct logfile *next;
} logfile_t;

static logfile_t *logfiles;

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

static void mkdir_parents(const char *path) {
  char tmp[PATH_MAX];
  snprintf(tmp, sizeof tmp, "%s", path);
  for (char *p = tmp + 1; *p; p++) {
    if (*p == '/') {
      *p = 0;
      mkdir(tmp, 0755);
      *p = '/';
    }
  }
}

static int log_open_fd(logfile_t *lf) {
  mkdir_parents(lf->path);
  lf->fd = open(lf->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (lf->fd < 0) return -1;
  struct stat st;
  lf->size = fstat(lf->fd, &st) == 0 ? st.st_size : 0;
  lf->period_key = period_key_now(lf->period);
  return 0;
}

static void emit_event(int durable, const char *fmt, ...);

static void log_rotate(logfile_t *lf) {
  char to[PATH_MAX + 32];
  snprintf(to, sizeof to, "%s.%ld", lf->path, lf->next_index);
  if (rename(lf->path, to) != 0) return;
  lf->next_index++;
  close(lf->fd);
  log_open_fd(lf);
  buf_t b = {0};
  buf_json_str(&b, to);
  buf_add(&b, "", 1);
  emit_event(0, "\"ev\":\"rotated\",\"file\":%s", b.p);
  free(b.p);
}

static logfile_t *log_get(const char *path, int ts, off_t maxsize, int keep, int period, size_t maxline) {
  for (logfile_t *lf = logfiles; lf; lf = lf->next) {
    if (strcmp(lf->path, path) == 0) {
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
  if (log_open_fd(lf) != 0) {
    free(lf->path);
    free(lf);
    return NULL;
  }
  lf->next_index = scan_next_index(path);
  lf->next = logfiles;
  logfiles = lf;
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

/* Writes whole lines (already prefixed) to the file, rotating first when due. */
static void log_write(logfile_t *lf, const char *p, size_t n) {
  if (n == 0) return;
  if (lf->size > 0 && ((lf->maxsize > 0 && lf->size + (off_t)n > lf->maxsize) ||
                       (lf->period && period_key_now(lf->period) != lf->period_key)))
    log_rotate(lf);
  if (write_all(lf->fd, p, n) < 0) { lf->dropped += n; return; }
  lf->size += (off_t)n;
}

static void ts_prefix(int ts, char *out, size_t cap) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  if (ts == 2) {
    snprintf(out, cap, "%lld.%03ld ", (long long)t.tv_sec, t.tv_nsec / 1000000);
  } else {
    struct tm tm;
    gmtime_r(&t.tv_sec, &tm);
    /* Microseconds: `logs` merges stdout and stderr by these, and ms ties are common. */
    snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, t.tv_nsec / 1000);
  }
}

/* ---------- pipes from children into log files ---------- */

/* Everything in epoll that is not a plain fd starts with its kind. */
enum { KIND_PUMP = 1, KIND_CONN = 2, KIND_KEEPER = 3 };

typedef struct pump {
  int kind;         /* KIND_PUMP */
  int fd;           /* read end (or pty master), non-blocking, in epoll */
  logfile_t *log;
  buf_t partial;    /* bytes after the last newline */
  char *job;        /* whose output: attached clients of this job get a copy */
  char stream;      /* 'o' stdout (and a pty), 'e' stderr */
  struct pump *next;
} pump_t;

static void fanout(const char *job, char stream, const char *data, size_t n);
/* Where a job's input goes: its pty master, or the write end of its stdin pipe. */
typedef struct jobio {
  char *job;
  int input;  /* -1 once closed */
  int master; /* pty master (owned by its pump), or -1 */
  struct jobio *next;
} jobio_t;
static jobio_t *jobio_find(const char *job);

static pump_t *pumps;
static buf_t outbuf; /* scratch for building prefixed output */
static int epfd;

/* Moves complete lines from data into the log; keeps the tail in partial. */
static void pump_feed(pump_t *pm, const char *data, size_t n, int eof) {
  logfile_t *lf = pm->log;
  if (!lf) return;
  outbuf.len = 0;
  char prefix[96] = "";
  size_t plen = 0;
  if (lf->ts) { ts_prefix(lf->ts, prefix, sizeof prefix); plen = strlen(prefix); }
  /* Fast path: no timestamps, nothing pending: write through to the last newline. */
  if (!lf->ts && pm->partial.len == 0) {
    const char *last = memrchr(data, '\n', n);
    size_t whole = last ? (size_t)(last - data) + 1 : 0;
    /* Long lines are split at maxline, never dropped; memchr from newline to newline keeps
     * this check at memory speed (a byte loop cost ~1 s of CPU per GB). */
    size_t start = 0;
    int long_line = 0;
    for (const char *q = data, *stop = data + whole; q < stop;) {
      const char *nl = memchr(q, '\n', (size_t)(stop - q));
      if ((size_t)(nl - q) > lf->maxline) { long_line = 1; break; }
      q = nl + 1;
    }
    if (!long_line) {
      log_write(lf, data, whole);
      start = whole;
      if (start < n) buf_add(&pm->partial, data + start, n - start);
      goto tail;
    }
  }
  buf_add(&pm->partial, data, n);
  {
    char *p = pm->partial.p;
    size_t len = pm->partial.len, pos = 0;
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
  pump_feed(pm, "", 0, 1);
  if (pm->job) {
    jobio_t *j = jobio_find(pm->job);
    if (j && j->master == pm->fd) { j->master = -1; if (j->input == pm->fd) j->input = -1; }
  }
  epoll_ctl(epfd, EPOLL_CTL_DEL, pm->fd, NULL);
  close(pm->fd);
  if (pm->log) log_release(pm->log);
  for (pump_t **pp = &pumps; *pp; pp = &(*pp)->next) {
    if (*pp == pm) { *pp = pm->next; break; }
  }
  free(pm->partial.p);
  free(pm->job);
  free(pm);
}

static char readbuf[READ_CHUNK];

static void pump_readable(pump_t *pm) {
  for (int rounds = 0; rounds < 16; rounds++) {
    ssize_t r = read(pm->fd, readbuf, sizeof readbuf);
    if (r > 0) {
      fanout(pm->job, pm->stream, readbuf, (size_t)r);
      pump_feed(pm, readbuf, (size_t)r, 0);
      continue;
    }
    if (r < 0 && (errno == EAGAIN || errno == EINTR)) return;
    pump_close(pm); /* EOF (or EIO from a pty master): every writer is gone */
    return;
  }
}

/* ---------- terminals and attached clients ---------- */


static jobio_t *jobios;

static jobio_t *jobio_find(const char *job) {
  for (jobio_t *j = jobios; j; j = j->next)
    if (strcmp(j->job, job) == 0) return j;
  return NULL;
}

static void jobio_set(const char *job, int input, int master) {
  jobio_t *j = jobio_find(job);
  if (!j) {
    j = calloc(1, sizeof *j);
    if (!j) die("out of memory");
    j->job = strdup(job);
    j->next = jobios;
    jobios = j;
  } else if (j->input >= 0 && j->input != j->master) {
    close(j->input);
  }
  j->input = input;
  j->master = master;
}

/*
 * A connection on the helper's socket. Its first frame says what it is: `hello` makes it
 * the daemon's control connection; `attach job=J` makes it a terminal client of job J, which
 * then exchanges frames [u32 len][type][payload]: from the client 'd' input, 'w' window size
 * (u16 rows, u16 cols), 'e' end of input; to it 'o' stdout, 'e' stderr, 's' a state (JSON).
 */
typedef struct conn {
  int kind; /* KIND_CONN */
  int fd;
  char *job; /* NULL until attached */
  buf_t in, out;
  size_t out_off;
  uint64_t dropped;
  struct conn *next;
} conn_t;

static conn_t *conns;
#define CONN_MAX_OUT (4u << 20)

static void conn_close(conn_t *c) {
  epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  for (conn_t **pp = &conns; *pp; pp = &(*pp)->next) {
    if (*pp == c) { *pp = c->next; break; }
  }
  free(c->job);
  free(c->in.p);
  free(c->out.p);
  free(c);
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
  struct epoll_event ev = {.events = EPOLLIN | (c->out.len ? EPOLLOUT : 0), .data.ptr = c};
  epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Queues a frame for a client; a client that does not read loses output, the job never waits. */
static void conn_send(conn_t *c, char type, const char *data, size_t n) {
  if (c->out.len - c->out_off + n > CONN_MAX_OUT) { c->dropped += n; return; }
  uint32_t len = (uint32_t)n + 1;
  buf_add(&c->out, &len, 4);
  buf_add(&c->out, &type, 1);
  buf_add(&c->out, data, n);
  conn_flush(c);
}

static void fanout(const char *job, char stream, const char *data, size_t n) {
  for (conn_t *c = conns, *next; c; c = next) {
    next = c->next;
    if (c->job && job && strcmp(c->job, job) == 0) conn_send(c, stream, data, n);
  }
}

/* Tells a job's attached clients what happened to it (stopped, continued, exited). */
static void notify_state(const char *job, const char *json) {
  fanout(job, 's', json, strlen(json));
}

static void set_winsize(const char *job, int rows, int cols) {
  jobio_t *j = jobio_find(job);
  if (!j || j->master < 0 || rows <= 0 || cols <= 0) return;
  struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
  ioctl(j->master, TIOCSWINSZ, &ws); /* the kernel sends SIGWINCH to the foreground group */
}

/* A frame from an attached client. */
static void conn_frame(conn_t *c, const char *p, size_t n) {
  if (n < 1) return;
  jobio_t *j = jobio_find(c->job);
  switch (p[0]) {
    case 'd':
      if (j && j->input >= 0) (void)!write(j->input, p + 1, n - 1);
      break;
    case 'w':
      if (n >= 5) {
        uint16_t rows, cols;
        memcpy(&rows, p + 1, 2);
        memcpy(&cols, p + 3, 2);
        set_winsize(c->job, rows, cols);
      }
      break;
    case 'e':
      if (j && j->input >= 0) {
        if (j->input == j->master) (void)!write(j->input, "\x04", 1); /* VEOF on a terminal */
        else { close(j->input); j->input = -1; }
      }
      break;
  }
}

/* ---------- the process table ---------- */

typedef struct proc {
  pid_t pid;
  unsigned long long start; /* ticks since boot: with pid, identifies the process */
  char *job;                /* job key given by the daemon; "" if unknown */
  pid_t pgid;
  int leader;
  int adopted;
  int keeper; /* a pty job's session keeper (ours, not the job's) */
  pid_t sid;  /* a leader's session: its own, or its keeper's */
  struct proc *next;
} proc_t;

static proc_t *procs;

static proc_t *proc_find(pid_t pid) {
  for (proc_t *p = procs; p; p = p->next)
    if (p->pid == pid) return p;
  return NULL;
}

static proc_t *proc_add(pid_t pid, unsigned long long start, const char *job, pid_t pgid, int leader, int adopted) {
  proc_t *p = calloc(1, sizeof *p);
  if (!p) die("out of memory");
  p->pid = pid; p->start = start; p->job = strdup(job); p->pgid = pgid;
  p->leader = leader; p->adopted = adopted;
  if (leader || adopted) ts_track(pid, job, leader); /* its descendants are the job's too */
  p->next = procs;
  procs = p;
  return p;
}

static void proc_remove(proc_t *p) {
  for (proc_t **pp = &procs; *pp; pp = &(*pp)->next) {
    if (*pp == p) { *pp = p->next; break; }
  }
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

/* Durable events carry a seq and are kept until acknowledged. */
static void emit_event(int durable, const char *fmt, ...) {
  buf_t b = {0};
  buf_add(&b, "{", 1);
  if (durable) buf_printf(&b, "\"seq\":%llu,", (unsigned long long)next_seq);
  va_list ap;
  va_start(ap, fmt);
  char tmp[8192];
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n >= (int)sizeof tmp) n = sizeof tmp - 1;
  buf_add(&b, tmp, (size_t)n);
  buf_add(&b, "}\n", 2);
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

static void emit_exit(pid_t pid, int status, struct rusage *ru, pstat_t *ps, proc_t *p, int respawned) {
  buf_t b = {0};
  buf_json_str(&b, p ? p->job : "");
  buf_add(&b, ",\"comm\":", 8);
  buf_json_str(&b, ps->comm);
  buf_add(&b, "", 1);
  emit_event(1,
             "\"ev\":\"exit\",\"respawned\":%d,\"pid\":%d,\"job\":%s,\"leader\":%d,\"adopted\":%d,\"status\":%d,"
             "\"start\":%llu,\"end_us\":%lld,\"ppid\":%d,\"pgid\":%d,\"sid\":%d,\"uid\":%u,\"gid\":%u,"
             "\"kflags\":%lu,\"utime_us\":%lld,\"stime_us\":%lld,\"maxrss\":%ld,\"minflt\":%ld,"
             "\"majflt\":%ld,\"inblock\":%ld,\"oublock\":%ld,\"nvcsw\":%ld,\"nivcsw\":%ld",
             respawned, pid, b.p, p ? p->leader : 0, p ? p->adopted : 1, status, ps->ok ? ps->start : (p ? p->start : 0),
             (long long)now_us(), ps->ppid, ps->pgid, ps->sid, ps->uid, ps->gid, ps->flags,
             (long long)ru->ru_utime.tv_sec * 1000000 + ru->ru_utime.tv_usec,
             (long long)ru->ru_stime.tv_sec * 1000000 + ru->ru_stime.tv_usec, ru->ru_maxrss, ru->ru_minflt,
             ru->ru_majflt, ru->ru_inblock, ru->ru_oublock, ru->ru_nvcsw, ru->ru_nivcsw);
  free(b.p);
}

/* Finds the job an orphan belongs to: by session, then by process group, then by hint. */
static const char *attribute(pstat_t *ps, const char *hint) {
  for (proc_t *p = procs; p; p = p->next)
    if (p->leader && (p->pid == ps->sid || p->pgid == ps->pgid) && p->job[0]) return p->job;
  for (proc_t *p = procs; p; p = p->next)
    if (p->pgid == ps->pgid && p->job[0]) return p->job;
  return hint ? hint : "";
}

/* Adopts children we did not fork: orphans reparented to us as subreaper. */
static void scan_adopted(const char *hint) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/task/%d/children", getpid(), getpid());
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  char data[65536];
  ssize_t n = read(fd, data, sizeof data - 1);
  close(fd);
  if (n <= 0) return;
  data[n] = 0;
  char *save = NULL;
  for (char *tok = strtok_r(data, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
    pid_t pid = atoi(tok);
    if (pid <= 0 || proc_find(pid)) continue;
    pstat_t ps;
    read_pstat(pid, &ps);
    if (!ps.ok) continue;
    const char *job = attribute(&ps, hint);
    proc_add(pid, ps.start, job, ps.pgid, 0, 1);
    buf_t b = {0};
    buf_json_str(&b, job);
    buf_add(&b, ",\"comm\":", 8);
    buf_json_str(&b, ps.comm);
    buf_add(&b, "", 1);
    emit_event(0, "\"ev\":\"adopted\",\"pid\":%d,\"start\":%llu,\"pgid\":%d,\"sid\":%d,\"job\":%s", pid,
               ps.start, ps.pgid, ps.sid, b.p);
    free(b.p);
  }
}

static void respawn(ticket_t *t);

/* What a status word of a process we own means: a stop, a continue, or its end (recorded,
 * maybe restarted at once under a ticket). `p` may be NULL for an orphan seen only now. */
static void handle_status(pid_t pid, int status, struct rusage *ru, pstat_t *ps, proc_t *p, char **hint) {
  ts_readable(); /* kernel records of what ended so far go out before this exit event */
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
    p = proc_add(pid, ps->start, attribute(ps, NULL), ps->pgid, 0, 1);
  }
  if (p->keeper) { proc_remove(p); return; } /* our own session keeper: not a job's process */
  ticket_t *t = p->leader ? ticket_find(p->job) : NULL;
  int again = ticket_allows(t, status);
  emit_exit(pid, status, ru, ps, p, again);
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
  }
  if (again) respawn(t);
  if (p->job[0] && hint) {
    free(*hint);
    *hint = strdup(p->job);
  }
  proc_remove(p);
}

static void reap_all(void) {
  char *hint = NULL;
  for (;;) {
    siginfo_t si;
    memset(&si, 0, sizeof si);
    if (waitid(P_ALL, 0, &si, WEXITED | WSTOPPED | WCONTINUED | WNOHANG | WNOWAIT) < 0) break;
    pid_t pid = si.si_pid;
    if (pid == 0) break;
    pstat_t ps;
    memset(&ps, 0, sizeof ps);
    int gone = si.si_code == CLD_EXITED || si.si_code == CLD_KILLED || si.si_code == CLD_DUMPED;
    if (gone) read_pstat(pid, &ps); /* still a zombie: /proc has its ids and flags */
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    pid_t r = wait4(pid, &status, WNOHANG | WUNTRACED | WCONTINUED, &ru);
    if (r <= 0) continue;
    handle_status(pid, status, &ru, &ps, proc_find(pid), &hint);
  }
  /* A process that just died may have left children: they are ours now. */
  scan_adopted(hint);
  free(hint);
}

/* ---------- spawning ---------- */

typedef struct {
  const char *argv[MAX_ARGS];
  int argc;
  const char *envp[MAX_ARGS];
  int envc;
  const char *job, *cwd, *user, *group, *stdin_path, *out, *err, *tty, *req;
  const char *termios; /* hex of a struct termios for a tty line */
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
} spawn_req_t;



static int parse_target(const char *spec, const char **path) {
  /* log:PATH | file:PATH | append:PATH | null | stdout | inherit */
  if (!spec || strcmp(spec, "null") == 0) { *path = "/dev/null"; return 'n'; }
  if (strcmp(spec, "stdout") == 0) return 's';
  if (strncmp(spec, "log:", 4) == 0) { *path = spec + 4; return 'l'; }
  if (strncmp(spec, "file:", 5) == 0) { *path = spec + 5; return 'f'; }
  if (strncmp(spec, "append:", 7) == 0) { *path = spec + 7; return 'a'; }
  *path = "/dev/null";
  return 'n';
}

/* Where the child failed before exec: the daemon reports it like system() does. */
typedef struct {
  int err;
  char stage[28];
} exec_fail_t;

static void child_fail(int fd, const char *stage) {
  exec_fail_t f = {.err = errno};
  snprintf(f.stage, sizeof f.stage, "%s", stage);
  (void)!write(fd, &f, sizeof f);
  _exit(127);
}

static int open_target(int kind, const char *path) {
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (kind == 'a' ? O_APPEND : O_TRUNC);
  if (kind == 'n') flags = O_WRONLY | O_CLOEXEC;
  return open(path, flags, 0644);
}

#define CHILD_STACK (256 * 1024)

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
  int inr; /* read end of a stdin pipe, or -1 */
  int ttyfd; /* >= 0: already in the keeper's session, this is the terminal */
} child_args_t;

static int child_main(void *arg) {
  child_args_t *a = arg;
    int sfd = a->sfd;
    /* Default dispositions and an empty mask: ignored signals would survive exec. */
    struct sigaction sa = {.sa_handler = SIG_DFL};
    for (int s = 1; s < NSIG; s++) sigaction(s, &sa, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int in = -1, out = -1, err = -1;
    if (a->ttyfd >= 0) {
      in = out = err = a->ttyfd; /* a pty job: the keeper leads the session */
    } else if (setsid() < 0) child_fail(sfd, "setsid");
    const char *ttypath = a->ttyfd >= 0 ? NULL : a->rq->tty && strcmp(a->rq->tty, "pty") == 0 ? a->pty_name : a->rq->tty;
    if (ttypath && ttypath[0]) {
      /* Opened after setsid without O_NOCTTY: it becomes the controlling terminal. */
      int t = open(ttypath, O_RDWR);
      if (t < 0) child_fail(sfd, "tty");
      if (ttypath == a->rq->tty) { /* a terminal line (classic table), not our pty */
        if (!isatty(t)) child_fail(sfd, "tty"); /* errno ENOTTY: /dev/zero is no terminal */
        /* The daemon's own terminal settings, as the article's ioctl(TCSETAF). */
        struct termios tio;
        const char *h = a->rq->termios;
        if (h && strlen(h) == 2 * sizeof tio) {
          for (size_t i = 0; i < 2 * sizeof tio; i++) { /* no stdio here: the child shares our memory */
            int c = h[i], v = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
            ((unsigned char *)&tio)[i / 2] = (unsigned char)(i % 2 ? (((unsigned char *)&tio)[i / 2] << 4) | v : v);
          }
          if (tcsetattr(t, TCSAFLUSH, &tio) < 0) child_fail(sfd, "tcsetattr");
        }
      }
      in = out = err = t;
    }
    if (in < 0 && a->inr >= 0) in = a->inr;
    if (in < 0) {
      in = open(a->rq->stdin_path && a->rq->stdin_path[0] ? a->rq->stdin_path : "/dev/null", O_RDONLY | O_CLOEXEC);
      if (in < 0) child_fail(sfd, "stdin");
    }
    if (out < 0) {
      if (a->outk == 'l') out = a->outw;
      else if ((out = open_target(a->outk, a->outp)) < 0) child_fail(sfd, "stdout");
    }
    if (err < 0) {
      if (a->errk == 's') err = out;
      else if (a->errk == 'l') err = a->errw;
      else if ((err = open_target(a->errk, a->errp)) < 0) child_fail(sfd, "stderr");
    }
    /* dup2 clears close-on-exec on the copies; everything else is closed at exec. */
    int fds[3] = {in, out, err};
    for (int i = 0; i < 3; i++) {
      if (fds[i] == i) { fcntl(i, F_SETFD, 0); continue; }
      int moved = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
      for (int j = i + 1; j < 3; j++) if (fds[j] == fds[i]) fds[j] = moved;
      fds[i] = moved;
    }
    for (int i = 0; i < 3; i++)
      if (dup2(fds[i], i) < 0) child_fail(sfd, "dup2");
    syscall(SYS_close_range, 3, ~0U, 4 /* CLOSE_RANGE_CLOEXEC */);
    fcntl(sfd, F_SETFD, FD_CLOEXEC);
    if (a->ngroups >= 0 && setgroups((size_t)a->ngroups, a->groups) < 0) child_fail(sfd, "setgroups");
    if (a->gid != (gid_t)-1 && setgid(a->gid) < 0) child_fail(sfd, "setgid");
    if (a->uid != (uid_t)-1 && setuid(a->uid) < 0) child_fail(sfd, "setuid");
    if (a->rq->umask_set) umask(a->rq->umask_val);
    if (a->rq->cwd && a->rq->cwd[0] && chdir(a->rq->cwd) < 0) child_fail(sfd, "chdir");
    a->rq->argv[a->rq->argc] = NULL;
    a->rq->envp[a->rq->envc] = NULL;
    execvpe(a->rq->argv[0], (char *const *)a->rq->argv, (char *const *)a->rq->envp);
    child_fail(sfd, "exec");
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
  /* Keep only the exec-status and report pipes, at 3 and 4. */
  int s2 = fcntl(a->sfd, F_DUPFD_CLOEXEC, 1000), r2 = fcntl(rfd, F_DUPFD, 1000);
  dup2(s2, 3);
  dup2(r2, 4);
  fcntl(3, F_SETFD, FD_CLOEXEC);
  syscall(SYS_close_range, 5, ~0U, 0);
  a->sfd = 3;
  rfd = 4;
  signal(SIGTTOU, SIG_IGN);
  if (setsid() < 0) child_fail(3, "setsid");
  int t = open(a->pty_name, O_RDWR | O_CLOEXEC); /* our controlling terminal */
  if (t < 0) child_fail(3, "tty");
  pid_t c = fork();
  if (c < 0) child_fail(3, "fork");
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
  epoll_ctl(epfd, EPOLL_CTL_DEL, k->fd, NULL);
  close(k->fd);
  for (keeper_t **pp = &keepers; *pp; pp = &(*pp)->next) if (*pp == k) { *pp = k->next; break; }
  free(k);
}

static void do_spawn(spawn_req_t *rq) {
  const char *outp = NULL, *errp = NULL;
  int outk = parse_target(rq->out, &outp), errk = parse_target(rq->err, &errp);
  int outpipe[2] = {-1, -1}, errpipe[2] = {-1, -1}, inpipe[2] = {-1, -1}, status_pipe[2];
  int use_pty = rq->tty && strcmp(rq->tty, "pty") == 0;
  int pty_master = -1;
  char pty_name[128] = "";
  logfile_t *outlog = NULL, *errlog = NULL;
  char msg[512] = "";
  int spawn_errno = 0;
  const char *stage = "";

  /* Resolve the user and group here: a bad name is an error for the daemon, not a dead child. */
  uid_t uid = (uid_t)-1;
  gid_t gid = (gid_t)-1;
  const char *username = NULL;
  struct passwd *pw = NULL;
  if (rq->user && rq->user[0]) {
    char *end;
    long n = strtol(rq->user, &end, 10);
    pw = *end == 0 ? getpwuid((uid_t)n) : getpwnam(rq->user);
    if (pw) { uid = pw->pw_uid; gid = pw->pw_gid; username = pw->pw_name; }
    else if (*end == 0) uid = (uid_t)n;
    else { snprintf(msg, sizeof msg, "unknown user \"%s\"", rq->user); goto fail; }
  }
  if (rq->group && rq->group[0]) {
    char *end;
    long n = strtol(rq->group, &end, 10);
    struct group *gr = *end == 0 ? getgrgid((gid_t)n) : getgrnam(rq->group);
    if (gr) gid = gr->gr_gid;
    else if (*end == 0) gid = (gid_t)n;
    else { snprintf(msg, sizeof msg, "unknown group \"%s\"", rq->group); goto fail; }
  }
  gid_t groups[256];
  int ngroups = -1;
  if (username) {
    ngroups = 256;
    if (getgrouplist(username, gid, groups, &ngroups) < 0) ngroups = 256;
  } else if (uid != (uid_t)-1 || gid != (gid_t)-1) {
    ngroups = 0; /* numeric ids: no supplementary groups */
  }

  if (outk == 'l') {
    outlog = log_get(outp, rq->ts, rq->maxsize, rq->keep, rq->period, rq->maxline);
    /* With a pty the child writes to the terminal; its master feeds the log instead. */
    if (!outlog || (!use_pty && pipe2(outpipe, O_CLOEXEC) < 0)) { stage = "log"; spawn_errno = errno; goto fail; }
  }
  if (rq->stdin_path && strcmp(rq->stdin_path, "pipe") == 0 && !use_pty) {
    if (pipe2(inpipe, O_CLOEXEC) < 0) { stage = "pipe"; spawn_errno = errno; goto fail; }
  }
  if (errk == 'l' && !use_pty) {
    errlog = log_get(errp, rq->ts, rq->maxsize, rq->keep, rq->period, rq->maxline);
    if (!errlog || pipe2(errpipe, O_CLOEXEC) < 0) { stage = "log"; spawn_errno = errno; goto fail; }
  }
  if (pipe2(status_pipe, O_CLOEXEC) < 0) { stage = "pipe"; spawn_errno = errno; goto fail; }

  if (use_pty) {
    pty_master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (pty_master < 0 || grantpt(pty_master) < 0 || unlockpt(pty_master) < 0 ||
        ptsname_r(pty_master, pty_name, sizeof pty_name) != 0) {
      stage = "pty"; spawn_errno = errno; goto fail;
    }
    if (rq->rows > 0 && rq->cols > 0) {
      struct winsize ws = {.ws_row = (unsigned short)rq->rows, .ws_col = (unsigned short)rq->cols};
      ioctl(pty_master, TIOCSWINSZ, &ws);
    }
  }

  /* clone(CLONE_VM|CLONE_VFORK) on a stack of its own, as glibc's posix_spawn does: no page
   * tables to copy, and we wait for the exec anyway. The child only reads the request and
   * makes system calls before exec or _exit. */
  child_args_t ca = {.rq = rq, .sfd = status_pipe[1], .pty_name = pty_name, .outk = outk, .errk = errk, .outp = outp,
                     .errp = errp, .outw = outpipe[1], .errw = errpipe[1], .uid = uid, .gid = gid, .groups = groups,
                     .ngroups = ngroups, .inr = inpipe[0], .ttyfd = -1};
  static char *child_stack;
  if (!child_stack) {
    child_stack = malloc(CHILD_STACK);
    if (!child_stack) die("out of memory");
  }
  pid_t pid, keeper = -1;
  int report[2] = {-1, -1};
  if (use_pty) {
    if (pipe2(report, O_CLOEXEC) < 0) { stage = "pipe"; spawn_errno = errno; goto fail; }
    keeper = fork();
    if (keeper < 0) { close(report[0]); close(report[1]); stage = "fork"; spawn_errno = errno; goto fail; }
    if (keeper == 0) keeper_main(&ca, report[1]);
    close(report[1]);
    keeper_msg_t m;
    memset(&m, 0, sizeof m);
    ssize_t got;
    do got = read(report[0], &m, sizeof m); while (got < 0 && errno == EINTR);
    pid = got == (ssize_t)sizeof m ? m.pid : keeper; /* the keeper failed: report it as the job */
  } else {
    pid = clone(child_main, child_stack + CHILD_STACK, CLONE_VM | CLONE_VFORK | SIGCHLD, &ca);
    if (pid < 0) { stage = "fork"; spawn_errno = errno; goto fail; }
  }
  close(status_pipe[1]);
  if (outpipe[1] >= 0) close(outpipe[1]);
  if (errpipe[1] >= 0) close(errpipe[1]);
  if (inpipe[0] >= 0) close(inpipe[0]);
  /* Blocks until exec succeeds (EOF via close-on-exec) or the child reports a failure. */
  exec_fail_t f;
  ssize_t n;
  do n = read(status_pipe[0], &f, sizeof f); while (n < 0 && errno == EINTR);
  close(status_pipe[0]);

  pstat_t ps;
  read_pstat_ids(pid, &ps, 0);
  proc_t *leader = proc_add(pid, ps.start, rq->job, pid, 1, 0);
  leader->sid = keeper > 0 ? keeper : pid;
  if (keeper > 0 && keeper != pid) {
    pstat_t kps;
    read_pstat_ids(keeper, &kps, 0);
    proc_t *kp = proc_add(keeper, kps.start, rq->job, keeper, 0, 0);
    kp->keeper = 1;
    keeper_t *k = calloc(1, sizeof *k);
    if (!k) die("out of memory");
    k->kind = KIND_KEEPER;
    k->fd = report[0];
    k->next = keepers;
    keepers = k;
    fcntl(k->fd, F_SETFL, O_NONBLOCK);
    struct epoll_event kev = {.events = EPOLLIN, .data.ptr = k};
    epoll_ctl(epfd, EPOLL_CTL_ADD, k->fd, &kev);
  } else if (report[0] >= 0) {
    close(report[0]);
  }

  int pfds[3] = {outpipe[0], errpipe[0], pty_master};
  logfile_t *plogs[3] = {outlog, errlog, use_pty ? outlog : NULL};
  char streams[3] = {'o', 'e', 'o'};
  if (use_pty && !outlog) plogs[2] = NULL; /* output only to attached clients */
  for (int i = 0; i < 3; i++) {
    if (pfds[i] < 0) continue;
    fcntl(pfds[i], F_SETFL, O_NONBLOCK);
    if (i < 2) fcntl(pfds[i], F_SETPIPE_SZ, 1 << 20); /* fewer wakeups for chatty programs */
    pump_t *pm = calloc(1, sizeof *pm);
    if (!pm) die("out of memory");
    pm->kind = KIND_PUMP;
    pm->fd = pfds[i];
    pm->log = plogs[i];
    if (i == 2 && pm->log) pm->log->refs++; /* the pty shares out.log's reference */
    pm->job = strdup(rq->job);
    pm->stream = streams[i];
    pm->next = pumps;
    pumps = pm;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = pm};
    epoll_ctl(epfd, EPOLL_CTL_ADD, pm->fd, &ev);
  }
  if (use_pty) {
    if (outlog) log_release(outlog); /* the pty pump holds it now */
    jobio_set(rq->job, pty_master, pty_master);
  } else if (inpipe[1] >= 0) {
    jobio_set(rq->job, inpipe[1], -1);
  }

  buf_t b = {0};
  buf_json_str(&b, rq->job);
  buf_add(&b, "", 1);
  /* A restart the helper did on its own is durable: the daemon must learn the new pid. */
  const char *ev = rq->is_respawn ? "respawned" : "spawned";
  int durable = rq->is_respawn;
  if (n == (ssize_t)sizeof f) {
    buf_t m = {0};
    buf_json_str(&m, strerror(f.err));
    buf_add(&m, "", 1);
    emit_event(durable, "\"ev\":\"%s\",\"req\":%s,\"job\":%s,\"pid\":%d,\"start\":%llu,\"execErrno\":%d,\"stage\":\"%s\",\"error\":%s",
               ev, rq->req ? rq->req : "0", b.p, pid, ps.start, f.err, f.stage, m.p);
    free(m.p);
  } else {
    emit_event(durable, "\"ev\":\"%s\",\"req\":%s,\"job\":%s,\"pid\":%d,\"start\":%llu", ev, rq->req ? rq->req : "0", b.p,
               pid, ps.start);
  }
  free(b.p);
  return;

fail:
  if (!msg[0]) snprintf(msg, sizeof msg, "%s: %s", stage, strerror(spawn_errno));
  if (outpipe[0] >= 0) { close(outpipe[0]); close(outpipe[1]); }
  if (errpipe[0] >= 0) { close(errpipe[0]); close(errpipe[1]); }
  if (inpipe[0] >= 0) { close(inpipe[0]); close(inpipe[1]); }
  if (pty_master >= 0) close(pty_master);
  if (outlog) log_release(outlog);
  if (errlog) log_release(errlog);
  {
    buf_t b = {0}, m = {0};
    buf_json_str(&b, rq->job);
    buf_add(&b, "", 1);
    buf_json_str(&m, msg);
    buf_add(&m, "", 1);
    emit_event(0, "\"ev\":\"spawn-error\",\"req\":%s,\"job\":%s,\"error\":%s", rq->req ? rq->req : "0", b.p, m.p);
    free(b.p);
    free(m.p);
  }
}

/* ---------- signals to jobs ---------- */

/* Signals everything of a job: its process group, every process we track for it, and
 * (with all) every process still in its session, found by scanning /proc. */
static int signal_job(const char *job, int sig, int all) {
  int count = 0;
  pid_t sid = 0;
  for (proc_t *p = procs; p; p = p->next) {
    if (strcmp(p->job, job) != 0) continue;
    if (p->keeper) continue; /* it leaves when its job does */
    if (p->leader) { sid = p->sid ? p->sid : p->pid; if (kill(-p->pgid, sig) == 0) count++; }
    if (all || p->leader) if (kill(p->pid, sig) == 0) count++;
  }
  if (all && sid > 0) {
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d))) {
      pid_t pid = atoi(e->d_name);
      if (pid <= 0) continue;
      pstat_t ps;
      read_pstat(pid, &ps);
      if (ps.ok && ps.sid == sid && ps.state != 'Z' && kill(pid, sig) == 0) count++;
    }
    if (d) closedir(d);
  }
  return count;
}

/* ---------- requests from the daemon ---------- */

static buf_t inbuf;

static int respawning, respawn_budget;

static void handle_frame(char *p, size_t n) {
  /* verb\0 key\0 value\0 ... */
  char *frame_start = p;
  size_t frame_len = n;
  char *end = p + n;
  const char *verb = p;
  p += strlen(p) + 1;
  static spawn_req_t rq;
  memset(&rq, 0, sizeof rq);
  rq.maxline = 64 * 1024;
  rq.keep = 10;
  const char *a_job = NULL, *a_sig = NULL, *a_all = NULL, *a_seq = NULL, *a_pid = NULL, *a_path = NULL;
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
    else if (strcmp(k, "termios") == 0) rq.termios = v;
    else if (strcmp(k, "req") == 0) rq.req = v;
    else if (strcmp(k, "umask") == 0) { rq.umask_set = 1; rq.umask_val = (mode_t)strtol(v, NULL, 8); }
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
    else if (strcmp(k, "sig") == 0) a_sig = v;
    else if (strcmp(k, "all") == 0) a_all = v;
    else if (strcmp(k, "seq") == 0) a_seq = v;
    else if (strcmp(k, "pid") == 0) a_pid = v;
    else if (strcmp(k, "path") == 0) a_path = v;
  }
  if (rq.maxline == 0) rq.maxline = 64 * 1024;
  if (strcmp(verb, "spawn") == 0) {
    if (rq.argc == 0 || !rq.job) {
      emit_event(0, "\"ev\":\"spawn-error\",\"req\":%s,\"job\":\"\",\"error\":\"no command\"", rq.req ? rq.req : "0");
      return;
    }
    rq.is_respawn = respawning;
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
  } else if (strcmp(verb, "disarm") == 0 && a_job) {
    ticket_drop(a_job);
  } else if (strcmp(verb, "signal") == 0 && a_job && a_sig) {
    int all = a_all && strcmp(a_all, "1") == 0;
    if (all) ticket_drop(a_job); /* a stop: no restart behind the daemon's back */
    int n = signal_job(a_job, atoi(a_sig), all);
    buf_t b = {0};
    buf_json_str(&b, a_job);
    buf_add(&b, "", 1);
    emit_event(0, "\"ev\":\"signalled\",\"job\":%s,\"sig\":%d,\"count\":%d", b.p, atoi(a_sig), n);
    free(b.p);
  } else if (strcmp(verb, "kill") == 0 && a_pid && a_sig) {
    /* Only a process we have not reaped: its pid cannot have been reused. */
    pid_t pid = atoi(a_pid);
    if (proc_find(pid)) kill(pid, atoi(a_sig));
  } else if (strcmp(verb, "ack") == 0 && a_seq) {
    events_ack(strtoull(a_seq, NULL, 10));
  } else if (strcmp(verb, "hello") == 0) {
    sendq.len = sendq_off = 0;
    buf_t b = {0};
    buf_printf(&b, "{\"ev\":\"hello\",\"pid\":%d,\"epoch\":\"%llu\",\"version\":\"%s\",\"acct\":\"%s\"}\n", getpid(),
               (unsigned long long)epoch, VERSION, ts_enabled() ? "taskstats" : "wait4");
    for (proc_t *q = procs; q; q = q->next) {
      if (q->keeper) continue;
      buf_printf(&b, "{\"ev\":\"child\",\"pid\":%d,\"start\":%llu,\"leader\":%d,\"adopted\":%d,\"pgid\":%d,\"job\":",
                 q->pid, q->start, q->leader, q->adopted, q->pgid);
      buf_json_str(&b, q->job);
      buf_add(&b, "}\n", 2);
    }
    client_queue(b.p, b.len);
    free(b.p);
    for (size_t i = 0; i < nevents; i++) client_queue(events[i].line, events[i].len);
    client_queue("{\"ev\":\"ready\"}\n", 15);
  } else if (strcmp(verb, "reopen") == 0) {
    log_reopen_all();
  } else if (strcmp(verb, "truncate") == 0 && a_path) {
    for (logfile_t *lf = logfiles; lf; lf = lf->next)
      if (strcmp(lf->path, a_path) == 0) { if (ftruncate(lf->fd, 0) == 0) lf->size = 0; }
  } else if (strcmp(verb, "quit") == 0) {
    client_flush();
    exit(0);
  }
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

/* Handles every complete frame the daemon has sent. */
static void client_frames(void) {
  size_t pos = 0;
  while (inbuf.len - pos >= 4) {
    uint32_t len;
    memcpy(&len, inbuf.p + pos, 4);
    if (inbuf.len - pos - 4 < len) break;
    buf_reserve(&inbuf, 1);
    char *frame = inbuf.p + pos + 4;
    handle_frame(frame, len);
    if (client < 0) return;
    pos += 4 + len;
  }
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
    ssize_t r = recv(c->fd, tmp, sizeof tmp, MSG_DONTWAIT);
    if (r > 0) { buf_add(&c->in, tmp, (size_t)r); continue; }
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
        free(c->in.p); free(c->out.p); free(c);
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
      conn_send(c, 's', "{\"ev\":\"attached\"}", 17);
    } else {
      conn_frame(c, f, len);
    }
    pos += 4 + len;
  }
  memmove(c->in.p, c->in.p + pos, c->in.len - pos);
  c->in.len -= pos;
}

static int keeper_is_live(void *ptr) {
  for (keeper_t *q = keepers; q; q = q->next) if ((void *)q == ptr) return 1;
  return 0;
}

static int conn_is_live(void *ptr) {
  for (conn_t *q = conns; q; q = q->next) if ((void *)q == ptr) return 1;
  return 0;
}

/* ---------- main ---------- */

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: appinit-supervise SOCKET [PIDFILE]\n");
    return 2;
  }
  const char *sockpath = argv[1];
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

  int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (lfd < 0) die("socket");
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(sockpath) >= sizeof addr.sun_path) { errno = ENAMETOOLONG; die(sockpath); }
  strcpy(addr.sun_path, sockpath);
  unlink(sockpath);
  mode_t old = umask(077); /* the socket is private: mode 0600 */
  if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind");
  umask(old);
  if (listen(lfd, 8) < 0) die("listen");
  if (argc >= 3) {
    FILE *fp = fopen(argv[2], "we");
    if (fp) { fprintf(fp, "%d\n", getpid()); fclose(fp); }
  }

  epfd = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = {.events = EPOLLIN, .data.fd = lfd};
  epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev);
  ev.data.fd = sfd;
  epoll_ctl(epfd, EPOLL_CTL_ADD, sfd, &ev);
  int tsfd = ts_open(emit_event); /* root only: kernel accounting records (native/taskstats.c) */
  if (tsfd >= 0) { ev.data.fd = tsfd; epoll_ctl(epfd, EPOLL_CTL_ADD, tsfd, &ev); }
  /* Tag fds and pumps apart: pumps are pointers, fds are small ints below 1<<20. */

  struct epoll_event evs[64];
  for (;;) {
    client_flush();
    int n = epoll_wait(epfd, evs, 64, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("epoll_wait");
    }
    for (int i = 0; i < n; i++) {
      uint64_t tag = evs[i].data.u64;
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
        cn->next = conns;
        conns = cn;
        struct epoll_event cev = {.events = EPOLLIN, .data.ptr = cn};
        epoll_ctl(epfd, EPOLL_CTL_ADD, c, &cev);
      } else if (tag == (uint64_t)sfd) {
        struct signalfd_siginfo si;
        int term = 0;
        while (read(sfd, &si, sizeof si) == sizeof si)
          if (si.ssi_signo == SIGTERM) term = 1;
        reap_all();
        if (term) {
          /* SIGTERM: the daemon's job; we only leave when nothing is left to own. */
          if (!procs) exit(0);
        }
      } else if (tsfd >= 0 && tag == (uint64_t)tsfd) {
        ts_readable();
      } else if (client >= 0 && tag == (uint64_t)client) {
        if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) client_readable();
        if (client >= 0 && (evs[i].events & EPOLLOUT)) client_flush();
      } else if (conn_is_live(evs[i].data.ptr)) {
        conn_t *cn = evs[i].data.ptr;
        if (evs[i].events & EPOLLOUT) conn_flush(cn);
        /* conn_flush may have closed it: look it up again before reading. */
        int live = 0;
        for (conn_t *q = conns; q; q = q->next) if (q == cn) live = 1;
        if (live && (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) conn_readable(cn);
      } else if (keeper_is_live(evs[i].data.ptr)) {
        keeper_readable(evs[i].data.ptr);
      } else {
        /* An earlier event of this batch (a reap draining a job's output) may have closed it. */
        pump_t *pm = evs[i].data.ptr;
        int live = 0;
        for (pump_t *q = pumps; q; q = q->next) if (q == pm) { live = 1; break; }
        if (live) pump_readable(pm);
      }
    }
  }
}
