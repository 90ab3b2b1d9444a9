/* Floors for bench/spawn.ts: the C spawn + reap loop with one thing changed at a time, to find
 * what the child of a supervisor costs and why.
 *   spawn-floors rate SECONDS FLAGS [CGROUP_DIR] PROG...   spawns PROG and waits for it, in a loop
 *     FLAGS: "-" posix_spawn, as bench/ref/spawn-loop.c; otherwise letters of
 *       v  clone3(CLONE_VM|CLONE_VFORK) on a stack of its own, then execve (what the helper does)
 *       c  ... born in CGROUP_DIR (CLONE_INTO_CGROUP), a cgroup v2 directory
 *       s  the child first does the helper's setup: signal resets, setsid, setrlimit, stdin from
 *          /dev/null, stdout/stderr to a pipe the parent holds, close_range, as child_main does
 *       f  the parent holds FDS (environment, default 500) more open descriptors (close-on-exec):
 *          a helper with many jobs holds their pipes, logs and cgroup files
 *     prints: spawns/s, parent CPU µs per spawn, children CPU µs per spawn
 *   spawn-floors listen                     registers a taskstats listener on every CPU and
 *                                           a proc connector listener (fork, setsid), as the
 *                                           helper does as root, and reads both until killed
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/sched.h>
#include <linux/taskstats.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
extern char **environ;

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
static double tv_us(struct timeval t) { return t.tv_sec * 1e6 + t.tv_usec; }

typedef struct { char **argv; int setup; int outw; } child_t;

static int child_main(void *arg) {
  child_t *c = arg;
  if (c->setup) {
    struct sigaction sa = {.sa_handler = SIG_DFL};
    sigaction(SIGPIPE, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    setsid();
    struct rlimit r;
    getrlimit(RLIMIT_NOFILE, &r);
    setrlimit(RLIMIT_NOFILE, &r);
    int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int fds[3] = {fcntl(in, F_DUPFD_CLOEXEC, 3), fcntl(c->outw, F_DUPFD_CLOEXEC, 3), fcntl(c->outw, F_DUPFD_CLOEXEC, 3)};
    for (int i = 0; i < 3; i++) dup2(fds[i], i);
    syscall(SYS_close_range, 3u, ~0U, 4 /* CLOSE_RANGE_CLOEXEC */);
  }
  execve(c->argv[0], c->argv, environ);
  _exit(127);
}

#define STACK (256 * 1024)
#if defined(__x86_64__)
long floors_clone3_run(struct clone_args *ca, size_t size, int (*fn)(void *), void *arg);
__asm__(".text\n.globl floors_clone3_run\n.type floors_clone3_run,@function\nfloors_clone3_run:\n"
        "  mov %rcx, %r8\n  mov $435, %eax\n  syscall\n  test %rax, %rax\n  jz 1f\n  ret\n1:\n"
        "  xor %ebp, %ebp\n  mov %r8, %rdi\n  call *%rdx\n  mov %eax, %edi\n  mov $60, %eax\n  syscall\n  hlt\n"
        ".size floors_clone3_run, .-floors_clone3_run\n");
#endif

static pid_t vfork_run(child_t *c, int cgfd, char *stack) {
#if defined(__x86_64__)
  struct clone_args ca;
  memset(&ca, 0, sizeof ca);
  ca.flags = CLONE_VM | CLONE_VFORK | (cgfd >= 0 ? CLONE_INTO_CGROUP : 0);
  ca.exit_signal = SIGCHLD;
  ca.cgroup = cgfd >= 0 ? (uint64_t)cgfd : 0;
  ca.stack = (uint64_t)(uintptr_t)stack;
  ca.stack_size = STACK;
  long r = floors_clone3_run(&ca, sizeof ca, child_main, c);
  if (r < 0) { errno = (int)-r; return -1; }
  return (pid_t)r;
#else
  (void)c; (void)cgfd; (void)stack;
  errno = ENOSYS;
  return -1;
#endif
}

static int rate(int argc, char **argv) {
  if (argc < 5) return 2;
  double secs = atof(argv[2]);
  const char *flags = argv[3];
  int v = strchr(flags, 'v') != NULL, cg = strchr(flags, 'c') != NULL, setup = strchr(flags, 's') != NULL;
  char **prog = argv + 4;
  int cgfd = -1;
  if (cg) {
    if (argc < 6) return 2;
    cgfd = open(argv[4], O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (cgfd < 0) { perror(argv[4]); return 1; }
    prog = argv + 5;
  }
  if (strchr(flags, 'f')) {
    int n = getenv("FDS") ? atoi(getenv("FDS")) : 500;
    for (int i = 0; i < n; i++) if (open("/dev/null", O_RDONLY | O_CLOEXEC) < 0) { perror("open"); return 1; }
  }
  int outp[2] = {-1, -1};
  if (setup && pipe2(outp, O_CLOEXEC) < 0) return 1;
  /* The parent drains the pipe as the helper's pump would; /bin/true writes nothing. */
  char *stack = malloc(STACK);
  child_t c = {.argv = prog, .setup = setup, .outw = outp[1]};
  double t0 = now();
  long n = 0;
  struct rusage s0, k0, s1, k1;
  getrusage(RUSAGE_SELF, &s0);
  getrusage(RUSAGE_CHILDREN, &k0);
  while (now() - t0 < secs) {
    pid_t pid;
    if (v) {
      pid = vfork_run(&c, cgfd, stack);
      if (pid < 0) { perror("clone3"); return 1; }
    } else if (posix_spawn(&pid, prog[0], NULL, NULL, prog, environ) != 0) {
      return 1;
    }
    int st;
    waitpid(pid, &st, 0);
    n++;
  }
  double el = now() - t0;
  getrusage(RUSAGE_SELF, &s1);
  getrusage(RUSAGE_CHILDREN, &k1);
  double self = tv_us(s1.ru_utime) + tv_us(s1.ru_stime) - tv_us(s0.ru_utime) - tv_us(s0.ru_stime);
  double kids = tv_us(k1.ru_utime) + tv_us(k1.ru_stime) - tv_us(k0.ru_utime) - tv_us(k0.ru_stime);
  printf("%.1f %.1f %.1f\n", n / el, self / n, kids / n);
  return 0;
}

/* ---------- a taskstats + proc connector listener, as native/taskstats.c registers ---------- */

static int nl_send(int fd, uint16_t type, uint8_t cmd, uint16_t attr, const void *data, uint16_t len) {
  struct { struct nlmsghdr n; struct genlmsghdr g; char buf[512]; } m;
  memset(&m, 0, sizeof m);
  m.n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
  m.n.nlmsg_type = type;
  m.n.nlmsg_flags = NLM_F_REQUEST;
  m.g.cmd = cmd;
  m.g.version = 1;
  struct nlattr *na = (struct nlattr *)((char *)&m + NLMSG_ALIGN(m.n.nlmsg_len));
  na->nla_type = attr;
  na->nla_len = (uint16_t)(NLA_HDRLEN + len);
  memcpy((char *)na + NLA_HDRLEN, data, len);
  m.n.nlmsg_len += NLA_ALIGN(na->nla_len);
  return send(fd, &m, m.n.nlmsg_len, 0) < 0 ? -1 : 0;
}

static int listen_mode(void) {
  int g = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
  struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
  if (g < 0 || bind(g, (struct sockaddr *)&sa, sizeof sa) < 0) { perror("genl"); return 1; }
  int sz = 8 << 20;
  setsockopt(g, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz);
  nl_send(g, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_NAME, TASKSTATS_GENL_NAME, sizeof TASKSTATS_GENL_NAME);
  char buf[65536];
  ssize_t n = recv(g, buf, sizeof buf, 0);
  int fam = -1;
  struct nlmsghdr *h = (struct nlmsghdr *)buf;
  if (n > 0 && h->nlmsg_type != NLMSG_ERROR) {
    char *p = (char *)NLMSG_DATA(h) + GENL_HDRLEN, *end = (char *)h + h->nlmsg_len;
    while (p + NLA_HDRLEN <= end) {
      struct nlattr *na = (struct nlattr *)p;
      if (na->nla_len < NLA_HDRLEN) break;
      if (na->nla_type == CTRL_ATTR_FAMILY_ID) fam = *(uint16_t *)((char *)na + NLA_HDRLEN);
      p += NLA_ALIGN(na->nla_len);
    }
  }
  if (fam < 0) { fprintf(stderr, "no taskstats family\n"); return 1; }
  char mask[64] = "0";
  FILE *fp = fopen("/sys/devices/system/cpu/possible", "re");
  if (fp) { if (!fgets(mask, sizeof mask, fp)) strcpy(mask, "0"); fclose(fp); mask[strcspn(mask, "\n")] = 0; }
  if (nl_send(g, (uint16_t)fam, TASKSTATS_CMD_GET, TASKSTATS_CMD_ATTR_REGISTER_CPUMASK, mask, (uint16_t)(strlen(mask) + 1)) < 0) { perror("register"); return 1; }
  int c = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);
  struct sockaddr_nl ca = {.nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC};
  if (c < 0 || bind(c, (struct sockaddr *)&ca, sizeof ca) < 0) { perror("connector"); return 1; }
  setsockopt(c, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof sz);
  struct { struct nlmsghdr n; struct cn_msg c; struct { uint32_t mcast_op, event_type; } in; } __attribute__((packed)) m;
  memset(&m, 0, sizeof m);
  m.n.nlmsg_len = sizeof m;
  m.n.nlmsg_type = NLMSG_DONE;
  m.c.id.idx = CN_IDX_PROC;
  m.c.id.val = CN_VAL_PROC;
  m.c.len = sizeof m.in;
  m.in.mcast_op = PROC_CN_MCAST_LISTEN;
  m.in.event_type = PROC_EVENT_FORK | PROC_EVENT_SID;
  if (send(c, &m, sizeof m, 0) < 0) { perror("connector listen"); return 1; }
  printf("listening\n");
  fflush(stdout);
  for (;;) {
    struct pollfd pf[2] = {{.fd = g, .events = POLLIN}, {.fd = c, .events = POLLIN}};
    if (poll(pf, 2, -1) < 0 && errno != EINTR) return 1;
    if (pf[0].revents) (void)!recv(g, buf, sizeof buf, MSG_DONTWAIT);
    if (pf[1].revents) (void)!recv(c, buf, sizeof buf, MSG_DONTWAIT);
  }
}

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "listen") == 0) return listen_mode();
  if (argc >= 2 && strcmp(argv[1], "rate") == 0) return rate(argc, argv);
  return 2;
}
