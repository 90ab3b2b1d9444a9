/* A forked child that shares the helper's descriptor table until it has its own few: see fdshare.h. */
#define _GNU_SOURCE
#include "fdshare.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif

#define ALL_SLOTS (FDSHARE_SLOTS * FDSHARE_BLOCKS)

static int base = -1;    /* first slot of block 0 (the blocks follow each other), or -1: off */
static int devnull = -1; /* what a slot holds while no child needs it */
static struct {
  int used;      /* slots [0, used) of the block may hold a child's descriptors */
  pid_t sharing; /* the last child forked through the block, until it has its own table */
} blocks[FDSHARE_BLOCKS];
static int turn; /* the block filled next */
static int cap;  /* the table has at least this many slots: grown by us while not shared */
static int at_limit; /* cap is RLIMIT_NOFILE: no growing ahead (nor waiting for it) any more */
/* In a page shared with every forked child, one per block: 0 while the block's child shares the
 * table, 1 once it has its own, 2 while the parent sleeps on it (the child then wakes it). */
static int *words;

/* The table to at least n slots (the kernel allocates it whole when a descriptor needs it). */
static void grow_to(int n) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && (rlim_t)n >= rl.rlim_cur) {
    n = (int)rl.rlim_cur;
    at_limit = 1;
  }
  if (n <= cap) return;
  int d = fcntl(devnull, F_DUPFD_CLOEXEC, n - 1);
  if (d >= 0) close(d);
  cap = n;
}

int fdshare_init(void) {
  /* Kernels before 5.9 know no CLOSE_RANGE_UNSHARE: a lone table makes this a no-op elsewhere. */
  if (syscall(SYS_close_range, ~0U, ~0U, CLOSE_RANGE_UNSHARE) != 0) return 0;
  void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) return 0;
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null < 0) { munmap(page, 4096); return 0; }
  int slots[ALL_SLOTS], n = 0, ok = 1;
  for (; n < ALL_SLOTS && ok; n++) {
    slots[n] = fcntl(null, F_DUPFD_CLOEXEC, 3);
    ok = slots[n] >= 0 && slots[n] == slots[0] + n;
  }
  if (!ok) { /* not one run of free slots: off */
    for (int i = 0; i < n; i++) if (slots[i] >= 0) close(slots[i]);
    close(null);
    munmap(page, 4096);
    return 0;
  }
  words = page;
  devnull = null;
  base = slots[0];
  grow_to(1024); /* 8 KiB: an `up` of ~100 programs grows it no more */
  return 1;
}

int fdshare_fits(int n) { return base >= 0 && n <= FDSHARE_SLOTS; }

static int unshared(int b) { return blocks[b].sharing <= 0 || __atomic_load_n(&words[b], __ATOMIC_ACQUIRE) == 1; }

/* Until block b's last child has its own table (or died before it got one). */
static void wait_unshared(int b) {
  if (blocks[b].sharing <= 0) return;
  int *word = &words[b];
  while (__atomic_load_n(word, __ATOMIC_ACQUIRE) != 1) {
    int zero = 0;
    __atomic_compare_exchange_n(word, &zero, 2, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
    struct timespec ts = {0, 5 * 1000 * 1000};
    syscall(SYS_futex, word, FUTEX_WAIT, 2, &ts, NULL, 0);
    if (__atomic_load_n(word, __ATOMIC_ACQUIRE) == 1) break;
    /* A child killed before its first system call never says: its end is enough. */
    siginfo_t si = {0};
    if (waitid(P_PID, blocks[b].sharing, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid == blocks[b].sharing) break;
  }
  blocks[b].sharing = 0;
}

/* Block b's slots back to /dev/null: no copy of its child's pipe ends stays with us. */
static void empty(int b) {
  for (int i = 0; i < blocks[b].used; i++) dup3(devnull, base + b * FDSHARE_SLOTS + i, O_CLOEXEC);
  blocks[b].used = 0;
}

int fdshare_fill(int *fds, int n) {
  int b = turn;
  turn = (turn + 1) % FDSHARE_BLOCKS;
  /* The table grows ahead, while nobody shares it (a shared one grows after a grace period). */
  int top = 0;
  for (int i = 0; i < n; i++) if (fds[i] > top) top = fds[i];
  if (top >= cap / 2 && !at_limit) {
    fdshare_release();
    grow_to(cap * 4);
  }
  /* The other blocks whose children have their own tables let go of those children's pipes. */
  for (int o = 0; o < FDSHARE_BLOCKS; o++)
    if (o != b && blocks[o].used && unshared(o)) { blocks[o].sharing = 0; empty(o); }
  wait_unshared(b);
  int first = base + b * FDSHARE_SLOTS;
  for (int i = 0; i < n; i++) {
    while (dup3(fds[i], first + i, O_CLOEXEC) < 0 && errno == EINTR) {}
    fds[i] = first + i;
  }
  for (int i = n; i < blocks[b].used; i++) dup3(devnull, first + i, O_CLOEXEC);
  blocks[b].used = n;
  __atomic_store_n(&words[b], 0, __ATOMIC_RELEASE);
  return b;
}

void fdshare_forked(int block, pid_t pid) { blocks[block].sharing = pid > 0 ? pid : 0; }

int fdshare_child(int block) {
  int first = base + block * FDSHARE_SLOTS;
  long r = syscall(SYS_close_range, (unsigned)(first + FDSHARE_SLOTS), ~0U, CLOSE_RANGE_UNSHARE);
  if (r != 0) return -1; /* still sharing: the parent waits for our end instead */
  /* Our own table now: the blocks below ours hold other children's pipes (copies, close-on-exec,
   * but one of ours that waits in a blocking open would keep their ends open till then). */
  if (block > 0) syscall(SYS_close_range, (unsigned)base, (unsigned)(first - 1), 0);
  if (__atomic_exchange_n(&words[block], 1, __ATOMIC_ACQ_REL) == 2) syscall(SYS_futex, &words[block], FUTEX_WAKE, 1, NULL, NULL, 0);
  return 0;
}

void fdshare_release(void) {
  if (base < 0) return;
  for (int b = 0; b < FDSHARE_BLOCKS; b++) {
    wait_unshared(b);
    if (blocks[b].used) empty(b);
  }
}
