/*
 * Listening sockets a program names in `listen:` (tcp://HOST:PORT, udp://HOST:PORT, unix:PATH):
 * made once by the helper (root can bind a port below 1024 for a `user: nobody` program), held
 * by the fd holder so a helper restart keeps them bound, and passed to every instance that lists
 * them — an old and a new instance during a reload share one queue, so no connection is refused.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pwd.h>
#include <sys/fsuid.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "holder.h"
#include "notify.h"

typedef struct lsock {
  char *url;
  int fd;
  int unix_path; /* a unix: socket: its file is removed on release */
  /* The socket file made, and for whom: on release only that file is removed, with that user's
   * rights. A user who swapped a directory on the way for a symlink had root's helper unlink
   * root's own socket (or FIFO) at the other end. 0: not known (adopted from the fd holder). */
  dev_t dev;
  ino_t ino;
  uid_t uid;
  unsigned hold_id;
  struct lsock *next;
} lsock_t;

static lsock_t *lsocks;
static sk_hold_fn hold_fn;

void listen_set_hold(sk_hold_fn hold) { hold_fn = hold; }

static lsock_t *find(const char *url) {
  for (lsock_t *l = lsocks; l; l = l->next) if (strcmp(l->url, url) == 0) return l;
  return NULL;
}

static lsock_t *add(const char *url, int fd) {
  lsock_t *l = calloc(1, sizeof *l);
  if (!l) return NULL;
  l->url = strdup(url);
  l->fd = fd;
  l->unix_path = strncmp(url, "unix:", 5) == 0;
  l->next = lsocks;
  lsocks = l;
  return l;
}

static void hold_one(lsock_t *l) {
  char meta[4200];
  snprintf(meta, sizeof meta, "L\t%s", l->url);
  l->hold_id = hold_fn ? hold_fn(l->fd, meta) : 0;
}

/* HOST:PORT (HOST may be [v6], * or empty for every address) -> a bound socket. */
static int make_inet(const char *hp, int type, char *msg, size_t cap, const char *url) {
  char host[256];
  const char *colon = strrchr(hp, ':');
  if (!colon || !colon[1]) { snprintf(msg, cap, "listen %s: expected HOST:PORT", url); errno = EINVAL; return -1; }
  size_t hl = (size_t)(colon - hp);
  if (hl >= sizeof host) hl = sizeof host - 1;
  memcpy(host, hp, hl);
  host[hl] = 0;
  if (host[0] == '[' && hl >= 2 && host[hl - 1] == ']') { memmove(host, host + 1, hl - 2); host[hl - 2] = 0; }
  const char *node = host[0] && strcmp(host, "*") != 0 ? host : NULL;
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = type, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
  struct addrinfo *res = NULL;
  int g = getaddrinfo(node, colon + 1, &hints, &res);
  if (g != 0) { snprintf(msg, cap, "listen %s: %s", url, gai_strerror(g)); errno = EINVAL; return -1; }
  /* Every address (no host): one IPv6 socket that takes IPv4 too, as systemd's ListenStream=PORT. */
  struct addrinfo *ai = res;
  if (!node) for (struct addrinfo *a = res; a; a = a->ai_next) if (a->ai_family == AF_INET6) { ai = a; break; }
  int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
  if (fd < 0) { snprintf(msg, cap, "listen %s: socket: %s", url, strerror(errno)); freeaddrinfo(res); return -1; }
  int one = 1, zero = 0;
  /* TCP only: on a UDP socket SO_REUSEADDR would let any local user bind the same port beside it
   * (with SO_REUSEADDR of their own) and take its datagrams; the holder keeps sockets across restarts. */
  if (type == SOCK_STREAM) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (ai->ai_family == AF_INET6 && !node) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
  if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || (type == SOCK_STREAM && listen(fd, SOMAXCONN) < 0)) {
    snprintf(msg, cap, "listen %s: %s", url, strerror(errno));
    close(fd);
    freeaddrinfo(res);
    return -1;
  }
  freeaddrinfo(res);
  return fd;
}

static int make_unix_as_root(const char *path, char *msg, size_t cap, const char *url);

/* A user's socket file is made with that user's rights (fsuid/fsgid: the kernel checks the path
 * walk, the directory's write bit, the sticky bit and an old file's removal as for the user, at
 * bind time, with no window after appinit's own check) and so is owned by the user. */
static int make_unix(const char *path, uid_t uid, char *msg, size_t cap, const char *url) {
  if (uid == (uid_t)-1 || uid == 0 || geteuid() != 0) return make_unix_as_root(path, msg, cap, url);
  struct passwd *pw = getpwuid(uid);
  gid_t gid = pw ? pw->pw_gid : (gid_t)-1;
  int oldgid = gid != (gid_t)-1 ? setfsgid(gid) : -1;
  int olduid = setfsuid(uid);
  int fd = make_unix_as_root(path, msg, cap, url);
  setfsuid((uid_t)olduid);
  if (oldgid >= 0) setfsgid((gid_t)oldgid);
  return fd;
}

static int make_unix_as_root(const char *path, char *msg, size_t cap, const char *url) {
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof a.sun_path) { snprintf(msg, cap, "listen %s: path too long for a unix socket", url); return -1; }
  strcpy(a.sun_path, path);
  /* A socket file left by an earlier run is replaced (systemd's RemoveOnStop in reverse); any
   * other file is not ours to remove. */
  struct stat st;
  if (lstat(path, &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) { snprintf(msg, cap, "listen %s: the path exists and is not a socket", url); return -1; }
    if (unlink(path) < 0) { snprintf(msg, cap, "listen %s: cannot replace the old socket: %s", url, strerror(errno)); return -1; }
  }
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) { snprintf(msg, cap, "listen %s: socket: %s", url, strerror(errno)); return -1; }
  if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, SOMAXCONN) < 0) {
    snprintf(msg, cap, "listen %s: %s", url, strerror(errno));
    close(fd);
    return -1;
  }
  chmod(path, 0666); /* systemd's SocketMode= default: the program may run as anyone */
  return fd;
}

int listen_get(const char *url, uid_t uid, char *msg, size_t cap) {
  lsock_t *l = find(url);
  if (l) return l->fd;
  int fd;
  if (strncmp(url, "tcp://", 6) == 0) fd = make_inet(url + 6, SOCK_STREAM, msg, cap, url);
  else if (strncmp(url, "udp://", 6) == 0) fd = make_inet(url + 6, SOCK_DGRAM, msg, cap, url);
  else if (strncmp(url, "unix:", 5) == 0) fd = make_unix(url + 5, uid, msg, cap, url);
  else { snprintf(msg, cap, "listen %s: expected tcp://HOST:PORT, udp://HOST:PORT or unix:PATH", url); return -1; }
  if (fd < 0) return -1;
  l = add(url, fd);
  if (!l) { close(fd); snprintf(msg, cap, "out of memory"); return -1; }
  struct stat st;
  if (l->unix_path && lstat(url + 5, &st) == 0) { l->dev = st.st_dev; l->ino = st.st_ino; }
  l->uid = uid == (uid_t)-1 ? 0 : uid;
  hold_one(l);
  return fd;
}

/* Unlinks the socket file made for l: still the same file (not one a swapped directory leads
 * to), removed with its user's rights as it was made. */
static void remove_socket_file(lsock_t *l) {
  const char *path = l->url + 5;
  struct stat st;
  if (lstat(path, &st) < 0 || !S_ISSOCK(st.st_mode)) return;
  if (l->ino && (st.st_dev != l->dev || st.st_ino != l->ino)) return;
  int olduid = -1, oldgid = -1;
  if (l->uid != 0 && geteuid() == 0) {
    struct passwd *pw = getpwuid(l->uid);
    if (pw) oldgid = setfsgid(pw->pw_gid);
    olduid = setfsuid(l->uid);
  }
  unlink(path);
  if (olduid >= 0) setfsuid((uid_t)olduid);
  if (oldgid >= 0) setfsgid((gid_t)oldgid);
}

static void drop(lsock_t *l, int remove_file) {
  if (l->hold_id) holder_del(l->hold_id);
  close(l->fd);
  if (remove_file && l->unix_path) remove_socket_file(l);
  free(l->url);
  free(l);
}

void listen_release(const char *url) {
  for (lsock_t **pp = &lsocks; *pp; pp = &(*pp)->next) {
    lsock_t *l = *pp;
    if (strcmp(l->url, url) != 0) continue;
    *pp = l->next;
    drop(l, 1);
    return;
  }
}

int listen_take_held(unsigned id, int fd, const char *url) {
  lsock_t *l = find(url) ? NULL : add(url, fd);
  if (!l) { close(fd); holder_del(id); return 1; }
  l->hold_id = id;
  return 1;
}

void listen_rehold(sk_hold_fn hold) {
  hold_fn = hold;
  for (lsock_t *l = lsocks; l; l = l->next) hold_one(l);
}

void listen_quit(void) {
  while (lsocks) {
    lsock_t *l = lsocks;
    lsocks = l->next;
    drop(l, 1);
  }
}
