/*
 * Per-process accounting from the kernel for appinit-supervise: taskstats over generic
 * netlink (one message per task at its exit, with its own CPU, elapsed time, exit code,
 * flags, memory integrals and I/O) and the process connector (fork and setsid events, so a
 * process reaped by its own parent is still known as part of its job when its record arrives).
 * Needs root (CAP_NET_ADMIN); without it ts_open fails and the daemon keeps wait4 records.
 */
#ifndef APPINIT_TASKSTATS_H
#define APPINIT_TASKSTATS_H
#include <sys/types.h>

/* How records leave: supervise.c's emit_event (durable JSON lines). */
typedef void (*ts_emit_fn)(int durable, const char *fmt, ...);

/* Opens both netlink sockets; returns the fd to poll for readability (exit records; fork events
 * are read along), or -1 when unavailable (not root, no taskstats here, or APPINIT_ACCT=wait4
 * in the environment). */
int ts_open(ts_emit_fn emit);

/* 1 when taskstats records are being produced. */
int ts_enabled(void);

/* A process of a job that the helper knows (a leader it forked, an orphan it adopted).
 * Its descendants are then followed through fork events. */
void ts_track(pid_t pid, const char *job, int leader);
/* The same, with its terminal (tty_nr) when the caller knows it (0: none); -1 reads /proc. */
void ts_track_tty(pid_t pid, const char *job, int leader, long tty);

/* A process just reaped that was tracked only at its reap (an orphan not seen alive): its
 * record, if still queued, is read at the next drain; the entry is dropped after it either way
 * (its record may have been read before it was tracked, and an entry never dropped would
 * claim the next process with its pid). */
void ts_reaped(pid_t pid);

/* Reads whatever is pending and emits one `taskstats` event per ended process of a job,
 * in termination order. Called when the fd is readable and before every reap, so that a
 * process's record always precedes its `exit` event. */
void ts_readable(void);

/* How many records of job leaders (processes the helper reaps itself) were sent so far. */
unsigned ts_leaders_ended(void);

/* What a leader's record said, for its reap: the ids and flags /proc would give for the zombie. */
typedef struct {
  pid_t pid, ppid;
  unsigned uid, gid;
  unsigned acflag; /* AFORK 1, ASU 2, ACORE 8, AXSIG 0x10 */
  char comm[33];
} ts_sent_t;
/* 1 (and *out filled) when the record of leader pid was sent and not taken yet: its reap then
 * need not read /proc (~7 system calls); the daemon stores the kernel's record, not wait4's. */
int ts_leader_sent(pid_t pid, ts_sent_t *out);

#endif
