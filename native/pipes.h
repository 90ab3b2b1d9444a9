/*
 * Pipes between programs (issue 12): `stdin: { from: producer }` in the control file.
 *
 * The helper owns every such pipe and keeps both of its ends open, so a reader that restarts
 * leaves the writer without SIGPIPE (it goes on writing into the same pipe, up to its size, then
 * waits), and a writer that restarts leaves the reader without EOF. Both ends are also given to
 * the fd holder, so a `kill -9` of the helper costs no pipe either.
 *
 * One reader: the producer and the reader share one kernel pipe, nothing is copied. Several
 * readers: the producer writes into its own pipe, the helper reads it and writes every chunk
 * into one pipe per reader (a tee), reading no more than the fullest reader's pipe can take, so
 * the slowest reader holds the producer back and nothing is buffered without bound.
 *
 * Specs in spawn frames (stdin / stdout / stderr values):
 *   pipe:NAME:R1,R2,...      the producer's end of the pipe NAME read by programs R1, R2, ...
 *   pipe:NAME:R1,R2,...:Ri   the reading end of program Ri
 * Verbs: `pipe-eof path=NAME` (the producer has ended for good: readers see EOF once they have
 * read everything), `pipes` (answers a `pipes` event with each pipe and how full it is).
 */
#ifndef APPINIT_PIPES_H
#define APPINIT_PIPES_H
#include <stddef.h>

/* Gives the fd holder a duplicate of fd under meta; returns its id (0: not held). */
typedef unsigned (*pipes_hold_fn)(int fd, const char *meta);
/* The holder drops its duplicate. */
typedef void (*pipes_unhold_fn)(unsigned id);
/* Sends an event line to the daemon (as supervise.c's emit_event). */
typedef void (*pipes_emit_fn)(int durable, const char *fmt, ...);

/* Sets up; returns an epoll fd the main loop watches for EPOLLIN (then calls pipes_ready). */
int pipes_init(pipes_hold_fn hold, pipes_unhold_fn unhold, pipes_emit_fn emit);
/* Moves bytes of the tees that can move. */
void pipes_ready(void);
/* True when spec names a pipe (`pipe:...`). */
int pipes_is_spec(const char *spec);
/* The helper's fd for a child's stream: the write end for a producer (writing=1), the read end
 * for a reader. It stays the helper's (the child dup2s it). -1 and a reason in err on failure. */
int pipes_fd_for(const char *spec, int writing, char *err, size_t errlen);
/* A spawn's three stream specs: fds[i] is set to the helper's end for each that names a pipe
 * (stdin: the read end; stdout, stderr: the write end). -1 with a reason in msg on failure. */
int pipes_streams(const char *in, const char *out, const char *err, int fds[3], char *msg, size_t cap);
/* A verb of the daemon's (pipe-eof, pipes); returns 1 when it was one. */
int pipes_verb(const char *verb, const char *name);
/* An fd taken over from the holder of an earlier helper; returns 1 when it was a pipe's. */
int pipes_take_held(unsigned id, int fd, const char *meta);
/* The holder was replaced: give the new one every end again. */
void pipes_rehold(void);

#endif
