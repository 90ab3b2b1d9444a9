/*
 * NOTIFY_SOCKET and the descriptor store (see notify.h). One datagram socket per job, on an
 * abstract address (no file: a `user: nobody` job can reach it whatever the home's permissions),
 * SO_PASSCRED so each message carries the sender's pid and uid as the kernel says: messages from
 * another user than the job's (or root, or ours) are dropped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "holder.h"
#include "notify.h"

#define NOTIFY_MAX 4096 /* systemd's limit for one message */
#define STORE_FDS_MAX 64 /* descriptors one message may carry */

typedef struct nsock {
  int kind; /* KIND_NOTIFY; 0 once released (the epoll batch may still name it) */
  int fd;
  char *job, *store;
  int fdmax;
  uid_t uid;
  unsigned hold_id;
  struct nsock *next;
} nsock_t;

typedef struct fdent {
  int fd;
  char name[256];
  unsigned hold_id;
  struct fdent *next;
} fdent_t;

typedef struct store {
  char *key;
  fdent_t *fds; /* in the order stored */
  int count;
  struct store *next;
} store_t;

static nsock_t *nsocks;
static store_t *stores;
static int ep = -1;
static uint32_t home_hash;
static sk_emit_fn emit;
static sk_hold_fn hold;
static sk_bury_fn bury;

void sockets_init(const char *sockpath, int epfd, sk_emit_fn e, sk_hold_fn h, sk_bury_fn b) {
  ep = epfd;
  emit = e;
  hold = h;
  bury = b;
  home_hash = 2166136261u;
  for (const char *q = sockpath; *q; q++) home_hash = (home_hash ^ (unsigned char)*q) * 16777619u;
  listen_set_hold(h);
}

/* ---------- small helpers ---------- */

typedef struct { char *p; size_t len, cap; } sbuf_t;

static void sb_add(sbuf_t *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t c = (b->cap ? b->cap * 2 : 256) + n;
    char *q = realloc(b->p, c);
    if (!q) return;
    b->p = q;
    b->cap = c;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = 0;
}

static void sb_printf(sbuf_t *b, const char *fmt, ...) {
  char tmp[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n > 0) sb_add(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static void sb_json(sbuf_t *b, const char *s, size_t n) {
  sb_add(b, "\"", 1);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') { char e[2] = {'\\', (char)c}; sb_add(b, e, 2); }
    else if (c < 0x20) sb_printf(b, "\\u%04x", c);
    else sb_add(b, (const char *)&c, 1);
  }
  sb_add(b, "\"", 1);
}

static store_t *store_get(const char *key, int create) {
  for (store_t *s = stores; s; s = s->next) if (strcmp(s->key, key) == 0) return s;
  if (!create) return NULL;
  store_t *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->key = strdup(key);
  s->next = stores;
  stores = s;
  return s;
}

static void fdent_hold(store_t *s, fdent_t *f) {
  char meta[600];
  snprintf(meta, sizeof meta, "F\t%s\t%s", s->key, f->name);
  f->hold_id = hold(f->fd, meta);
}

static void store_add(store_t *s, int fd, const char *name) {
  fdent_t *f = calloc(1, sizeof *f);
  if (!f) { close(fd); return; }
  f->fd = fd;
  snprintf(f->name, sizeof f->name, "%s", name);
  fdent_t **pp = &s->fds;
  while (*pp) pp = &(*pp)->next;
  *pp = f;
  s->count++;
}

static void store_remove(store_t *s, const char *name) {
  for (fdent_t **pp = &s->fds; *pp;) {
    fdent_t *f = *pp;
    if (strcmp(f->name, name) != 0) { pp = &f->next; continue; }
    *pp = f->next;
    if (f->hold_id) holder_del(f->hold_id);
    close(f->fd);
    free(f);
    s->count--;
  }
}

static nsock_t *nsock_find(const char *job) {
  for (nsock_t *n = nsocks; n; n = n->next) if (strcmp(n->job, job) == 0) return n;
  return NULL;
}

/* A fresh abstract address for a job's socket: a random part, so no other user can take the name
 * first (an abstract name has no permissions) and make the job's start fail. */
static void nsock_address(const char *job, struct sockaddr_un *a, socklen_t *len) {
  uint64_t r = 0;
  if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r) r = ((uint64_t)getpid() << 32) ^ (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)a;
  memset(a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  int n = snprintf(a->sun_path + 1, sizeof a->sun_path - 1, "appinit-notify-%u-%08x-%s-%016llx", (unsigned)getuid(), home_hash, job,
                   (unsigned long long)r);
  if (n < 0 || (size_t)n >= sizeof a->sun_path - 1) n = (int)sizeof a->sun_path - 2;
  *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

/* NOTIFY_SOCKET's value for a bound socket: its own address, @ for the leading NUL. */
static int nsock_text(int fd, char *text, size_t cap) {
  struct sockaddr_un a;
  socklen_t len = sizeof a;
  memset(&a, 0, sizeof a);
  if (getsockname(fd, (struct sockaddr *)&a, &len) < 0 || len <= offsetof(struct sockaddr_un, sun_path) + 1) return -1;
  size_t n = len - offsetof(struct sockaddr_un, sun_path) - 1;
  if (n + 2 > cap) return -1;
  text[0] = '@';
  memcpy(text + 1, a.sun_path + 1, n);
  text[n + 1] = 0;
  return 0;
}

static void nsock_hold(nsock_t *n) {
  char meta[600];
  snprintf(meta, sizeof meta, "N\t%s\t%s\t%d\t%u", n->job, n->store ? n->store : "", n->fdmax, (unsigned)n->uid);
  n->hold_id = hold(n->fd, meta);
}

static nsock_t *nsock_add(int fd, const char *job, const char *store, int fdmax, uid_t uid) {
  nsock_t *n = calloc(1, sizeof *n);
  if (!n) return NULL;
  n->kind = KIND_NOTIFY;
  n->fd = fd;
  n->job = strdup(job);
  n->store = store && store[0] ? strdup(store) : NULL;
  n->fdmax = fdmax;
  n->uid = uid;
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = n};
  epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  n->next = nsocks;
  nsocks = n;
  return n;
}

/* ---------- spawning ---------- */

int sockets_key(sk_spawn_t *s, const char *k, const char *v) {
  if (strcmp(k, "notify") == 0) { s->notify = 1 + atoi(v); return 1; }
  if (strcmp(k, "store") == 0) { s->store = v; return 1; }
  if (strcmp(k, "listen") == 0) { if (s->nlisten < SK_LISTEN_MAX) s->listen[s->nlisten++] = v; return 1; }
  if (strcmp(k, "listen_as") == 0) { s->listen_as_user = strcmp(v, "user") == 0; return 1; }
  return 0;
}

static void names_add(sk_spawn_t *s, const char *name, size_t len) {
  size_t at = strlen(s->env_names);
  if (at + len + 2 >= sizeof s->env_names) return;
  if (at > strlen("LISTEN_FDNAMES=")) s->env_names[at++] = ':';
  memcpy(s->env_names + at, name, len);
  s->env_names[at + len] = 0;
}

/* The variables this file sets, dropped from what the job inherits (the daemon's own, when systemd
 * runs it): a job must never talk to the daemon's service manager, nor take its descriptors. */
static int ours(const char *e) {
  static const char *const keys[] = {"NOTIFY_SOCKET=", "LISTEN_FDS=", "LISTEN_PID=", "LISTEN_FDNAMES=", "WATCHDOG_USEC=", "WATCHDOG_PID="};
  for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) if (strncmp(e, keys[i], strlen(keys[i])) == 0) return 1;
  return 0;
}

int sockets_prepare(sk_spawn_t *s, const char *job, uid_t uid, const char **envp, int *envc, int maxenv, char *msg, size_t cap) {
  s->n = 0;
  int kept = 0;
  for (int i = 0; i < *envc; i++) if (!ours(envp[i])) envp[kept++] = envp[i];
  *envc = kept;
  snprintf(s->env_names, sizeof s->env_names, "LISTEN_FDNAMES=");
  for (int i = 0; i < s->nlisten; i++) {
    const char *tab = strchr(s->listen[i], '\t');
    if (!tab) { snprintf(msg, cap, "listen: malformed \"%s\"", s->listen[i]); return -1; }
    int fd = listen_get(tab + 1, s->listen_as_user ? uid : (uid_t)-1, msg, cap);
    if (fd < 0) return -1;
    if (s->n < SK_PASS_MAX) { s->fds[s->n++] = fd; names_add(s, s->listen[i], (size_t)(tab - s->listen[i])); }
  }
  if (s->notify) {
    int fdmax = s->notify - 1;
    nsock_t *n = nsock_find(job);
    char text[120];
    if (!n) {
      struct sockaddr_un a;
      socklen_t alen;
      nsock_address(job, &a, &alen);
      int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
      int one = 1;
      if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0 || bind(fd, (struct sockaddr *)&a, alen) < 0) {
        snprintf(msg, cap, "notify socket @%s: %s", a.sun_path + 1, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
      }
      /* Large enough for a burst of STATUS= updates from a busy program. */
      int rcv = 1 << 20;
      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
      n = nsock_add(fd, job, s->store, fdmax, uid == (uid_t)-1 ? getuid() : uid);
      if (!n) { close(fd); snprintf(msg, cap, "out of memory"); return -1; }
      nsock_hold(n);
    } else {
      n->fdmax = fdmax;
      n->uid = uid == (uid_t)-1 ? getuid() : uid;
    }
    if (nsock_text(n->fd, text, sizeof text) < 0) { snprintf(msg, cap, "notify socket: getsockname: %s", strerror(errno)); return -1; }
    snprintf(s->env_notify, sizeof s->env_notify, "NOTIFY_SOCKET=%s", text);
    if (*envc < maxenv - 1) envp[(*envc)++] = s->env_notify;
  }
  store_t *st = s->store ? store_get(s->store, 0) : NULL;
  if (st)
    for (fdent_t *f = st->fds; f && s->n < SK_PASS_MAX; f = f->next) { s->fds[s->n++] = f->fd; names_add(s, f->name, strlen(f->name)); }
  if (s->n > 0 && *envc < maxenv - 3) {
    snprintf(s->env_fds, sizeof s->env_fds, "LISTEN_FDS=%d", s->n);
    snprintf(s->env_pid, sizeof s->env_pid, "LISTEN_PID=0");
    envp[(*envc)++] = s->env_fds;
    envp[(*envc)++] = s->env_pid;
    envp[(*envc)++] = s->env_names;
  }
  return 0;
}

int sockets_child(sk_spawn_t *s, int *sfd) {
  if (s->n == 0) return 3;
  int top = 3 + s->n;
  if (*sfd < top) {
    int m = fcntl(*sfd, F_DUPFD_CLOEXEC, top);
    if (m < 0) return -1;
    *sfd = m;
  }
  int tmp[SK_PASS_MAX];
  for (int i = 0; i < s->n; i++)
    if ((tmp[i] = fcntl(s->fds[i], F_DUPFD_CLOEXEC, top)) < 0) return -1;
  for (int i = 0; i < s->n; i++)
    if (dup2(tmp[i], 3 + i) < 0) return -1; /* dup2 clears close-on-exec on the copy */
  /* The pid that must read them: this process, as systemd sets it after its fork. */
  snprintf(s->env_pid, sizeof s->env_pid, "LISTEN_PID=%d", (int)getpid());
  return top;
}

void sockets_lift(sk_spawn_t *s, int min) {
  for (int i = 0; i < s->n; i++) {
    if (s->fds[i] >= min) continue;
    int m = fcntl(s->fds[i], F_DUPFD_CLOEXEC, min);
    if (m >= 0) s->fds[i] = m;
  }
}

static int cmp_int(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

void sockets_close_from(sk_spawn_t *s, int from) {
  int sorted[SK_PASS_MAX];
  memcpy(sorted, s->fds, sizeof(int) * (size_t)s->n);
  qsort(sorted, (size_t)s->n, sizeof(int), cmp_int);
  unsigned lo = (unsigned)from;
  for (int i = 0; i < s->n; i++) {
    if (sorted[i] < from) continue;
    if ((unsigned)sorted[i] > lo) syscall(SYS_close_range, lo, (unsigned)sorted[i] - 1, 0);
    lo = (unsigned)sorted[i] + 1;
  }
  syscall(SYS_close_range, lo, ~0U, 0);
}

/* ---------- messages ---------- */

/* The value of KEY= in a message, or NULL; *len its length. */
static const char *field(const char *m, size_t n, const char *key, size_t *len) {
  size_t kl = strlen(key);
  const char *p = m, *end = m + n;
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *le = nl ? nl : end;
    if ((size_t)(le - p) >= kl && memcmp(p, key, kl) == 0) { *len = (size_t)(le - p - kl); return p + kl; }
    p = le + 1;
  }
  return NULL;
}

static int is_one(const char *m, size_t n, const char *key) {
  size_t l;
  const char *v = field(m, n, key, &l);
  return v && l == 1 && v[0] == '1';
}

/* systemd's rule for FDNAME: printable, no ':', at most 255. */
static int valid_name(const char *v, size_t l) {
  if (l == 0 || l > 255) return 0;
  for (size_t i = 0; i < l; i++) if ((unsigned char)v[i] < 0x21 || v[i] == ':' || v[i] == 0x7f) return 0;
  return 1;
}

void notify_readable(void *obj) {
  nsock_t *ns = obj;
  static char m[NOTIFY_MAX + 1];
  for (int round = 0; round < 64 && ns->kind == KIND_NOTIFY; round++) {
    union { char buf[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * STORE_FDS_MAX)]; struct cmsghdr align; } u;
    struct iovec iov = {.iov_base = m, .iov_len = NOTIFY_MAX};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
    ssize_t r = recvmsg(ns->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
    if (r < 0) return; /* EAGAIN: all read */
    int fds[STORE_FDS_MAX], nfds = 0;
    struct ucred cr = {.pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1};
    int have_cred = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
      if (c->cmsg_level != SOL_SOCKET) continue;
      if (c->cmsg_type == SCM_RIGHTS) {
        int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        for (int i = 0; i < k && nfds < STORE_FDS_MAX; i++) memcpy(&fds[nfds++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      } else if (c->cmsg_type == SCM_CREDENTIALS) {
        memcpy(&cr, CMSG_DATA(c), sizeof cr);
        have_cred = 1;
      }
    }
    size_t n = (size_t)r > NOTIFY_MAX ? NOTIFY_MAX : (size_t)r;
    m[n] = 0;
    /* Only the job's own user (or root, or ours) speaks for the job; a truncated message is dropped. */
    int ok = have_cred && (cr.uid == 0 || cr.uid == getuid() || cr.uid == ns->uid) && !((size_t)r > NOTIFY_MAX) && !(mh.msg_flags & MSG_CTRUNC);
    if (!ok) {
      for (int i = 0; i < nfds; i++) close(fds[i]);
      continue;
    }
    sbuf_t b = {0};
    sb_printf(&b, "\"ev\":\"notify\",\"job\":");
    sb_json(&b, ns->job, strlen(ns->job));
    sb_printf(&b, ",\"pid\":%d,\"uid\":%u", (int)cr.pid, (unsigned)cr.uid);
    size_t bare = b.len; /* nothing past this: a message of no interest (BARRIER=1) sends no event */
    size_t l;
    const char *v;
    if (is_one(m, n, "READY=")) sb_printf(&b, ",\"ready\":1");
    if (is_one(m, n, "RELOADING=")) sb_printf(&b, ",\"reloading\":1");
    if (is_one(m, n, "STOPPING=")) sb_printf(&b, ",\"stopping\":1");
    if (is_one(m, n, "WATCHDOG=")) sb_printf(&b, ",\"watchdog\":1");
    if ((v = field(m, n, "STATUS=", &l))) { sb_printf(&b, ",\"status\":"); sb_json(&b, v, l); }
    if ((v = field(m, n, "MAINPID=", &l))) sb_printf(&b, ",\"mainpid\":%ld", strtol(v, NULL, 10));
    if ((v = field(m, n, "ERRNO=", &l))) sb_printf(&b, ",\"errno\":%ld", strtol(v, NULL, 10));
    if ((v = field(m, n, "EXTEND_TIMEOUT_USEC=", &l))) sb_printf(&b, ",\"extend_usec\":%llu", strtoull(v, NULL, 10));
    size_t nl = 0;
    const char *name = field(m, n, "FDNAME=", &nl);
    char nm[256] = "stored";
    if (name && valid_name(name, nl)) { memcpy(nm, name, nl); nm[nl] = 0; }
    store_t *st = ns->store ? store_get(ns->store, 1) : NULL;
    int took = 0, refused = 0, removed = 0;
    if (is_one(m, n, "FDSTOREREMOVE=") && st && name) { store_remove(st, nm); removed = 1; }
    if (is_one(m, n, "FDSTORE=") && st) {
      for (int i = 0; i < nfds; i++) {
        if (st->count >= ns->fdmax) { close(fds[i]); refused++; continue; }
        store_add(st, fds[i], nm);
        fdent_t *f = st->fds;
        while (f->next) f = f->next;
        fdent_hold(st, f);
        took++;
      }
      nfds = 0;
    }
    for (int i = 0; i < nfds; i++) close(fds[i]); /* not for the store (a BARRIER=1 pipe): closed, as systemd does */
    if (st && (took || refused || removed)) sb_printf(&b, ",\"fdstore\":%d", st->count);
    if (took) sb_printf(&b, ",\"stored\":%d", took);
    if (refused) sb_printf(&b, ",\"refused\":%d", refused);
    /* READY=1 and the store's changes must reach the daemon (kept until acknowledged); a STATUS=
     * alone may be dropped when nobody listens (the next one replaces it): a program that sends
     * them in a loop while the daemon is away cannot grow our memory. */
    int durable = is_one(m, n, "READY=") || field(m, n, "EXTEND_TIMEOUT_USEC=", &l) || is_one(m, n, "STOPPING=") || is_one(m, n, "RELOADING=") || took || refused || removed;
    if (b.len > bare) emit(durable, "%s", b.p ? b.p : "");
    free(b.p);
  }
}

/* ---------- release, holder, quit ---------- */

static void nsock_release(const char *job) {
  for (nsock_t **pp = &nsocks; *pp; pp = &(*pp)->next) {
    nsock_t *n = *pp;
    if (strcmp(n->job, job) != 0) continue;
    *pp = n->next;
    epoll_ctl(ep, EPOLL_CTL_DEL, n->fd, NULL);
    if (n->hold_id) holder_del(n->hold_id);
    close(n->fd);
    n->kind = 0;
    free(n->job);
    free(n->store);
    bury(n);
    return;
  }
}

static void store_release(const char *key) {
  for (store_t **pp = &stores; *pp; pp = &(*pp)->next) {
    store_t *s = *pp;
    if (strcmp(s->key, key) != 0) continue;
    *pp = s->next;
    while (s->fds) {
      fdent_t *f = s->fds;
      s->fds = f->next;
      if (f->hold_id) holder_del(f->hold_id);
      close(f->fd);
      free(f);
    }
    free(s->key);
    free(s);
    return;
  }
}

void sockets_release(const char *p, size_t len) {
  const char *end = p + len;
  p += strlen(p) + 1;
  while (p < end) {
    const char *k = p;
    p += strlen(p) + 1;
    if (p >= end) break;
    const char *v = p;
    p += strlen(p) + 1;
    if (strcmp(k, "job") == 0) nsock_release(v);
    else if (strcmp(k, "store") == 0) store_release(v);
    else if (strcmp(k, "url") == 0) listen_release(v);
  }
}

int sockets_take_held(unsigned id, int fd, const char *meta) {
  if (meta[0] == 'L' && meta[1] == '\t') return listen_take_held(id, fd, meta + 2);
  if (meta[0] == 'N' && meta[1] == '\t') {
    char job[256], store[256] = "";
    int fdmax = 0;
    unsigned uid = 0;
    if (sscanf(meta + 2, "%255[^\t]\t%255[^\t]\t%d\t%u", job, store, &fdmax, &uid) < 4 &&
        sscanf(meta + 2, "%255[^\t]\t\t%d\t%u", job, &fdmax, &uid) < 3) { close(fd); holder_del(id); return 1; }
    nsock_t *n = nsock_add(fd, job, store, fdmax, (uid_t)uid);
    if (n) n->hold_id = id;
    return 1;
  }
  if (meta[0] == 'F' && meta[1] == '\t') {
    char key[256], name[256];
    if (sscanf(meta + 2, "%255[^\t]\t%255s", key, name) < 2) { close(fd); holder_del(id); return 1; }
    store_t *s = store_get(key, 1);
    if (!s) { close(fd); return 1; }
    store_add(s, fd, name);
    fdent_t *f = s->fds;
    while (f->next) f = f->next;
    f->hold_id = id;
    return 1;
  }
  return 0;
}

void sockets_rehold(void) {
  for (nsock_t *n = nsocks; n; n = n->next) nsock_hold(n);
  for (store_t *s = stores; s; s = s->next)
    for (fdent_t *f = s->fds; f; f = f->next) fdent_hold(s, f);
  listen_rehold(hold);
}

void sockets_quit(void) {
  listen_quit();
}
