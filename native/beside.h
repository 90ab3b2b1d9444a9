/*
 * A child that runs beside us in our own memory (clone CLONE_VM without CLONE_VFORK): beside.c.
 *
 * In a burst (an `up`, runs due at the same second) the helper used to fork each child so that
 * the children make their way to exec on the other core while it goes on with the next: but a
 * fork copies the helper's page tables and makes every page it writes afterwards fault once
 * (about half of the helper's CPU in an `up` of 500). A vfork copies nothing but holds the helper
 * until the child has exec'd, one child after another. A child born with CLONE_VM alone does
 * neither: it shares our memory and we go on at once.
 *
 * What it must have of its own, since we keep running and writing: its stack, a copy of
 * everything it reads (the spawn request is overwritten by the next frame), and its thread
 * pointer. glibc keeps errno (and the stack guard) in the thread's static TLS block: the child's
 * failing calls (execvpe tries each PATH directory: ENOENT) would otherwise write our errno
 * between a call of ours and our read of it. So the child gets a copy of our TLS block and
 * thread control block (clone3 CLONE_SETTLS) pointing at itself.
 *
 * Its memory is ours again once it has exec'd or died (the kernel drops our address space
 * before it closes the child's close-on-exec descriptors, so the EOF of its exec-status pipe
 * says so), or, when it reported a failure, once it is reaped (it still runs to _exit).
 */
#ifndef APPINIT_BESIDE_H
#define APPINIT_BESIDE_H
#include <stddef.h>
#include <sys/types.h>

typedef struct beside beside_t;

/* Whether children may run beside us here (x86-64, a TLS block we can copy). Once, at start. */
int beside_init(void);
/* An image: a stack, a thread pointer, and `need` bytes for the child's copy of what it reads
 * (beside_data). Reused from a pool: its pages were touched by an earlier child. */
beside_t *beside_get(size_t need);
void *beside_data(beside_t *b);
/* The top of its stack (16-byte aligned), its size, and its thread pointer, for clone3. */
char *beside_stack_top(beside_t *b);
size_t beside_stack_size(void);
void *beside_tls(beside_t *b);
/* After the clone: the child's pid (or -1: the clone failed, the image is free again). */
void beside_started(beside_t *b, pid_t pid);
/* Its exec-status pipe said EOF (exec'd, or dead without a word): the image is free. */
void beside_done(beside_t *b);
/* It reported a failure: the image is free once the process is reaped (beside_reaped). */
void beside_failed(beside_t *b);
/* A child was reaped: frees its image if it was waiting for that. */
void beside_reaped(pid_t pid);
#endif
