/*
 * Sockets a job gets from the helper (issue 12, issue 9's `ready: notify`):
 *  - NOTIFY_SOCKET: one datagram socket per job (abstract address, SO_PASSCRED), so a message is
 *    the job's by the socket it came in on, whatever process of the job sent it (systemd-notify
 *    sends as itself, a child of the job). READY=1, STATUS=, MAINPID=, STOPPING=, RELOADING=,
 *    ERRNO= become `notify` events; FDSTORE=1 with SCM_RIGHTS keeps descriptors (FDNAME=,
 *    FDSTOREREMOVE=1) in a store per program instance, held by the fd holder;
 *  - listening sockets (listen.c), created and held here so a program gets them with systemd's
 *    LISTEN_FDS / LISTEN_PID / LISTEN_FDNAMES, from fd 3, listen sockets first, then the store.
 */
#ifndef APPINIT_NOTIFY_H
#define APPINIT_NOTIFY_H

#include <sys/types.h>

/* Tag of a notify socket in epoll (the helper's objects start with an int kind). */
#define KIND_NOTIFY 0x4e4f54
#define SK_PASS_MAX 253
#define SK_LISTEN_MAX 32

typedef void (*sk_emit_fn)(int durable, const char *fmt, ...);
typedef unsigned (*sk_hold_fn)(int fd, const char *meta);
typedef void (*sk_bury_fn)(void *obj);

/* What one spawn asks for and what its child is given. Lives in the spawn request. */
typedef struct {
  int notify;                        /* `notify N`: a NOTIFY_SOCKET, N = descriptors the store may keep */
  const char *store;                 /* `store KEY`: the descriptor store (program/instance) */
  const char *listen[SK_LISTEN_MAX]; /* `listen NAME\tURL` */
  int nlisten;
  int listen_as_user;                /* `listen_as user`: a unix: socket is made with the job user's rights (a user's file on root's daemon) */
  /* From here on filled by sockets_prepare: a new request clears only what is above (req_clear). */
  int fds[SK_PASS_MAX];              /* given to the child from fd 3 */
  int n;
  char env_notify[128], env_fds[32], env_pid[32];
  char env_names[4096];
} sk_spawn_t;

/* Once, at start: where the helper's socket is (names the notify sockets) and its loop. */
void sockets_init(const char *sockpath, int epfd, sk_emit_fn emit, sk_hold_fn hold, sk_bury_fn bury);
/* One spawn-frame key; 1 if it was ours. */
int sockets_key(sk_spawn_t *s, const char *k, const char *v);
/* Before the fork: makes or finds the sockets, fills fds and adds the environment. -1 + msg on error. */
int sockets_prepare(sk_spawn_t *s, const char *job, uid_t uid, const char **envp, int *envc, int maxenv, char *msg, size_t cap);
/* In the child before exec: the fds at 3.., LISTEN_PID; moves *sfd above them. Returns the first
 * fd to close on exec (3 + n), -1 on failure. */
int sockets_child(sk_spawn_t *s, int *sfd);
/* A pty job's keeper keeps only a few fds: the job's own are first moved to min or above ... */
void sockets_lift(sk_spawn_t *s, int min);
/* ... and spared when it closes everything from `from` on. */
void sockets_close_from(sk_spawn_t *s, int from);
/* A datagram on a notify socket. */
void notify_readable(void *obj);
/* `release` frame: job (its notify socket), store (its descriptors), url (a listening socket). */
void sockets_release(const char *frame, size_t n);
/* An fd taken over from the holder of an earlier helper, if its meta is ours (N, F, L): 1. */
int sockets_take_held(unsigned id, int fd, const char *meta);
/* A new holder: hand it everything again. */
void sockets_rehold(void);
/* The helper leaves: unix socket files are removed. */
void sockets_quit(void);

/* listen.c */
/* The listening socket for url, made (bound, listening) on first use; -1 + msg on error. A unix:
 * socket file is made with uid's rights (uid -1 or 0: root's) and is uid's. */
int listen_get(const char *url, uid_t uid, char *msg, size_t cap);
void listen_release(const char *url);
int listen_take_held(unsigned id, int fd, const char *url);
void listen_rehold(sk_hold_fn hold);
void listen_quit(void);
void listen_set_hold(sk_hold_fn hold);

#endif
