/* A forked child that shares the helper's descriptor table until it has its own few: see fdshare.h. */
#define _GNU_SOURCE
#include "fdshare.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif

static int base = -1;       /* first slot of the block, or -1: off */
static int devnull = -1;    /* what a slot holds while no child needs it */
static int used;            /* slots [0, used) may hold a child's descriptors */
static pid_t sharing;       /* the last child forked sharing the table, until it has its own */
/* In a page shared with every forked child: 0 while the child shares the table, 1 once it has its
 * own, 2 while the parent sleeps on it (the child then wakes it). */
static int *word;

int fdshare_init(void) {
  /* Kernels before 5.9 know no CLOSE_RANGE_UNSHARE: a lone table makes this a no-op elsewhere. */
  if (syscall(SYS_close_range, ~0U, ~0U, CLOSE_RANGE_UNSHARE) != 0) return 0;
  void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) return 0;
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null < 0) { munmap(page, 4096); return 0; }
  int slots[FDSHARE_SLOTS], n = 0, ok = 1;
  for (; n < FDSHARE_SLOTS && ok; n++) {
    slots[n] = fcntl(null, F_DUPFD_CLOEXEC, 3);
    ok = slots[n] >= 0 && slots[n] == slots[0] + n;
  }
  if (!ok) { /* not one run of free slots: off */
    for (int i = 0; i < n; i++) if (slots[i] >= 0) close(slots[i]);
    close(null);
    munmap(page, 4096);
    return 0;
  }
  word = page;
  devnull = null;
  base = slots[0];
  return 1;
}

int fdshare_fits(int n) { return base >= 0 && n <= FDSHARE_SLOTS; }

/* Until the last sharing child has its own table (or died before it got one). */
static void wait_unshared(void) {
  if (sharing <= 0) return;
  while (__atomic_load_n(word, __ATOMIC_ACQUIRE) != 1) {
    int zero = 0;
    __atomic_compare_exchange_n(word, &zero, 2, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
    struct timespec ts = {0, 5 * 1000 * 1000};
    syscall(SYS_futex, word, FUTEX_WAIT, 2, &ts, NULL, 0);
    if (__atomic_load_n(word, __ATOMIC_ACQUIRE) == 1) break;
    /* A child killed before its first system call never says: its end is enough. */
    siginfo_t si = {0};
    if (waitid(P_PID, sharing, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid == sharing) break;
  }
  sharing = 0;
}

void fdshare_fill(int *fds, int n) {
  wait_unshared();
  for (int i = 0; i < n; i++) {
    while (dup3(fds[i], base + i, O_CLOEXEC) < 0 && errno == EINTR) {}
    fds[i] = base + i;
  }
  for (int i = n; i < used; i++) dup3(devnull, base + i, O_CLOEXEC);
  used = n;
  __atomic_store_n(word, 0, __ATOMIC_RELEASE);
}

void fdshare_forked(pid_t pid) { sharing = pid > 0 ? pid : 0; }

int fdshare_child(void) {
  long r = syscall(SYS_close_range, (unsigned)(base + FDSHARE_SLOTS), ~0U, CLOSE_RANGE_UNSHARE);
  if (r != 0) return -1; /* still sharing: the parent waits for our end instead */
  if (__atomic_exchange_n(word, 1, __ATOMIC_ACQ_REL) == 2) syscall(SYS_futex, word, FUTEX_WAKE, 1, NULL, NULL, 0);
  return 0;
}

void fdshare_release(void) {
  if (base < 0 || !used) return;
  wait_unshared();
  for (int i = 0; i < used; i++) dup3(devnull, base + i, O_CLOEXEC);
  used = 0;
}
