/*
 * One cgroup per job (DESIGN: whole process trees, exactly). The kernel knows every process of a
 * job, however it forked or setsid'd: `cgroup.kill` ends them all at once, `cgroup.events`
 * says when none is left (`populated 0`), and /proc/PID/cgroup attributes an orphan exactly.
 * cgroup v2 gives kill/events/membership; limits (pids, memory, cpu) go to v2 when its controllers
 * are enabled for us, else to the v1 hierarchy of that controller (hybrid hosts).
 */
#ifndef APPINIT_CGROUP_H
#define APPINIT_CGROUP_H
#include <stddef.h>
#include <sys/types.h>

/* Limits asked for a job; 0 = none. */
typedef struct {
  long long pids;
  long long memory; /* bytes */
  int cpu;          /* percent of one CPU */
} cg_limits_t;

/* The fds a child writes "0" into to join its job's groups (v2 first), -1 terminated. */
#define CG_MAX_JOIN 4

/* Finds a writable cgroup v2 tree and makes this helper's directory in it, named from key.
 * Returns 1 when per-job cgroups are in use. */
int cg_setup(const char *key);
/* "v2:/sys/fs/cgroup/unified/appinit-0-1a2b3c4d" or "none". */
const char *cg_describe(void);
int cg_enabled(void);
/* Makes the job's groups (idempotent) and applies limits. Fills join fds (CG_MAX_JOIN, -1 padded,
 * close-on-exec, owned by the caller; join[0] is the v2 group's), the v2 group's directory fd
 * (for clone3's CLONE_INTO_CGROUP) and its cgroup.events fd. Returns 0, or -1 with err set. */
int cg_job_create(const char *job, const cg_limits_t *lim, int *join, int *dir_fd, int *events_fd, char *err, size_t errlen);
/* Kills every process of the job at once (cgroup.kill). Returns 0 on success. */
int cg_job_kill(const char *job);
/* Live pids of the job's v2 group into *out (malloc'd). Returns the count, or -1. */
int cg_job_procs(const char *job, pid_t **out);
/* 1 while the group has a live process, 0 when empty, -1 on error (reads cgroup.events). */
int cg_populated(int events_fd);
/* How many processes of job's group the OOM killer took (v2 memory.events' oom_kill, or v1
 * memory.oom_control's), -1 when no memory controller counts for it. */
long cg_oom_kills(const char *job, int dir_fd);
/* Removes the job's (empty) groups; a populated group stays. */
int cg_job_remove(const char *job); /* 0: the v2 group is gone */
/* Copies into job the key of the job whose group pid is in; 1 if found. */
int cg_job_of(pid_t pid, char *job, size_t cap);
/* Removes every empty job group of this helper and its directory (at quit). */
void cg_cleanup_all(void);
/* Calls fn for the key of every job group in this helper's v2 directory (made by us or by a
 * helper before us that died). */
void cg_job_each(void (*fn)(const char *job, void *arg), void *arg);
/* 1 when the job's v2 group exists (made by a helper before us). */
int cg_job_exists(const char *job);
/* A job key usable as a directory name. */
int cg_key_ok(const char *job);

#endif
