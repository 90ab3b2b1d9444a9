/*
 * A forked child that shares the helper's descriptor table until it has its own few (fdshare.c).
 *
 * A plain fork copies every descriptor of the helper (~7 per job: thousands during an `up` of
 * 500) and the child closes them all again at its exec (close-on-exec: a flush per file). Instead
 * the parent puts the few descriptors a child needs into a block of low slots kept for that, and
 * the child, born with CLONE_FILES, first unshares the table keeping only the slots below its
 * block's end (close_range(end, ~0U, CLOSE_RANGE_UNSHARE) copies nothing above it), then closes
 * the other blocks below its own.
 *
 * There are several blocks, used in turn: the parent fills the next one while the child of the
 * last is still on its way to its own table (with one block the helper waited for each child to
 * be scheduled: ~100 ms of an `up` of 500 on two busy cores). And the table is grown ahead, while
 * no child shares it: the kernel grows a shared table only after an RCU grace period (~8 ms
 * each here, with both cores idle).
 */
#ifndef APPINIT_FDSHARE_H
#define APPINIT_FDSHARE_H
#include <sys/types.h>

#define FDSHARE_SLOTS 8  /* descriptors per block */
#define FDSHARE_BLOCKS 4

/* Once, first thing at start (the blocks take the lowest free descriptors). 0: off here. */
int fdshare_init(void);
/* Whether a child may share: on, and n descriptors fit a block. */
int fdshare_fits(int n);
/* Before the clone: takes the next block (waiting, if need be, until its last child has its own
 * table), puts fds[0..n) into it (copies, close-on-exec) and writes their slot numbers back into
 * fds. Returns the block, for fdshare_forked and the child's fdshare_child. */
int fdshare_fill(int *fds, int n);
/* After the clone, in the parent: pid is the child now sharing the table through block (-1: the
 * clone failed). */
void fdshare_forked(int block, pid_t pid);
/* In the child, first: its own table (its block and below, the other blocks closed), and tells
 * the parent. 0 or -1 (errno). */
int fdshare_child(int block);
/* Waits for every sharing child and empties every block, so no copy of a child's pipe ends stays
 * in the helper (its exec result is the pipe's EOF). */
void fdshare_release(void);
#endif
