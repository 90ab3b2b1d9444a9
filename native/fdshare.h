/*
 * A forked child that shares the helper's descriptor table until it has its own few (fdshare.c).
 *
 * A plain fork copies every descriptor of the helper (~7 per job: thousands during an `up` of
 * 500) and the child closes them all again at its exec (close-on-exec: a flush per file). Instead
 * the parent puts the few descriptors a child needs into a block of low slots kept for that, and
 * the child, born with CLONE_FILES, first unshares the table keeping only the slots below the
 * block's end (close_range(end, ~0U, CLOSE_RANGE_UNSHARE) copies nothing above it).
 */
#ifndef APPINIT_FDSHARE_H
#define APPINIT_FDSHARE_H
#include <sys/types.h>

#define FDSHARE_SLOTS 8

/* Once, first thing at start (the block takes the lowest free descriptors). 0: off here. */
int fdshare_init(void);
/* Whether a child may share: on, and n descriptors fit the block. */
int fdshare_fits(int n);
/* Before the clone: waits until the last sharing child has its own table, then puts fds[0..n)
 * into the block (copies, close-on-exec) and writes their slot numbers back into fds. */
void fdshare_fill(int *fds, int n);
/* After the clone, in the parent: pid is the child now sharing the table (-1: the clone failed). */
void fdshare_forked(pid_t pid);
/* In the child, first: its own table (the block and below), and tells the parent. 0 or -1 (errno). */
int fdshare_child(void);
/* Waits for the last sharing child (if any) and empties the block, so no copy of a child's pipe
 * ends stays in the helper (its exec result is the pipe's EOF). */
void fdshare_release(void);
#endif
