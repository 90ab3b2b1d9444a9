/*
 * The fd holder (see holder.h). It never reads or writes the pipes it holds: holding them is its
 * whole job. Messages on a SOCK_SEQPACKET socket (one message, one record):
 *   helper -> holder: 'A' id meta + SCM_RIGHTS fd (add), 'D' id (delete), 'T' (take over), 'Q' (quit)
 *   holder -> helper: 'E' id meta + SCM_RIGHTS fd (one per held fd, after 'T'), then 'Z'
 * A helper that connects replaces the one before (which is dead, or about to be).
 */
#define _GNU_SOURCE
#include "holder.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define META_MAX 4096

typedef struct {
  char op;
  uint32_t id;
  char meta[META_MAX];
} holder_msg_t;

static int conn = -1;
static int child_pid;

int holder_child(void) { return child_pid; }

static int send_msg(int fd, char op, unsigned id, const char *meta, int pass, int flags) {
  holder_msg_t m;
  memset(&m, 0, offsetof(holder_msg_t, meta) + 1);
  m.op = op;
  m.id = id;
  size_t ml = meta ? strlen(meta) : 0;
  if (ml >= META_MAX) ml = META_MAX - 1;
  if (meta) memcpy(m.meta, meta, ml);
  m.meta[ml] = 0;
  struct iovec iov = {.iov_base = &m, .iov_len = offsetof(holder_msg_t, meta) + ml + 1};
  union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
  if (pass >= 0) {
    memset(&u, 0, sizeof u);
    mh.msg_control = u.buf;
    mh.msg_controllen = sizeof u.buf;
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &pass, sizeof(int));
  }
  ssize_t n;
  do n = sendmsg(fd, &mh, MSG_NOSIGNAL | flags); while (n < 0 && errno == EINTR);
  return n < 0 ? -1 : 0;
}

/* One message; *got is the passed fd or -1. Returns the op, 0 at EOF, -1 on error (errno). */
static int recv_msg_flags(int fd, holder_msg_t *m, int *got, int flags) {
  union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
  struct iovec iov = {.iov_base = m, .iov_len = sizeof *m};
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf};
  *got = -1;
  ssize_t n;
  do n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC | flags); while (n < 0 && errno == EINTR);
  if (n <= 0) return (int)n;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) memcpy(got, CMSG_DATA(c), sizeof(int));
  if ((size_t)n <= offsetof(holder_msg_t, meta)) m->meta[0] = 0;
  else ((char *)m)[n < (ssize_t)sizeof *m ? n : (ssize_t)sizeof *m - 1] = 0;
  return (unsigned char)m->op;
}

static int recv_msg(int fd, holder_msg_t *m, int *got) { return recv_msg_flags(fd, m, got, 0); }

/* ---------- the holder process ---------- */

typedef struct {
  unsigned id;
  int fd;
  char *meta;
  int idle; /* its writers are gone but bytes wait in it (or epoll cannot watch it): kept, not watched */
} held_t;

/* epoll data of the two sockets; a held fd's data is its id (ids are below 2^32). */
#define EV_LISTEN (1ULL << 32)
#define EV_CONN (2ULL << 32)

/* Held fds are watched for nothing but their end (EPOLLHUP/EPOLLERR come unasked), through epoll,
 * which wakes the holder for what happened only: a poll() of every held fd per message made an
 * `up` of N programs cost it O(N^2) (2 messages per program; ~95 ms of CPU at 500, ~280 ms
 * at 1,000). */
static void watch(int ep, held_t *h) {
  if (h->idle) return;
  struct epoll_event e = {.events = 0, .data.u64 = h->id};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, h->fd, &e) < 0) h->idle = 1; /* a regular file, or no room for a watch: kept */
}

/* Lets go of held[i]: out of epoll first (the description lives on in the helper, so closing our
 * fd alone would leave it registered), then closed; the last entry takes its place. */
static void drop(int ep, held_t *held, size_t *n, size_t i) {
  if (!held[i].idle) epoll_ctl(ep, EPOLL_CTL_DEL, held[i].fd, NULL);
  close(held[i].fd);
  free(held[i].meta);
  held[i] = held[--*n];
}

static void holder_main(int lfd) {
  signal(SIGHUP, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN); /* a stray TERM to the helper's group must not drop every pipe */
  signal(SIGPIPE, SIG_IGN);
  held_t *held = NULL;
  size_t n = 0, cap = 0;
  int c = -1, had_helper = 0;
  static holder_msg_t m;
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) _exit(1);
  struct epoll_event le = {.events = EPOLLIN, .data.u64 = EV_LISTEN};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &le) < 0) _exit(1);
  struct epoll_event evs[64];
  for (;;) {
    int k = epoll_wait(ep, evs, 64, -1);
    if (k < 0) continue;
    int accept_now = 0, message = 0;
    for (int e = 0; e < k; e++) {
      uint64_t d = evs[e].data.u64;
      if (d == EV_LISTEN) { accept_now = 1; continue; }
      if (d == EV_CONN) { message = 1; continue; }
      if (!(evs[e].events & (EPOLLHUP | EPOLLERR))) continue;
      for (size_t i = 0; i < n; i++) {
        if (held[i].id != (unsigned)d || held[i].idle) continue;
        int left = 0;
        if (ioctl(held[i].fd, FIONREAD, &left) == 0 && left > 0) {
          held[i].idle = 1;
          epoll_ctl(ep, EPOLL_CTL_DEL, held[i].fd, NULL);
        } else {
          drop(ep, held, &n, i);
        }
        break;
      }
    }
    if (c < 0 && n == 0 && had_helper) _exit(0);
    if (accept_now) {
      int nc = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
      struct ucred cr;
      socklen_t cl = sizeof cr;
      if (nc >= 0 && getsockopt(nc, SOL_SOCKET, SO_PEERCRED, &cr, &cl) == 0 && (cr.uid == getuid() || cr.uid == 0)) {
        if (c >= 0) close(c); /* closing the only fd of its description takes it out of epoll */
        c = nc;
        had_helper = 1;
        struct epoll_event ce = {.events = EPOLLIN, .data.u64 = EV_CONN};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, c, &ce) < 0) { close(c); c = -1; }
      } else if (nc >= 0) {
        close(nc);
      }
      continue; /* a message from the new helper, if one waits, wakes the next epoll_wait */
    }
    if (c < 0 || !message) continue;
    /* Every message waiting (a burst of spawns sends two per program), then back to epoll. */
    for (int flags = 0;; flags = MSG_DONTWAIT) {
      int fd;
      int op = recv_msg_flags(c, &m, &fd, flags);
      if (op < 0 && errno == EAGAIN) break;
      if (op <= 0) { /* the helper is gone: wait for the next one, unless nothing is held */
        close(c);
        c = -1;
        if (n == 0) _exit(0);
        break;
      }
      if (op == 'A' && fd >= 0) {
        if (n == cap) {
          size_t ncap = cap ? cap * 2 : 64;
          held_t *h = realloc(held, ncap * sizeof *held);
          if (!h) { close(fd); continue; }
          held = h;
          cap = ncap;
        }
        held[n].id = m.id;
        held[n].fd = fd;
        held[n].meta = strdup(m.meta);
        /* A stored descriptor (notify.c) and the ends of appinit's pipes between programs
         * (pipes.c, 'Q') are kept whatever their state: a pipe whose producer stopped has no
         * writer for a while (its read end hangs up) and is written again when it starts; it
         * was dropped here, so a helper killed after a stop and start had no read end to give
         * the producer again (the pipe was lost until `down`). They go when the helper says. */
        held[n].idle = m.meta[0] == 'F' || m.meta[0] == 'Q';
        watch(ep, &held[n]);
        n++;
      } else if (op == 'D') {
        for (size_t i = 0; i < n; i++)
          if (held[i].id == m.id) { drop(ep, held, &n, i); break; }
      } else if (op == 'T') {
        for (size_t i = 0; i < n; i++) send_msg(c, 'E', held[i].id, held[i].meta, held[i].fd, 0);
        send_msg(c, 'Z', 0, NULL, -1, 0);
      } else if (op == 'Q') {
        _exit(0);
      }
      if (fd >= 0 && op != 'A') close(fd);
    }
  }
}

/* ---------- the helper's side ---------- */

static int connect_to(const char *path) {
  int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) { close(fd); return -1; }
  return fd;
}

long holder_open(const char *path, holder_take_fn fn) {
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof a.sun_path) return -1;
  conn = connect_to(path);
  if (conn >= 0) {
    /* A holder of a helper before us: everything it holds is ours to pump again. */
    long top = 0;
    if (send_msg(conn, 'T', 0, NULL, -1, 0) < 0) { close(conn); conn = -1; return -1; }
    static holder_msg_t m;
    for (;;) {
      int fd;
      int op = recv_msg(conn, &m, &fd);
      if (op != 'E') { if (fd >= 0) close(fd); break; }
      if (m.id > top) top = m.id;
      if (fd >= 0) fn(m.id, fd, m.meta);
    }
    return top;
  }
  int lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (lfd < 0) return -1;
  snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
  unlink(path);
  mode_t old = umask(077);
  int ok = bind(lfd, (struct sockaddr *)&a, sizeof a) == 0 && listen(lfd, 4) == 0;
  umask(old);
  if (!ok) { close(lfd); return -1; }
  pid_t pid = fork();
  if (pid < 0) { close(lfd); return -1; }
  if (pid == 0) {
    /* Only the listening socket: nothing of the helper's may stay open in here. */
    if (lfd != 3) { dup2(lfd, 3); lfd = 3; }
    syscall(SYS_close_range, 4, ~0U, 0);
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) { dup2(null, 0); dup2(null, 1); dup2(null, 2); if (null > 2) close(null); }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    holder_main(lfd);
    _exit(0);
  }
  child_pid = pid;
  close(lfd);
  conn = connect_to(path);
  return conn >= 0 ? 0 : -1;
}

int holder_add(unsigned id, int fd, const char *meta) {
  if (conn < 0) return -1;
  if (send_msg(conn, 'A', id, meta, fd, MSG_DONTWAIT) == 0) return 0;
  if (errno != EAGAIN) return -1;
  /* The holder is behind (a burst of spawns): wait a little for it, never for long. */
  struct pollfd p = {.fd = conn, .events = POLLOUT};
  if (poll(&p, 1, 100) <= 0) return -1;
  return send_msg(conn, 'A', id, meta, fd, MSG_DONTWAIT);
}

void holder_del(unsigned id) {
  if (conn >= 0) send_msg(conn, 'D', id, NULL, -1, MSG_DONTWAIT);
}

void holder_quit(void) {
  if (conn >= 0) send_msg(conn, 'Q', 0, NULL, -1, 0);
  /* Our own holder leaves at once: wait (briefly) so the group we share can be removed. */
  for (int i = 0; child_pid > 0 && i < 200; i++) {
    if (waitpid(child_pid, NULL, WNOHANG) != 0) { child_pid = 0; break; }
    usleep(1000);
  }
}
