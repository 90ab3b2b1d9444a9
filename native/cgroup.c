/*
 * Per-job cgroups for appinit-supervise (see cgroup.h for why).
 *
 * Layout: <v2 mount><helper's own v2 group>/appinit-<uid>-<hash of home>/job-<key>, and, only for a
 * job that asks for a limit its v2 group cannot enforce, <v1 mount of that controller><helper's
 * group there>/appinit-<uid>-<hash>/job-<key>. Groups are made under the helper's own, so a
 * delegated subtree (a user daemon) and a container's limits both still hold.
 */
#define _GNU_SOURCE
#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { C_PIDS, C_MEMORY, C_CPU, C_N };
static const char *const CTRL[C_N] = {"pids", "memory", "cpu"};

static char v2base[PATH_MAX];       /* our directory in the v2 tree; "" = none */
static char v2rel[PATH_MAX];        /* the same, as /proc/PID/cgroup shows it */
static int v2ctrl[C_N];             /* controller enabled for our job groups in v2 */
static char v1base[C_N][PATH_MAX];  /* our directory in each v1 controller's tree; "" = none */
static char describe[PATH_MAX + 8] = "none";
static char v2home[PATH_MAX];       /* the group the helper was started in (it moves to <base>/helper) */

int cg_enabled(void) { return v2base[0] != 0; }
const char *cg_describe(void) { return describe; }

int cg_key_ok(const char *job) {
  if (!job[0] || job[0] == '.' || strlen(job) > 64) return 0;
  for (const char *p = job; *p; p++)
    if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '-' || *p == '_' || *p == '.'))
      return 0;
  return 1;
}

static int write_file(const char *dir, const char *name, const char *value) {
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = write(fd, value, strlen(value));
  int e = errno;
  close(fd);
  errno = e;
  return n == (ssize_t)strlen(value) ? 0 : -1;
}

/* The helper's own group in the v2 tree ("0::PATH") or in the v1 tree holding ctrl. */
static int self_group(const char *ctrl, char *out, size_t cap) {
  FILE *fp = fopen("/proc/self/cgroup", "re");
  if (!fp) return -1;
  char line[PATH_MAX + 64];
  int found = -1;
  while (fgets(line, sizeof line, fp)) {
    line[strcspn(line, "\n")] = 0;
    char *c1 = strchr(line, ':');
    char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c2) continue;
    *c1 = *c2 = 0;
    int match = 0;
    if (!ctrl) match = strcmp(line, "0") == 0 && c1[1] == 0;
    else {
      char *save = NULL;
      for (char *t = strtok_r(c1 + 1, ",", &save); t; t = strtok_r(NULL, ",", &save))
        if (strcmp(t, ctrl) == 0) match = 1;
    }
    if (match) { snprintf(out, cap, "%s", strcmp(c2 + 1, "/") == 0 ? "" : c2 + 1); found = 0; break; }
  }
  fclose(fp);
  return found;
}

/* Mount point of cgroup2 (ctrl NULL) or of the v1 hierarchy holding ctrl. */
static int mount_of(const char *ctrl, char *out, size_t cap) {
  FILE *fp = fopen("/proc/self/mountinfo", "re");
  if (!fp) return -1;
  char line[4096];
  int found = -1;
  while (fgets(line, sizeof line, fp)) {
    char *dash = strstr(line, " - ");
    if (!dash) continue;
    char fstype[64], src[256], opts[1024] = "";
    if (sscanf(dash + 3, "%63s %255s %1023s", fstype, src, opts) < 2) continue;
    char root[PATH_MAX], mnt[PATH_MAX];
    if (sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) != 2) continue;
    if (strcmp(root, "/") != 0) continue; /* a bind of a subtree: paths would not line up */
    int match = 0;
    if (!ctrl) match = strcmp(fstype, "cgroup2") == 0;
    else if (strcmp(fstype, "cgroup") == 0) {
      char *save = NULL;
      for (char *t = strtok_r(opts, ",", &save); t; t = strtok_r(NULL, ",", &save))
        if (strcmp(t, ctrl) == 0) match = 1;
    }
    if (match) { snprintf(out, cap, "%s", mnt); found = 0; break; }
  }
  fclose(fp);
  return found;
}

static int populated_at(const char *dir) {
  char path[PATH_MAX + 16], data[256];
  snprintf(path, sizeof path, "%s/cgroup.events", dir);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, data, sizeof data - 1);
  close(fd);
  if (n <= 0) return -1;
  data[n] = 0;
  char *p = strstr(data, "populated ");
  return p ? p[10] == '1' : -1;
}

static void remove_jobs_in(const char *base);

/*
 * Directories of helpers that died by SIGKILL (their `quit` never ran) are removed by the next
 * helper of the same user: a live helper sits in its own <base>/helper group, so a base with
 * nothing populated below it has no helper and no job left.
 */
static void sweep_stale(const char *parent, const char *key) {
  char prefix[64];
  snprintf(prefix, sizeof prefix, "%s", key);
  char *dash = strrchr(prefix, '-');
  if (!dash) return;
  dash[1] = 0; /* appinit-<uid>- */
  DIR *d = opendir(parent);
  if (!d) return;
  struct dirent *e;
  char dir[PATH_MAX];
  while ((e = readdir(d))) {
    if (strncmp(e->d_name, prefix, strlen(prefix)) != 0 || strcmp(e->d_name, key) == 0) continue;
    snprintf(dir, sizeof dir, "%s/%s", parent, e->d_name);
    if (populated_at(dir) != 0) continue;
    char helper[PATH_MAX + 8];
    snprintf(helper, sizeof helper, "%s/helper", dir);
    rmdir(helper);
    remove_jobs_in(dir);
  }
  closedir(d);
}

/* Leaves <base>/helper for the group we were started in, so our directories can go. */
static void leave_helper_group(void) {
  if (!v2home[0]) return;
  if (write_file(v2home, "cgroup.procs", "0") == 0) {
    char helper[PATH_MAX + 8];
    snprintf(helper, sizeof helper, "%s/helper", v2base);
    rmdir(helper); /* fails while the fd holder is still in it: the next helper sweeps it */
  }
}

int cg_setup(const char *key) {
  char mnt[PATH_MAX], self[PATH_MAX];
  if (mount_of(NULL, mnt, sizeof mnt) == 0 && self_group(NULL, self, sizeof self) == 0) {
    char base[PATH_MAX];
    snprintf(base, sizeof base, "%s%s/%s", mnt, self, key);
    if ((mkdir(base, 0755) == 0 || errno == EEXIST) && access(base, W_OK) == 0) {
      char kill_file[PATH_MAX + 16];
      snprintf(kill_file, sizeof kill_file, "%s/cgroup.kill", base);
      if (access(kill_file, W_OK) == 0) { /* kernel >= 5.14; without it a tree cannot be killed at once */
        snprintf(v2base, sizeof v2base, "%s", base);
        snprintf(v2rel, sizeof v2rel, "%s/%s", self, key);
        snprintf(describe, sizeof describe, "v2:%s", base);
        for (int c = 0; c < C_N; c++) {
          char plus[16];
          snprintf(plus, sizeof plus, "+%s", CTRL[c]);
          v2ctrl[c] = write_file(base, "cgroup.subtree_control", plus) == 0;
        }
        /* Ours is the group the helper (and its fd holder) sit in: a populated base is alive. */
        char helper[PATH_MAX + 8];
        snprintf(helper, sizeof helper, "%s/helper", base);
        if ((mkdir(helper, 0755) == 0 || errno == EEXIST) && write_file(helper, "cgroup.procs", "0") == 0)
          snprintf(v2home, sizeof v2home, "%s%s", mnt, self);
        char parent[PATH_MAX];
        snprintf(parent, sizeof parent, "%s%s", mnt, self);
        sweep_stale(parent, key);
      } else {
        rmdir(base);
      }
    }
  }
  if (!v2base[0]) return 0;
  for (int c = 0; c < C_N; c++) {
    if (v2ctrl[c]) continue;
    if (mount_of(CTRL[c], mnt, sizeof mnt) != 0 || self_group(CTRL[c], self, sizeof self) != 0) continue;
    snprintf(v1base[c], sizeof v1base[c], "%s%s/%s", mnt, self, key);
  }
  return 1;
}

static void job_dir(char *out, size_t cap, const char *base, const char *job) {
  snprintf(out, cap, "%s/job-%s", base, job);
}

static int open_join(const char *dir) {
  char path[PATH_MAX + 16];
  snprintf(path, sizeof path, "%s/cgroup.procs", dir);
  return open(path, O_WRONLY | O_CLOEXEC);
}

/* The v1 group of controller c for job, made on demand. */
static int v1_group(int c, const char *job, char *dir, size_t cap) {
  if (!v1base[c][0]) { errno = ENOENT; return -1; }
  if (mkdir(v1base[c], 0755) < 0 && errno != EEXIST) return -1;
  job_dir(dir, cap, v1base[c], job);
  if (mkdir(dir, 0755) < 0 && errno != EEXIST) return -1;
  return 0;
}

/* Writes one limit to the v2 group when its controller is ours there, else to a v1 group. */
static int set_limit(int c, const char *job, const char *v2dir, const char *v2file, const char *v2value,
                     const char *v1file, const char *v1value, int *join, int *nj) {
  if (v2ctrl[c]) return write_file(v2dir, v2file, v2value);
  char dir[PATH_MAX];
  if (v1_group(c, job, dir, sizeof dir) < 0) return -1;
  if (c == C_CPU && write_file(dir, "cpu.cfs_period_us", "100000") < 0) return -1;
  if (write_file(dir, v1file, v1value) < 0) return -1;
  int fd = open_join(dir);
  if (fd < 0) return -1;
  join[(*nj)++] = fd;
  return 0;
}

int cg_job_create(const char *job, const cg_limits_t *lim, int *join, int *dir_fd, int *events_fd, char *err, size_t errlen) {
  for (int i = 0; i < CG_MAX_JOIN; i++) join[i] = -1;
  *events_fd = *dir_fd = -1;
  char dir[PATH_MAX];
  job_dir(dir, sizeof dir, v2base, job);
  int nj = 0;
  /* The base is made only when missing (swept by a helper that thought us gone: made again),
   * and the group's files are opened from its directory: no failing mkdir and no walk down
   * /sys/fs/cgroup again for each of them, per new job (issue 17). */
  int made = mkdir(dir, 0755);
  if (made < 0 && errno == ENOENT) {
    (void)!mkdir(v2base, 0755);
    made = mkdir(dir, 0755);
  }
  if (made < 0 && errno != EEXIST) { snprintf(err, errlen, "cgroup %s: %s", dir, strerror(errno)); goto fail; }
  if ((*dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) { snprintf(err, errlen, "cgroup %s: %s", dir, strerror(errno)); goto fail; }
  if ((join[nj++] = openat(*dir_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC)) < 0) { snprintf(err, errlen, "cgroup %s: %s", dir, strerror(errno)); goto fail; }
  if ((*events_fd = openat(*dir_fd, "cgroup.events", O_RDONLY | O_CLOEXEC)) < 0) { snprintf(err, errlen, "cgroup %s/cgroup.events: %s", dir, strerror(errno)); goto fail; }
  char v[64], v1[64];
  if (lim->pids > 0) {
    snprintf(v, sizeof v, "%lld", lim->pids);
    if (set_limit(C_PIDS, job, dir, "pids.max", v, "pids.max", v, join, &nj) < 0) {
      snprintf(err, errlen, "limits.pids: no writable pids cgroup (%s)", strerror(errno));
      goto fail;
    }
  }
  if (lim->memory > 0) {
    snprintf(v, sizeof v, "%lld", lim->memory);
    if (set_limit(C_MEMORY, job, dir, "memory.max", v, "memory.limit_in_bytes", v, join, &nj) < 0) {
      snprintf(err, errlen, "limits.memory: no writable memory cgroup (%s)", strerror(errno));
      goto fail;
    }
  }
  if (lim->cpu > 0) {
    snprintf(v, sizeof v, "%lld 100000", (long long)lim->cpu * 1000);
    snprintf(v1, sizeof v1, "%lld", (long long)lim->cpu * 1000);
    if (set_limit(C_CPU, job, dir, "cpu.max", v, "cpu.cfs_quota_us", v1, join, &nj) < 0) {
      snprintf(err, errlen, "limits.cpu: no writable cpu cgroup (%s)", strerror(errno));
      goto fail;
    }
  }
  return 0;
fail:
  for (int i = 0; i < CG_MAX_JOIN; i++) if (join[i] >= 0) { close(join[i]); join[i] = -1; }
  if (*events_fd >= 0) { close(*events_fd); *events_fd = -1; }
  if (*dir_fd >= 0) { close(*dir_fd); *dir_fd = -1; }
  return -1;
}

int cg_job_exists(const char *job) {
  char dir[PATH_MAX];
  job_dir(dir, sizeof dir, v2base, job);
  return access(dir, F_OK) == 0;
}

void cg_job_each(void (*fn)(const char *job, void *arg), void *arg) {
  if (!v2base[0]) return;
  DIR *d = opendir(v2base);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d)))
    if (strncmp(e->d_name, "job-", 4) == 0 && cg_key_ok(e->d_name + 4)) fn(e->d_name + 4, arg);
  closedir(d);
}

int cg_job_kill(const char *job) {
  char dir[PATH_MAX];
  job_dir(dir, sizeof dir, v2base, job);
  return write_file(dir, "cgroup.kill", "1");
}

int cg_job_procs(const char *job, pid_t **out) {
  *out = NULL;
  char path[PATH_MAX + 32];
  snprintf(path, sizeof path, "%s/job-%s/cgroup.procs", v2base, job);
  FILE *fp = fopen(path, "re");
  if (!fp) return -1;
  int n = 0, cap = 0;
  long pid;
  while (fscanf(fp, "%ld", &pid) == 1) {
    if (n == cap) {
      cap = cap ? cap * 2 : 16;
      pid_t *q = realloc(*out, (size_t)cap * sizeof **out);
      if (!q) break;
      *out = q;
    }
    (*out)[n++] = (pid_t)pid;
  }
  fclose(fp);
  return n;
}

int cg_populated(int events_fd) {
  char data[256];
  ssize_t n = pread(events_fd, data, sizeof data - 1, 0);
  if (n <= 0) return -1;
  data[n] = 0;
  char *p = strstr(data, "populated ");
  return p ? p[10] == '1' : -1;
}

static long oom_kill_in(int fd) {
  if (fd < 0) return -1; /* no memory controller for this group */
  char data[512];
  ssize_t n = pread(fd, data, sizeof data - 1, 0);
  close(fd);
  if (n <= 0) return -1;
  data[n] = 0;
  char *p = strstr(data, "oom_kill ");
  return p ? strtol(p + 9, NULL, 10) : -1;
}

long cg_oom_kills(const char *job, int dir_fd) {
  if (v2ctrl[C_MEMORY]) return dir_fd < 0 ? -1 : oom_kill_in(openat(dir_fd, "memory.events", O_RDONLY | O_CLOEXEC));
  /* A memory limit v2 could not hold is in a v1 group (made only for such a job). */
  if (!v1base[C_MEMORY][0]) return -1;
  char dir[PATH_MAX], path[PATH_MAX + 32];
  job_dir(dir, sizeof dir, v1base[C_MEMORY], job);
  snprintf(path, sizeof path, "%s/memory.oom_control", dir);
  return oom_kill_in(open(path, O_RDONLY | O_CLOEXEC));
}

int cg_job_remove(const char *job) {
  char dir[PATH_MAX];
  job_dir(dir, sizeof dir, v2base, job);
  int gone = rmdir(dir) == 0 || errno == ENOENT;
  for (int c = 0; c < C_N; c++) {
    if (!v1base[c][0]) continue;
    job_dir(dir, sizeof dir, v1base[c], job);
    rmdir(dir);
  }
  return gone ? 0 : -1;
}

int cg_job_of(pid_t pid, char *job, size_t cap) {
  char path[64], line[PATH_MAX + 64];
  snprintf(path, sizeof path, "/proc/%d/cgroup", pid);
  FILE *fp = fopen(path, "re");
  if (!fp) return 0;
  int found = 0;
  size_t rl = strlen(v2rel);
  while (fgets(line, sizeof line, fp)) {
    if (strncmp(line, "0::", 3) != 0) continue;
    line[strcspn(line, "\n")] = 0;
    const char *p = line + 3;
    if (strncmp(p, v2rel, rl) == 0 && strncmp(p + rl, "/job-", 5) == 0) {
      snprintf(job, cap, "%s", p + rl + 5);
      char *slash = strchr(job, '/'); /* a job may make groups of its own below */
      if (slash) *slash = 0;
      found = 1;
    }
    break;
  }
  fclose(fp);
  return found;
}

static void remove_jobs_in(const char *base) {
  DIR *d = opendir(base);
  if (!d) return;
  struct dirent *e;
  char dir[PATH_MAX];
  while ((e = readdir(d)))
    if (strncmp(e->d_name, "job-", 4) == 0) { snprintf(dir, sizeof dir, "%s/%s", base, e->d_name); rmdir(dir); }
  closedir(d);
  rmdir(base);
}

void cg_cleanup_all(void) {
  if (!v2base[0]) return;
  leave_helper_group();
  remove_jobs_in(v2base);
  for (int c = 0; c < C_N; c++) if (v1base[c][0]) remove_jobs_in(v1base[c]);
}
