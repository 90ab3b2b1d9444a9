/* A child that runs beside us in our own memory: see beside.h. */
#define _GNU_SOURCE
#include "beside.h"
#include <errno.h>
#include <link.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>

/* execvpe's ENOEXEC retry puts a copy of argv (up to 4,096 pointers) on the child's stack. */
#define STACK (128 * 1024)
/* What of the thread control block we copy: glibc's tcbhead_t (self pointers, stack guard, ...)
 * and the start of its struct pthread (2,368 bytes in glibc 2.36: we stay inside it). */
#define TCB_COPY 2048
#define POOL_MAX 16

struct beside {
  beside_t *next;
  pid_t pid;
  char *mem;   /* the stack, then the TLS copy */
  char *tp;    /* the child's thread pointer, inside mem */
  char *data;  /* the child's copy of what it reads */
  size_t cap;
};

static int ok;
static char *tls_lo;          /* the lowest byte of our static TLS blocks (below the thread pointer) */
static size_t below;          /* tp - tls_lo */
static size_t tls_area;       /* bytes after the stack for the copy */
static beside_t *pool;        /* free images */
static int pooled;
static beside_t *reaping;     /* images of children that failed, until they are reaped */

static char *thread_pointer(void) {
#if defined(__x86_64__)
  char *tp;
  __asm__("mov %%fs:0, %0" : "=r"(tp)); /* tcbhead_t.tcb: the TCB's own address */
  return tp;
#else
  return NULL;
#endif
}

static int lowest_tls(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  (void)data;
  char *p = info->dlpi_tls_data;
  if (info->dlpi_tls_modid && p && (!tls_lo || p < tls_lo)) tls_lo = p;
  return 0;
}

int beside_init(void) {
#if defined(__x86_64__)
  if (getenv("APPINIT_BESIDE") && strcmp(getenv("APPINIT_BESIDE"), "0") == 0) return 0; /* measuring */
  char *tp = thread_pointer();
  dl_iterate_phdr(lowest_tls, NULL);
  /* x86-64 TLS is variant II: every static block sits below the thread pointer. */
  if (!tp || !tls_lo || tls_lo >= tp || (size_t)(tp - tls_lo) > 64 * 1024) return 0;
  below = (size_t)(tp - tls_lo);
  tls_area = ((below + 63) / 64 * 64 + TCB_COPY + 4095) / 4096 * 4096;
  ok = 1;
  return 1;
#else
  return 0;
#endif
}

static beside_t *image_new(void) {
  beside_t *b = calloc(1, sizeof *b);
  if (!b) return NULL;
  b->mem = mmap(NULL, STACK + tls_area, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (b->mem == MAP_FAILED) {
    free(b);
    return NULL;
  }
  /* Same alignment as ours modulo 64 (the TLS blocks' alignment), the copy just above the stack. */
  b->tp = b->mem + STACK + (below + 63) / 64 * 64;
  return b;
}

beside_t *beside_get(size_t need) {
  if (!ok) return NULL;
  beside_t *b = pool;
  if (b) {
    pool = b->next;
    pooled--;
  } else if (!(b = image_new())) {
    return NULL;
  }
  if (need > b->cap) {
    char *d = realloc(b->data, need);
    if (!d) {
      beside_done(b);
      return NULL;
    }
    b->data = d;
    b->cap = need;
  }
  /* Our TLS and TCB as they are now (errno, the stack guard, the locale), then the TCB's
   * pointers to itself (tcbhead_t.tcb and .self) made the copy's. */
  char *tp = thread_pointer();
  memcpy(b->tp - below, tp - below, below + TCB_COPY);
  ((void **)b->tp)[0] = b->tp;
  ((void **)b->tp)[2] = b->tp;
  b->pid = 0;
  b->next = NULL;
  return b;
}

void *beside_data(beside_t *b) { return b->data; }
char *beside_stack_top(beside_t *b) { return b->mem + STACK; }
size_t beside_stack_size(void) { return STACK; }
void *beside_tls(beside_t *b) { return b->tp; }

void beside_started(beside_t *b, pid_t pid) {
  if (pid <= 0) beside_done(b);
  else b->pid = pid;
}

void beside_done(beside_t *b) {
  if (pooled >= POOL_MAX) {
    munmap(b->mem, STACK + tls_area);
    free(b->data);
    free(b);
    return;
  }
  b->pid = 0;
  b->next = pool;
  pool = b;
  pooled++;
}

void beside_failed(beside_t *b) {
  /* Reaped already (its end was handled before its record was read): free now. */
  siginfo_t si;
  memset(&si, 0, sizeof si);
  if (waitid(P_PID, b->pid, &si, WEXITED | WSTOPPED | WCONTINUED | WNOHANG | WNOWAIT) < 0 && errno == ECHILD) {
    beside_done(b);
    return;
  }
  b->next = reaping;
  reaping = b;
}

void beside_reaped(pid_t pid) {
  for (beside_t **pp = &reaping; *pp; pp = &(*pp)->next) {
    beside_t *b = *pp;
    if (b->pid != pid) continue;
    *pp = b->next;
    beside_done(b);
    return;
  }
}
