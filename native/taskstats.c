/*
 * Kernel accounting records for appinit-supervise (see taskstats.h).
 *
 * Why two sockets: a taskstats message arrives after its task is gone, with the task's pid,
 * tgid and parent but not its session or group, and a process reaped by its own parent (the
 * `date` of `sh -c 'date; ...'`) is gone from /proc before we can look. The process
 * connector's fork events let us follow every descendant of a job from its birth: a child of
 * a known process belongs to the same job. A fork is reported before the child can exit, so
 * draining the connector after each taskstats read (and before handling what was read) has
 * every fork that preceded those exits.
 *
 * Why sum threads here: the kernel sends one taskstats message per thread; the per-process
 * aggregate it adds carries only delay accounting. The kernel's own acct record is the sum of
 * the threads (CPU, faults), with the exit code and AFORK of the main thread, so is ours.
 */
#define _GNU_SOURCE
#include "taskstats.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/taskstats.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* linux/acct.h's flags (its header clashes with glibc's sys/acct.h). */
#define T_AFORK 0x01
#define T_ASU 0x02
#define T_ACORE 0x08
#define T_AXSIG 0x10
#define T_AGROUP 0x20

/* Event filter of the process connector (Linux 6.6); older headers lack it. */
struct ts_proc_input {
  uint32_t mcast_op;
  uint32_t event_type;
};

static ts_emit_fn emit;
static int gfd = -1, cfd = -1, pfd = -1; /* pfd: what the caller polls (gfd once open) */
static uint16_t family;
static unsigned long long lost_exits, lost_forks;
/* A child forked at open to prove that both kinds of message arrive here. */
static pid_t probe_pid;
static int probe_forked, probe_ended;

/* ---------- the processes of jobs, by tgid ---------- */

typedef struct tproc {
  pid_t pid;
  char *job;
  int leader;
  unsigned tty;      /* tty_nr as /proc shows it; 0 after setsid */
  uint64_t since_ns; /* CLOCK_MONOTONIC when it became known (fork events use the same clock) */
  int born;          /* since_ns is its fork's timestamp: its start, to the microsecond */
  /* threads that ended before the last one, summed */
  int threads;
  struct taskstats sum;
  int main_seen;     /* the main thread (pid == tgid) ended before the last thread */
  uint32_t main_exitcode;
  uint8_t main_fork;
  uint64_t main_etime;
  int doomed;        /* dead when tracked, or its record may be lost: dropped after a whole drain */
  struct tproc *next;
} tproc_t;

#define NBUCKETS 4096
static tproc_t *table[NBUCKETS];
static unsigned doomed; /* entries marked doomed, swept when a drain has read every record */

static uint64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static tproc_t **slot(pid_t pid) {
  tproc_t **pp = &table[(unsigned)pid % NBUCKETS];
  while (*pp && (*pp)->pid != pid) pp = &(*pp)->next;
  return pp;
}

static tproc_t *find(pid_t pid) { return *slot(pid); }

static void drop(pid_t pid) {
  tproc_t **pp = slot(pid), *p = *pp;
  if (!p) return;
  if (p->doomed) doomed--;
  *pp = p->next;
  free(p->job);
  free(p);
}

static tproc_t *add(pid_t pid, const char *job, int leader, unsigned tty, uint64_t since) {
  tproc_t *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  p->pid = pid;
  p->job = strdup(job);
  p->leader = leader;
  p->tty = tty;
  p->since_ns = since;
  unsigned b = (unsigned)pid % NBUCKETS;
  p->next = table[b];
  table[b] = p;
  return p;
}

/* Field 7 of /proc/PID/stat: the controlling terminal; -1 when the process is gone. */
static long read_tty(pid_t pid) {
  char path[64], data[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, data, sizeof data - 1);
  close(fd);
  if (n <= 0) return -1;
  data[n] = 0;
  char *rp = strrchr(data, ')');
  unsigned tty = 0;
  char state;
  int ppid, pgrp, sid;
  if (rp && sscanf(rp + 2, "%c %d %d %d %u", &state, &ppid, &pgrp, &sid, &tty) == 5) return tty;
  return -1;
}

void ts_track(pid_t pid, const char *job, int leader) { ts_track_tty(pid, job, leader, -1); }

void ts_track_tty(pid_t pid, const char *job, int leader, long tty) {
  if (pfd < 0 || !job || !job[0]) return;
  tproc_t *p = find(pid);
  /* A leader was just forked by us or our keeper, neither of which is followed: an entry for
   * its pid is an earlier process's whose record never came (lost, or its orphan was tracked
   * after its record). Kept, it named the old job, and the leader's own fork event then dropped
   * it as a reused pid: the new job lost every record but wait4's. */
  if (p && leader) { drop(pid); p = NULL; }
  if (p) return;
  if (tty < 0) tty = read_tty(pid);
  add(pid, job, leader, tty > 0 ? (unsigned)tty : 0, mono_ns());
}

void ts_reaped(pid_t pid) {
  tproc_t *p = find(pid);
  if (p && !p->doomed) { p->doomed = 1; doomed++; }
}

/* Drops the doomed entries: called when every record queued so far has been read, so a doomed
 * process's own record, queued at its exit before its parent could reap it, has had its turn. */
static void sweep_doomed(void) {
  for (unsigned b = 0; b < NBUCKETS && doomed; b++)
    for (tproc_t **pp = &table[b]; *pp;) {
      tproc_t *p = *pp;
      if (!p->doomed) { pp = &p->next; continue; }
      *pp = p->next;
      doomed--;
      free(p->job);
      free(p);
    }
}

/* Records were lost: the entries of processes gone meanwhile would never be dropped. */
static void doom_the_gone(void) {
  for (unsigned b = 0; b < NBUCKETS; b++)
    for (tproc_t *p = table[b]; p; p = p->next)
      if (!p->doomed && kill(p->pid, 0) < 0 && errno == ESRCH) { p->doomed = 1; doomed++; }
}

int ts_enabled(void) { return pfd >= 0; }

/* ---------- netlink plumbing ---------- */

static int nl_send(int fd, uint16_t type, uint16_t flags, uint8_t cmd, uint16_t attr, const void *data, uint16_t len) {
  struct {
    struct nlmsghdr n;
    struct genlmsghdr g;
    char buf[512];
  } req;
  memset(&req, 0, sizeof req);
  req.n.nlmsg_type = type;
  req.n.nlmsg_flags = NLM_F_REQUEST | flags;
  req.n.nlmsg_seq = 1;
  req.g.cmd = cmd;
  req.g.version = 1;
  struct nlattr *na = (struct nlattr *)req.buf;
  na->nla_type = attr;
  na->nla_len = (uint16_t)(NLA_HDRLEN + len);
  memcpy((char *)na + NLA_HDRLEN, data, len);
  req.n.nlmsg_len = (uint32_t)(NLMSG_LENGTH(GENL_HDRLEN) + NLA_ALIGN(na->nla_len));
  struct sockaddr_nl to = {.nl_family = AF_NETLINK};
  return sendto(fd, &req, req.n.nlmsg_len, 0, (struct sockaddr *)&to, sizeof to) < 0 ? -1 : 0;
}

/* Resolves the TASKSTATS generic netlink family. */
static int get_family(int fd) {
  if (nl_send(fd, GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_NAME, TASKSTATS_GENL_NAME,
              sizeof TASKSTATS_GENL_NAME) < 0)
    return -1;
  char buf[8192];
  ssize_t n = recv(fd, buf, sizeof buf, 0);
  if (n <= 0) return -1;
  struct nlmsghdr *h = (struct nlmsghdr *)buf;
  if (!NLMSG_OK(h, (size_t)n) || h->nlmsg_type == NLMSG_ERROR) return -1;
  char *p = (char *)NLMSG_DATA(h) + GENL_HDRLEN, *end = (char *)h + h->nlmsg_len;
  while (p + NLA_HDRLEN <= end) {
    struct nlattr *na = (struct nlattr *)p;
    if (na->nla_len < NLA_HDRLEN) break;
    if (na->nla_type == CTRL_ATTR_FAMILY_ID) return *(uint16_t *)((char *)na + NLA_HDRLEN);
    p += NLA_ALIGN(na->nla_len);
  }
  return -1;
}

/* Waits for the kernel's answer to a request sent with NLM_F_ACK; 0 when it succeeded. */
static int get_ack(int fd) {
  char buf[4096];
  ssize_t n = recv(fd, buf, sizeof buf, 0);
  if (n <= 0) return -1;
  struct nlmsghdr *h = (struct nlmsghdr *)buf;
  if (!NLMSG_OK(h, (size_t)n) || h->nlmsg_type != NLMSG_ERROR) return -1;
  struct nlmsgerr *e = NLMSG_DATA(h);
  if (e->error) { errno = -e->error; return -1; }
  return 0;
}

static int open_taskstats(void) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
  if (fd < 0) return -1;
  struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
  int sz = 8 << 20;
  /* A smaller buffer, for the test that makes the kernel drop records (acct-kernel.test). */
  const char *want = getenv("APPINIT_TASKSTATS_RCVBUF");
  if (want && atoi(want) > 0) sz = atoi(want);
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) goto fail;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz) < 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
  int fam = get_family(fd);
  if (fam < 0) goto fail;
  family = (uint16_t)fam;
  /* Every possible CPU: a task's exit is reported on the CPU it ends on. */
  char mask[256] = "0";
  FILE *fp = fopen("/sys/devices/system/cpu/possible", "re");
  if (fp) {
    if (!fgets(mask, sizeof mask, fp)) strcpy(mask, "0");
    fclose(fp);
    mask[strcspn(mask, "\n")] = 0;
  }
  if (nl_send(fd, family, NLM_F_ACK, TASKSTATS_CMD_GET, TASKSTATS_CMD_ATTR_REGISTER_CPUMASK, mask,
              (uint16_t)(strlen(mask) + 1)) < 0 || get_ack(fd) < 0)
    goto fail;
  fcntl(fd, F_SETFL, O_NONBLOCK);
  return fd;
fail:
  close(fd);
  return -1;
}

static int open_connector(void) {
  int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);
  if (fd < 0) return -1;
  struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC};
  int sz = 8 << 20;
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) goto fail;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz) < 0) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
  /* Only fork and setsid events where the kernel can filter (6.6 and later): fewer wakeups. */
  struct utsname u;
  int major = 0, minor = 0;
  if (uname(&u) == 0) sscanf(u.release, "%d.%d", &major, &minor);
  int filter = major > 6 || (major == 6 && minor >= 6);
  struct {
    struct nlmsghdr n;
    struct cn_msg c;
    struct ts_proc_input in;
  } __attribute__((packed)) msg;
  memset(&msg, 0, sizeof msg);
  size_t body = filter ? sizeof msg.in : sizeof msg.in.mcast_op;
  msg.n.nlmsg_len = (uint32_t)(sizeof msg.n + sizeof msg.c + body);
  msg.n.nlmsg_type = NLMSG_DONE;
  msg.c.id.idx = CN_IDX_PROC;
  msg.c.id.val = CN_VAL_PROC;
  msg.c.len = (uint16_t)body;
  msg.in.mcast_op = PROC_CN_MCAST_LISTEN;
  msg.in.event_type = PROC_EVENT_FORK | PROC_EVENT_SID;
  if (send(fd, &msg, msg.n.nlmsg_len, 0) < 0) goto fail;
  fcntl(fd, F_SETFL, O_NONBLOCK);
  return fd;
fail:
  close(fd);
  return -1;
}

/* Sockets can open and still stay silent (another network namespace, a kernel without the
 * events): a child that exits at once must show up as a fork and as a taskstats record. */
static int probe(void) {
  pid_t c = fork();
  if (c < 0) return -1;
  if (c == 0) _exit(0);
  probe_pid = c;
  waitpid(c, NULL, 0);
  uint64_t until = mono_ns() + 1000000000ull;
  while (!(probe_forked && probe_ended) && mono_ns() < until) {
    struct pollfd pf = {.fd = gfd, .events = POLLIN};
    if (poll(&pf, 1, 100) > 0) ts_readable();
  }
  probe_pid = 0;
  return probe_forked && probe_ended ? 0 : -1;
}

int ts_open(ts_emit_fn fn) {
  /* APPINIT_ACCT=wait4 keeps a root helper off the machine-wide listener (and lets the bench compare). */
  const char *want = getenv("APPINIT_ACCT");
  if (geteuid() != 0 || (want && strcmp(want, "wait4") == 0)) return -1;
  emit = fn;
  cfd = open_connector();
  if (cfd < 0) return -1;
  gfd = open_taskstats();
  if (gfd < 0) { close(cfd); cfd = -1; return -1; }
  /* Only exits wake us: a fork is always followed by an exit, and forks are read just before
   * the exits that follow them (an 8 MB buffer holds thousands of forks meanwhile). Half the
   * wakeups, for exits anywhere on the machine. */
  pfd = gfd;
  if (probe() < 0) {
    fprintf(stderr, "appinit-supervise: taskstats opened but reports nothing here; accounting from wait4\n");
    close(gfd); close(cfd);
    pfd = gfd = cfd = -1;
    return -1;
  }
  return pfd;
}

/* ---------- fork and setsid events ---------- */

static void on_proc_event(const struct proc_event *e) {
  if (e->what == PROC_EVENT_FORK) {
    pid_t child = e->event_data.fork.child_tgid;
    if (probe_pid && child == probe_pid) probe_forked = 1;
    if (e->event_data.fork.child_pid != child) return; /* a thread: accounted with its process */
    tproc_t *old = find(child);
    /* Known since before this process was born: a pid reused after a record we never got. */
    if (old && old->since_ns < e->timestamp_ns) { drop(child); old = NULL; }
    /* Tracked (a leader we forked) before its fork was read: now we know when it started. */
    if (old && !old->born) { old->since_ns = e->timestamp_ns; old->born = 1; }
    tproc_t *parent = find(e->event_data.fork.parent_tgid);
    if (parent && !old) {
      /* A leader may have been tracked before it took its terminal (it opens it after setsid,
       * and a FIFO or terminal open may wait): look again while it is alive. */
      if (parent->leader) {
        long tty = read_tty(parent->pid);
        if (tty >= 0) parent->tty = (unsigned)tty;
      }
      tproc_t *p = add(child, parent->job, 0, parent->tty, e->timestamp_ns);
      if (p) p->born = 1;
    }
  } else if (e->what == PROC_EVENT_SID) {
    tproc_t *p = find(e->event_data.sid.process_tgid);
    if (p) p->tty = 0; /* a new session has no controlling terminal */
  }
}

/* The daemon tells its users that accounting is incomplete (`appinit info`, `appinit acct`). */
static void say_lost(void) {
  emit(0, "\"ev\":\"acct-lost\",\"exits\":%llu,\"forks\":%llu", lost_exits, lost_forks);
}

static char cbuf[65536] __attribute__((aligned(NLMSG_ALIGNTO)));

static void drain_connector(void) {
  for (;;) {
    ssize_t n = recv(cfd, cbuf, sizeof cbuf, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == ENOBUFS) {
        lost_forks++;
        fprintf(stderr, "appinit-supervise: fork events lost (%llu)\n", lost_forks);
        say_lost();
        continue;
      }
      return;
    }
    if (n == 0) return;
    for (struct nlmsghdr *h = (struct nlmsghdr *)cbuf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_type == NLMSG_ERROR || h->nlmsg_type == NLMSG_NOOP) continue;
      struct cn_msg *c = NLMSG_DATA(h);
      if (c->id.idx != CN_IDX_PROC || c->id.val != CN_VAL_PROC || c->len < 24) continue; /* header + the smallest event we read */
      on_proc_event((const struct proc_event *)c->data);
    }
  }
}

/* ---------- exits ---------- */

static void json_str(char *out, size_t cap, const char *s) {
  size_t o = 0;
  out[o++] = '"';
  for (; *s && o + 8 < cap; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') { out[o++] = '\\'; out[o++] = (char)c; }
    else if (c < 0x20) o += (size_t)snprintf(out + o, cap - o, "\\u%04x", c);
    else out[o++] = (char)c;
  }
  out[o++] = '"';
  out[o] = 0;
}

#define SUM(f) a->f += t->f
static void add_thread(struct taskstats *a, const struct taskstats *t) {
  SUM(ac_utime); SUM(ac_stime); SUM(ac_minflt); SUM(ac_majflt); SUM(coremem); SUM(virtmem);
  SUM(read_char); SUM(write_char); SUM(read_syscalls); SUM(write_syscalls); SUM(read_bytes);
  SUM(write_bytes); SUM(cancelled_write_bytes); SUM(nvcsw); SUM(nivcsw);
  a->ac_flag |= t->ac_flag & (T_ASU | T_ACORE | T_AXSIG);
  if (t->hiwater_rss > a->hiwater_rss) a->hiwater_rss = t->hiwater_rss;
  if (t->hiwater_vm > a->hiwater_vm) a->hiwater_vm = t->hiwater_vm;
}
#undef SUM

static unsigned leaders_ended; /* records sent for job leaders: their SIGCHLD comes to the helper next */
unsigned ts_leaders_ended(void) { return leaders_ended; }

/* The last leaders' records sent, until their reap takes them (ts_leader_sent): a leader's
 * record goes out before its zombie is reaped, so a small ring is enough; an entry a reap never
 * took is overwritten. */
#define SENT_RING 32
static ts_sent_t sent_ring[SENT_RING];
static unsigned sent_next;

int ts_leader_sent(pid_t pid, ts_sent_t *out) {
  for (unsigned i = 0; i < SENT_RING; i++) {
    ts_sent_t *e = &sent_ring[(sent_next - 1 - i) % SENT_RING];
    if (e->pid != pid) continue;
    *out = *e;
    e->pid = 0;
    return 1;
  }
  return 0;
}

/* One task's stats; `len` is how much of the struct this kernel sent. */
static void on_task(const struct taskstats *t, size_t len) {
  if (probe_pid && (pid_t)t->ac_pid == probe_pid) probe_ended = 1;
  tproc_t *p = find((pid_t)t->ac_tgid);
  if (!p) return;
  int has_tgetime = len >= offsetof(struct taskstats, ac_tgetime) + sizeof t->ac_tgetime;
  if (!(t->ac_flag & T_AGROUP)) { /* a thread that is not the last of its process */
    add_thread(&p->sum, t);
    p->threads++;
    if (t->ac_pid == t->ac_tgid) {
      p->main_seen = 1;
      p->main_exitcode = t->ac_exitcode;
      p->main_fork = t->ac_flag & T_AFORK;
      p->main_etime = t->ac_etime;
    }
    return;
  }
  struct taskstats s = *t;
  uint64_t etime = has_tgetime && t->ac_tgetime ? t->ac_tgetime : t->ac_etime;
  if (p->threads) {
    add_thread(&s, &p->sum);
    if (p->main_seen) {
      s.ac_exitcode = p->main_exitcode;
      s.ac_flag = (uint8_t)((s.ac_flag & ~T_AFORK) | p->main_fork);
      if (!(has_tgetime && t->ac_tgetime)) etime = p->main_etime;
    }
  }
  /* Start and end on the wall clock from the fork's timestamp (monotonic), not from when this
   * message is read: exact however late the helper reads it. */
  struct timespec now, mono;
  clock_gettime(CLOCK_REALTIME, &now);
  clock_gettime(CLOCK_MONOTONIC, &mono);
  long long now_us = (long long)now.tv_sec * 1000000 + now.tv_nsec / 1000;
  long long end_us = now_us;
  if (p->born) {
    long long offset_us = now_us - ((long long)mono.tv_sec * 1000000 + mono.tv_nsec / 1000);
    long long start_us = (long long)(p->since_ns / 1000) + offset_us;
    if (start_us + (long long)etime <= now_us) end_us = start_us + (long long)etime;
  }
  char job[512], comm[80];
  json_str(job, sizeof job, p->job);
  char c16[TS_COMM_LEN + 1];
  memcpy(c16, s.ac_comm, TS_COMM_LEN);
  c16[TS_COMM_LEN] = 0;
  json_str(comm, sizeof comm, c16);
  emit(1,
       "\"ev\":\"taskstats\",\"pid\":%u,\"ppid\":%u,\"job\":%s,\"leader\":%d,\"threads\":%d,\"uid\":%u,\"gid\":%u,"
       "\"comm\":%s,\"status\":%u,\"acflag\":%u,\"tty\":%u,\"nice\":%d,\"btime\":%llu,\"etime_us\":%llu,"
       "\"end_us\":%lld,\"utime_us\":%llu,\"stime_us\":%llu,\"minflt\":%llu,\"majflt\":%llu,"
       "\"coremem\":%llu,\"virtmem\":%llu,\"hiwater_rss\":%llu,\"hiwater_vm\":%llu,\"rchar\":%llu,"
       "\"wchar\":%llu,\"syscr\":%llu,\"syscw\":%llu,\"read_bytes\":%llu,\"write_bytes\":%llu,"
       "\"cancelled_write_bytes\":%llu,\"nvcsw\":%llu,\"nivcsw\":%llu",
       s.ac_tgid, s.ac_ppid, job, p->leader, p->threads + 1, s.ac_uid, s.ac_gid, comm, s.ac_exitcode,
       s.ac_flag & (T_AFORK | T_ASU | T_ACORE | T_AXSIG), p->tty, (int)(int8_t)s.ac_nice,
       (unsigned long long)s.ac_btime64, (unsigned long long)etime,
       end_us, (unsigned long long)s.ac_utime,
       (unsigned long long)s.ac_stime, (unsigned long long)s.ac_minflt, (unsigned long long)s.ac_majflt,
       (unsigned long long)s.coremem, (unsigned long long)s.virtmem, (unsigned long long)s.hiwater_rss,
       (unsigned long long)s.hiwater_vm, (unsigned long long)s.read_char, (unsigned long long)s.write_char,
       (unsigned long long)s.read_syscalls, (unsigned long long)s.write_syscalls,
       (unsigned long long)s.read_bytes, (unsigned long long)s.write_bytes,
       (unsigned long long)s.cancelled_write_bytes, (unsigned long long)s.nvcsw, (unsigned long long)s.nivcsw);
  if (p->leader) {
    leaders_ended++;
    ts_sent_t *e = &sent_ring[sent_next++ % SENT_RING];
    e->pid = (pid_t)s.ac_tgid;
    e->ppid = (pid_t)s.ac_ppid;
    e->uid = s.ac_uid;
    e->gid = s.ac_gid;
    e->acflag = s.ac_flag;
    snprintf(e->comm, sizeof e->comm, "%s", c16);
  }
  drop(p->pid);
}

static char gbuf[65536] __attribute__((aligned(NLMSG_ALIGNTO)));

static void on_genl(struct nlmsghdr *h) {
  if (h->nlmsg_type != family) return;
  char *p = (char *)NLMSG_DATA(h) + GENL_HDRLEN, *end = (char *)h + h->nlmsg_len;
  while (p + NLA_HDRLEN <= end) {
    struct nlattr *na = (struct nlattr *)p;
    if (na->nla_len < NLA_HDRLEN || p + na->nla_len > end) break;
    if (na->nla_type == TASKSTATS_TYPE_AGGR_PID) {
      char *q = p + NLA_HDRLEN, *qend = p + na->nla_len;
      while (q + NLA_HDRLEN <= qend) {
        struct nlattr *in = (struct nlattr *)q;
        if (in->nla_len < NLA_HDRLEN || q + in->nla_len > qend) break;
        if (in->nla_type == TASKSTATS_TYPE_STATS) {
          struct taskstats t;
          size_t len = in->nla_len - NLA_HDRLEN;
          memset(&t, 0, sizeof t);
          memcpy(&t, q + NLA_HDRLEN, len < sizeof t ? len : sizeof t);
          on_task(&t, len);
        }
        q += NLA_ALIGN(in->nla_len);
      }
    }
    /* TASKSTATS_TYPE_AGGR_TGID carries only delay accounting for a process: summed above. */
    p += NLA_ALIGN(na->nla_len);
  }
}

void ts_readable(void) {
  if (pfd < 0) return;
  /* Bounded, so that a storm of exits elsewhere on the machine cannot starve the helper; the
   * fd stays readable and the rest comes on the next turn. */
  for (int rounds = 0; rounds < 4096; rounds++) {
    ssize_t n = recv(gfd, gbuf, sizeof gbuf, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == ENOBUFS) {
        lost_exits++;
        fprintf(stderr, "appinit-supervise: taskstats records lost (%llu)\n", lost_exits);
        say_lost();
        doom_the_gone();
        continue;
      }
      if ((errno == EAGAIN || errno == EWOULDBLOCK) && doomed) sweep_doomed(); /* read to the end */
      break;
    }
    if (n == 0) break;
    /* Every fork that happened before these exits is queued by now. */
    drain_connector();
    for (struct nlmsghdr *h = (struct nlmsghdr *)gbuf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) on_genl(h);
  }
}
