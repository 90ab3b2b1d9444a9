/* libappinit-sysv: System V IPC calls for appinit/sysv (loaded in-process with koffi).
 *
 * Why in-process: SEM_UNDO adjustments belong to the calling process, so a semop that may block
 * cannot run in a helper process. Why own threads: a blocking call must neither block Node's event
 * loop nor occupy libuv's thread pool (4 threads by default, shared with fs, dns, zlib). A call that
 * would block runs on one of our own detached pthreads (they share the process's SEM_UNDO list,
 * glibc creates threads with CLONE_SYSVSEM); when it returns, the thread writes the request's handle
 * to a pipe that Node watches with epoll (a net.Socket), and JS takes the result. Detached threads
 * are never joined, so process exit is never held up: exit_group ends them inside their syscall.
 *
 * Every call returns >= 0, or -errno. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <unistd.h>

#define OP_MSGSND 1
#define OP_MSGRCV 2
#define OP_SEMOP 3

struct req {
  int op, id, flags, nsops;
  int notify;         /* the pipe's write end of the JS realm (main thread or worker) that asked */
  long type;          /* msgrcv: msgtyp */
  size_t size;        /* msgsnd: payload bytes; msgrcv: capacity */
  void *buf;          /* msgsnd/msgrcv: long mtype + payload; semop: struct sembuf[] */
  long timeout_ns;    /* semop: < 0 = none */
  long ret;           /* result, or -errno */
  struct req *next;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static struct req *head, *tail;
static int idle_threads, queued;

static long rc(long r) { return r < 0 ? -errno : r; }

/* A completion pipe for one JS realm (the main thread, or each worker_thread that loads the
 * bindings): returns (write end << 32) | read end, or -errno. */
int64_t sysv_init(void) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) return -errno;
  return ((int64_t)p[1] << 32) | (uint32_t)p[0];
}

static void run(struct req *r) {
  switch (r->op) {
  case OP_MSGSND: r->ret = rc(msgsnd(r->id, r->buf, r->size, r->flags)); break;
  case OP_MSGRCV: r->ret = rc(msgrcv(r->id, r->buf, r->size, r->type, r->flags)); break;
  case OP_SEMOP:
    if (r->timeout_ns >= 0) {
      struct timespec ts = { r->timeout_ns / 1000000000L, r->timeout_ns % 1000000000L };
      r->ret = rc(semtimedop(r->id, r->buf, r->nsops, &ts));
    } else r->ret = rc(semop(r->id, r->buf, r->nsops));
    break;
  default: r->ret = -EINVAL;
  }
}

static void *worker(void *arg) {
  (void)arg;
  for (;;) {
    pthread_mutex_lock(&mu);
    while (!head) {
      idle_threads++;
      pthread_cond_wait(&cv, &mu);
      idle_threads--;
    }
    struct req *r = head;
    head = r->next;
    if (!head) tail = NULL;
    queued--;
    pthread_mutex_unlock(&mu);
    do run(r); while (r->ret == -EINTR);
    uintptr_t h = (uintptr_t)r;
    ssize_t n;
    do n = write(r->notify, &h, sizeof h); while (n < 0 && errno == EINTR);
  }
  return NULL;
}

/* Queues r for a thread (starting one when none is idle); returns the handle, or -errno. */
static int64_t submit(struct req *r) {
  pthread_mutex_lock(&mu);
  r->next = NULL;
  if (tail) tail->next = r; else head = r;
  tail = r;
  /* A new thread when more requests wait than threads idle (never fewer threads than needed). */
  int need = ++queued > idle_threads;
  if (!need) pthread_cond_signal(&cv);
  pthread_mutex_unlock(&mu);
  if (need) {
    pthread_t t;
    pthread_attr_t a;
    sigset_t all, old;
    sigfillset(&all);
    /* The thread starts with every signal blocked: signals stay Node's business. */
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&a, 64 * 1024);
    int e = pthread_create(&t, &a, worker, NULL);
    pthread_attr_destroy(&a);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    (void)e; /* on failure the request stays queued: the next thread to finish takes it */
  }
  return (int64_t)(uintptr_t)r;
}

int64_t sysv_msgsnd_async(int notify, int id, long type, const void *data, size_t size, int flags) {
  struct req *r = calloc(1, sizeof *r);
  if (!r || !(r->buf = malloc(sizeof(long) + size))) { free(r); return -ENOMEM; }
  memcpy(r->buf, &type, sizeof type);
  if (size) memcpy((char *)r->buf + sizeof(long), data, size);
  r->op = OP_MSGSND; r->notify = notify; r->id = id; r->size = size; r->flags = flags;
  return submit(r);
}

int64_t sysv_msgrcv_async(int notify, int id, size_t cap, long type, int flags) {
  struct req *r = calloc(1, sizeof *r);
  if (!r || !(r->buf = malloc(sizeof(long) + cap))) { free(r); return -ENOMEM; }
  r->op = OP_MSGRCV; r->notify = notify; r->id = id; r->size = cap; r->type = type; r->flags = flags;
  return submit(r);
}

int64_t sysv_semop_async(int notify, int id, const void *sops, int nsops, long timeout_ns) {
  struct req *r = calloc(1, sizeof *r);
  if (!r || !(r->buf = malloc(6 * (size_t)nsops))) { free(r); return -ENOMEM; }
  memcpy(r->buf, sops, 6 * (size_t)nsops);
  r->op = OP_SEMOP; r->notify = notify; r->id = id; r->nsops = nsops; r->timeout_ns = timeout_ns;
  return submit(r);
}

/* A finished request's result; for msgrcv copies mtype + payload into out (8 + cap bytes). Frees it. */
long sysv_take(int64_t handle, void *out, size_t out_size) {
  struct req *r = (struct req *)(uintptr_t)handle;
  long ret = r->ret;
  if (r->op == OP_MSGRCV && ret >= 0) {
    size_t n = sizeof(long) + (size_t)ret;
    memcpy(out, r->buf, n < out_size ? n : out_size);
  }
  free(r->buf);
  free(r);
  return ret;
}

/* Synchronous calls (the non-blocking fast path, and the calls that never block). */
/* ftok: the key as an unsigned 32-bit number (keys may have the top bit set), or -errno. */
long sysv_ftok(const char *path, int proj) {
  key_t k = ftok(path, proj);
  return k == (key_t)-1 ? -errno : (long)(uint32_t)k;
}
long sysv_msgget(int key, int flags) { return rc(msgget(key, flags)); }
long sysv_msgsnd(int id, const void *msg, size_t size, int flags) { return rc(msgsnd(id, msg, size, flags)); }
long sysv_msgrcv(int id, void *msg, size_t size, long type, int flags) { return rc(msgrcv(id, msg, size, type, flags)); }
long sysv_msgctl(int id, int cmd, void *buf) { return rc(msgctl(id, cmd, buf)); }
long sysv_semget(int key, int nsems, int flags) { return rc(semget(key, nsems, flags)); }
long sysv_semop(int id, void *sops, int nsops) { return rc(semop(id, sops, nsops)); }
long sysv_semctl_int(int id, int num, int cmd, int val) { return rc(semctl(id, num, cmd, val)); }
long sysv_semctl_ptr(int id, int num, int cmd, void *p) { return rc(semctl(id, num, cmd, p)); }
long sysv_shmget(int key, size_t size, int flags) { return rc(shmget(key, size, flags)); }
long sysv_shmctl(int id, int cmd, void *buf) { return rc(shmctl(id, cmd, buf)); }
/* shmat: the address, or -errno (addresses are below 2^47, so never negative). */
int64_t sysv_shmat(int id, int64_t addr, int flags) {
  void *p = shmat(id, (void *)(uintptr_t)addr, flags);
  return p == (void *)-1 ? -errno : (int64_t)(uintptr_t)p;
}
long sysv_shmdt(int64_t addr) { return rc(shmdt((void *)(uintptr_t)addr)); }
