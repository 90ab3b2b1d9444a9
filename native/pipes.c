/*
 * Pipes between programs: see pipes.h for what they promise. Only the helper's loop calls in
 * here (one thread), so nothing is locked.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "pipes.h"

#define PIPE_SIZE (1 << 20) /* asked of the kernel; unprivileged users may get less (pipe-max-size) */
#define TEE_CHUNK (256 * 1024)

typedef struct branch {
  char *reader;
  int r, w;       /* r: blocking, the reader's; w: non-blocking, ours alone */
  unsigned hr, hw;
  size_t off;     /* bytes of the current chunk already written here */
  int out;        /* EPOLLOUT asked on w */
  int full;       /* no room at the last look */
} branch_t;

typedef struct apipe {
  char *name;
  char *readers;  /* "r1,r2": who reads it, as the daemon planned it */
  int nbr;        /* readers; 1: one kernel pipe, no copy */
  int r, w;       /* the producer's pipe; w is -1 once the producer ended for good */
  unsigned hr, hw;
  branch_t *br;   /* nbr > 1: one pipe per reader */
  char *chunk;    /* nbr > 1: read from r, being written to every branch */
  size_t clen;
  int in;         /* EPOLLIN asked on r */
  int src_eof;    /* nbr > 1: r said EOF and every branch got everything */
  struct apipe *next;
} apipe_t;

static apipe_t *pipes;
static int pep = -1;
static pipes_hold_fn hold_fd;
static pipes_unhold_fn unhold_fd;
static pipes_emit_fn emit;

int pipes_init(pipes_hold_fn hold, pipes_unhold_fn unhold, pipes_emit_fn em) {
  hold_fd = hold;
  unhold_fd = unhold;
  emit = em;
  pep = epoll_create1(EPOLL_CLOEXEC);
  return pep;
}

int pipes_is_spec(const char *spec) { return spec && strncmp(spec, "pipe:", 5) == 0; }

static int nonblock(int fd) {
  int fl = fcntl(fd, F_GETFL);
  return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static unsigned hold_end(int fd, char role, apipe_t *p, const char *reader) {
  if (fd < 0 || !hold_fd) return 0;
  size_t n = strlen(p->name) + strlen(p->readers) + (reader ? strlen(reader) : 0) + 16;
  char *meta = malloc(n);
  if (!meta) return 0;
  snprintf(meta, n, "Q\t%c\t%s\t%s\t%s", role, p->name, p->readers, reader ? reader : "");
  unsigned id = hold_fd(fd, meta);
  free(meta);
  return id;
}

static void close_end(int *fd, unsigned *id) {
  if (*fd >= 0) close(*fd);
  if (*id && unhold_fd) unhold_fd(*id);
  *fd = -1;
  *id = 0;
}

/* Another open file description of the pipe that fd is one end of: how a write end comes back
 * after the producer ended (the readers may still have bytes to read in the same pipe). */
static int reopen_end(int fd, int flags) {
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  return open(path, flags | O_CLOEXEC);
}

/* big: a tee's pipes, so that it moves large chunks (may fail: the default 64 KiB then). A
 * direct pipe keeps the kernel's default, as a shell's: measured faster (bench/pipes.ts). */
static int make_pipe(int fds[2], int big) {
  if (pipe2(fds, O_CLOEXEC) < 0) return -1;
  if (big) fcntl(fds[1], F_SETPIPE_SZ, PIPE_SIZE);
  return 0;
}

static void watch(int fd, int *flag, int want, uint32_t events, apipe_t *p) {
  if (*flag == want || fd < 0) return;
  struct epoll_event ev = {.events = events, .data.ptr = p};
  if (!*flag) epoll_ctl(pep, EPOLL_CTL_ADD, fd, &ev);
  else epoll_ctl(pep, EPOLL_CTL_DEL, fd, NULL);
  *flag = want;
}

static apipe_t *pipe_new(const char *name, const char *readers) {
  apipe_t *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  p->name = strdup(name);
  p->readers = strdup(readers);
  p->nbr = 1;
  for (const char *c = readers; *c; c++) if (*c == ',') p->nbr++;
  p->r = p->w = -1;
  if (p->nbr > 1) {
    p->br = calloc((size_t)p->nbr, sizeof *p->br);
    const char *s = readers;
    for (int i = 0; i < p->nbr; i++) {
      const char *e = strchr(s, ',');
      size_t len = e ? (size_t)(e - s) : strlen(s);
      p->br[i].reader = strndup(s, len);
      p->br[i].r = p->br[i].w = -1;
      s = e ? e + 1 : s + len;
    }
  }
  p->next = pipes;
  pipes = p;
  return p;
}

/* Everything of a tee is there (after a fresh make, or once the holder gave all of it back). */
static int tee_complete(apipe_t *p) {
  if (p->nbr < 2 || p->r < 0) return 0;
  for (int i = 0; i < p->nbr; i++) if (p->br[i].r < 0 || (p->br[i].w < 0 && !p->src_eof)) return 0;
  return 1;
}

static void tee_pump(apipe_t *p);

static void tee_arm(apipe_t *p) {
  if (!tee_complete(p)) return;
  nonblock(p->r);
  for (int i = 0; i < p->nbr; i++) if (p->br[i].w >= 0) nonblock(p->br[i].w);
  tee_pump(p);
}

/* Creates the pipe (and the tee's pipes) with every end held. */
static int pipe_make(apipe_t *p) {
  int fds[2];
  if (make_pipe(fds, p->nbr > 1) < 0) return -1;
  p->r = fds[0];
  p->w = fds[1];
  p->hr = hold_end(p->r, 'r', p, NULL);
  p->hw = hold_end(p->w, 'w', p, NULL);
  for (int i = 0; i < p->nbr && p->br; i++) {
    branch_t *b = &p->br[i];
    if (make_pipe(fds, 1) < 0) return -1;
    b->r = fds[0];
    b->w = fds[1];
    b->hr = hold_end(b->r, 'R', p, b->reader);
    b->hw = hold_end(b->w, 'W', p, b->reader);
  }
  if (p->nbr > 1) tee_arm(p);
  return 0;
}

static void pipe_free(apipe_t *p) {
  for (apipe_t **pp = &pipes; *pp; pp = &(*pp)->next) if (*pp == p) { *pp = p->next; break; }
  watch(p->r, &p->in, 0, 0, p);
  close_end(&p->r, &p->hr);
  close_end(&p->w, &p->hw);
  for (int i = 0; i < p->nbr && p->br; i++) {
    branch_t *b = &p->br[i];
    watch(b->w, &b->out, 0, 0, p);
    close_end(&b->r, &b->hr);
    close_end(&b->w, &b->hw);
    free(b->reader);
  }
  free(p->br);
  free(p->chunk);
  free(p->name);
  free(p->readers);
  free(p);
}

static apipe_t *pipe_find(const char *name) {
  for (apipe_t *p = pipes; p; p = p->next) if (strcmp(p->name, name) == 0) return p;
  return NULL;
}

/* The tee: read from the producer's pipe no more than every reader's pipe has room for, then
 * write that chunk to each. A reader that is full keeps the chunk here and the producer waits. */
static void tee_pump(apipe_t *p) {
  for (int rounds = 0; rounds < 16; rounds++) {
    if (p->clen) {
      int blocked = 0;
      for (int i = 0; i < p->nbr; i++) {
        branch_t *b = &p->br[i];
        while (b->off < p->clen && b->w >= 0) {
          ssize_t n = write(b->w, p->chunk + b->off, p->clen - b->off);
          if (n > 0) { b->off += (size_t)n; continue; }
          if (n < 0 && errno == EINTR) continue;
          if (n < 0 && errno == EAGAIN) { blocked = 1; break; }
          b->off = p->clen; /* EPIPE cannot happen (we hold the read end); drop, never spin */
        }
        watch(b->w, &b->out, b->off < p->clen, EPOLLOUT, p);
      }
      if (blocked) { watch(p->r, &p->in, 0, EPOLLIN, p); return; }
      p->clen = 0;
      for (int i = 0; i < p->nbr; i++) p->br[i].off = 0;
    }
    if (p->src_eof) return;
    size_t room = TEE_CHUNK;
    for (int i = 0; i < p->nbr; i++) {
      branch_t *b = &p->br[i];
      int cap = fcntl(b->w, F_GETPIPE_SZ), queued = 0;
      ioctl(b->r, FIONREAD, &queued);
      size_t free_now = cap > queued ? (size_t)(cap - queued) : 0;
      b->full = free_now == 0;
      if (free_now < room) room = free_now;
    }
    if (room == 0) {
      /* A reader's pipe was full: wait until it can take a byte. Not looked at again here: the
       * reader may have emptied it meanwhile, and EPOLLOUT then says so at once. */
      for (int i = 0; i < p->nbr; i++) watch(p->br[i].w, &p->br[i].out, p->br[i].full, EPOLLOUT, p);
      watch(p->r, &p->in, 0, EPOLLIN, p);
      return;
    }
    if (!p->chunk && !(p->chunk = malloc(TEE_CHUNK))) return;
    ssize_t n = read(p->r, p->chunk, room);
    if (n > 0) { p->clen = (size_t)n; continue; }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      for (int i = 0; i < p->nbr; i++) watch(p->br[i].w, &p->br[i].out, 0, EPOLLOUT, p);
      watch(p->r, &p->in, 1, EPOLLIN, p);
      return;
    }
    /* EOF: the producer ended for good and every byte went out; the readers see EOF. */
    p->src_eof = 1;
    watch(p->r, &p->in, 0, EPOLLIN, p);
    for (int i = 0; i < p->nbr; i++) {
      watch(p->br[i].w, &p->br[i].out, 0, EPOLLOUT, p);
      close_end(&p->br[i].w, &p->br[i].hw);
    }
    return;
  }
  /* Enough for one turn of the loop (other pipes and jobs wait meanwhile): make sure we are
   * called again — by the readers' room for a chunk in hand, else by the producer's bytes. */
  for (int i = 0; i < p->nbr; i++) watch(p->br[i].w, &p->br[i].out, p->clen > 0, EPOLLOUT, p);
  watch(p->r, &p->in, p->clen == 0, EPOLLIN, p);
}

void pipes_ready(void) {
  struct epoll_event evs[64];
  int n = epoll_wait(pep, evs, 64, 0);
  for (int i = 0; i < n; i++) {
    apipe_t *p = evs[i].data.ptr;
    for (apipe_t *q = pipes; q; q = q->next) if (q == p) { tee_pump(p); break; }
  }
}

/* `pipe:NAME:READERS[:READER]` into its parts (in buf). */
static int parse_spec(const char *spec, char *buf, size_t cap, char **name, char **readers, char **reader) {
  if (!pipes_is_spec(spec) || strlen(spec + 5) >= cap) return -1;
  strcpy(buf, spec + 5);
  *name = buf;
  char *c = strchr(buf, ':');
  if (!c) return -1;
  *c = 0;
  *readers = c + 1;
  c = strchr(*readers, ':');
  *reader = NULL;
  if (c) { *c = 0; *reader = c + 1; }
  return **name && **readers ? 0 : -1;
}

int pipes_fd_for(const char *spec, int writing, char *err, size_t errlen) {
  char buf[4096], *name, *readers, *reader;
  if (parse_spec(spec, buf, sizeof buf, &name, &readers, &reader) < 0) {
    snprintf(err, errlen, "bad pipe \"%.200s\"", spec);
    return -1;
  }
  apipe_t *p = pipe_find(name);
  if (p && strcmp(p->readers, readers) != 0) { pipe_free(p); p = NULL; } /* the file changed who reads it */
  if (!p) {
    if (!(p = pipe_new(name, readers)) || pipe_make(p) < 0) {
      snprintf(err, errlen, "pipe %s: %s", name, strerror(errno));
      if (p) pipe_free(p);
      return -1;
    }
  }
  if (writing) {
    if (p->w < 0) {
      /* The producer starts again after it had ended: the same pipe, so no byte is lost. */
      p->w = reopen_end(p->r, O_WRONLY);
      if (p->w < 0) { snprintf(err, errlen, "pipe %s: %s", name, strerror(errno)); return -1; }
      p->hw = hold_end(p->w, 'w', p, NULL);
      for (int i = 0; i < p->nbr && p->br; i++) {
        branch_t *b = &p->br[i];
        if (b->w >= 0) continue;
        b->w = reopen_end(b->r, O_WRONLY);
        nonblock(b->w);
        b->hw = hold_end(b->w, 'W', p, b->reader);
      }
      if (p->src_eof) { p->src_eof = 0; tee_pump(p); }
    }
    return p->w;
  }
  if (p->nbr == 1) return p->r;
  for (int i = 0; i < p->nbr; i++) if (reader && strcmp(p->br[i].reader, reader) == 0) return p->br[i].r;
  snprintf(err, errlen, "pipe %s: %s is not one of its readers (%s)", name, reader ? reader : "?", readers);
  return -1;
}

static void json_str(char *out, size_t cap, const char *s) {
  size_t o = 0;
  if (cap < 3) return;
  out[o++] = '"';
  for (; *s && o + 8 < cap; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '"' || ch == '\\') { out[o++] = '\\'; out[o++] = (char)ch; }
    else if (ch < 0x20) o += (size_t)snprintf(out + o, cap - o, "\\u%04x", ch);
    else out[o++] = (char)ch;
  }
  out[o++] = '"';
  out[o] = 0;
}

static int fill_of(int fd) {
  int n = 0;
  if (fd < 0 || ioctl(fd, FIONREAD, &n) < 0) return 0;
  return n;
}

/* The `pipes` event: each pipe, its readers and how many bytes wait in each kernel pipe. */
static void emit_status(void) {
  size_t cap = 256;
  for (apipe_t *p = pipes; p; p = p->next) cap += 256 + strlen(p->name) * 2 + strlen(p->readers) * 6 + (size_t)p->nbr * 96;
  char *b = malloc(cap), tmp[1024];
  if (!b) return;
  size_t o = (size_t)snprintf(b, cap, "\"ev\":\"pipes\",\"pipes\":[");
  for (apipe_t *p = pipes; p; p = p->next) {
    json_str(tmp, sizeof tmp, p->name);
    o += (size_t)snprintf(b + o, cap - o, "%s{\"name\":%s,\"mode\":\"%s\",\"open\":%s,\"capacity\":%d,\"fill\":%d,\"pending\":%zu,\"readers\":[",
                          p == pipes ? "" : ",", tmp, p->nbr > 1 ? "tee" : "direct", p->w >= 0 ? "true" : "false",
                          fcntl(p->r, F_GETPIPE_SZ), fill_of(p->r), p->clen);
    if (p->nbr == 1) {
      json_str(tmp, sizeof tmp, p->readers);
      o += (size_t)snprintf(b + o, cap - o, "{\"name\":%s,\"fill\":%d}", tmp, fill_of(p->r));
    }
    for (int i = 0; i < p->nbr && p->br; i++) {
      json_str(tmp, sizeof tmp, p->br[i].reader);
      o += (size_t)snprintf(b + o, cap - o, "%s{\"name\":%s,\"fill\":%d,\"capacity\":%d}", i ? "," : "", tmp, fill_of(p->br[i].r),
                            fcntl(p->br[i].r, F_GETPIPE_SZ));
    }
    o += (size_t)snprintf(b + o, cap - o, "]}");
  }
  snprintf(b + o, cap - o, "]");
  emit(0, "%s", b);
  free(b);
}

int pipes_verb(const char *verb, const char *name) {
  if (strcmp(verb, "pipes") == 0) { emit_status(); return 1; }
  if (strcmp(verb, "pipe-eof") == 0) {
    apipe_t *p = name ? pipe_find(name) : NULL;
    if (p) {
      close_end(&p->w, &p->hw);
      if (p->nbr > 1 && tee_complete(p)) tee_pump(p);
    }
    return 1;
  }
  if (strcmp(verb, "pipe-drop") == 0) {
    apipe_t *p = name ? pipe_find(name) : NULL;
    if (p) pipe_free(p);
    return 1;
  }
  return 0;
}

int pipes_take_held(unsigned id, int fd, const char *meta) {
  if (meta[0] != 'Q' || meta[1] != '\t') return 0;
  char *copy = strdup(meta + 2);
  if (!copy) { close(fd); return 1; }
  char *f[4] = {0};
  char *s = copy;
  for (int i = 0; i < 4; i++) {
    f[i] = s;
    char *t = strchr(s, '\t');
    if (!t) { s += strlen(s); continue; }
    *t = 0;
    s = t + 1;
  }
  char role = f[0][0];
  apipe_t *p = pipe_find(f[1]);
  if (!p) p = pipe_new(f[1], f[2] ? f[2] : "");
  if (!p) { close(fd); unhold_fd(id); free(copy); return 1; }
  if (role == 'r') { p->r = fd; p->hr = id; }
  else if (role == 'w') { p->w = fd; p->hw = id; }
  else {
    int found = 0;
    for (int i = 0; i < p->nbr && p->br; i++) {
      if (strcmp(p->br[i].reader, f[3] ? f[3] : "") != 0) continue;
      if (role == 'R') { p->br[i].r = fd; p->br[i].hr = id; }
      else { p->br[i].w = fd; p->br[i].hw = id; }
      found = 1;
    }
    if (!found) { close(fd); unhold_fd(id); }
  }
  free(copy);
  if (p->nbr > 1) tee_arm(p);
  return 1;
}

void pipes_rehold(void) {
  for (apipe_t *p = pipes; p; p = p->next) {
    p->hr = hold_end(p->r, 'r', p, NULL);
    p->hw = hold_end(p->w, 'w', p, NULL);
    for (int i = 0; i < p->nbr && p->br; i++) {
      p->br[i].hr = hold_end(p->br[i].r, 'R', p, p->br[i].reader);
      p->br[i].hw = hold_end(p->br[i].w, 'W', p, p->br[i].reader);
    }
  }
}

int pipes_streams(const char *in, const char *out, const char *err, int fds[3], char *msg, size_t cap) {
  const char *specs[3] = {in, out, err};
  for (int i = 0; i < 3; i++) {
    if (!pipes_is_spec(specs[i])) continue;
    if ((fds[i] = pipes_fd_for(specs[i], i > 0, msg, cap)) < 0) return -1;
  }
  return 0;
}
