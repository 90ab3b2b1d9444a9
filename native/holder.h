/*
 * The fd holder: a tiny process that keeps a duplicate of every pipe end the helper reads from
 * (managed logs, pty masters) or writes to (stdin pipes), so a `kill -9` of the helper costs no
 * job: the pipes keep a reader (no SIGPIPE, no EPIPE), and the next helper takes them over
 * (SCM_RIGHTS) and goes on pumping where the last one stopped (issue 18, data loss 2).
 */
#ifndef APPINIT_HOLDER_H
#define APPINIT_HOLDER_H

/* Called for each fd taken over from a holder: its id and what it is (see supervise.c). */
typedef void (*holder_take_fn)(unsigned id, int fd, const char *meta);

/* Connects to the holder at path, taking over what it holds (fn per fd), or starts one.
 * Returns the highest id taken over (0 if none), -1 when no holder could be had. */
long holder_open(const char *path, holder_take_fn fn);
/* Pid of the holder this helper started (a child of ours, not a job's), or 0. */
int holder_child(void);
/* Hands the holder a duplicate of fd under id, with what it is. Returns 0 on success. */
int holder_add(unsigned id, int fd, const char *meta);
/* The holder closes its duplicate: the pipe is done with. */
void holder_del(unsigned id);
/* The helper leaves for good: the holder closes everything and exits. */
void holder_quit(void);

#endif
