/* The process accounting example of seed 002 (APUE's Figure 8.28): a parent and four
 * children, each ending differently, so that the accounting records show exit status,
 * AFORK, ACORE, AXSIG and termination order:
 *   parent:  sleep 2, exit(2)
 *   child 1: sleep 4, abort()        (core flag)
 *   child 2: execs dd                (the only exec)
 *   child 3: sleep 8, exit(0)
 *   child 4: sleep 6, kill itself with SIGKILL
 * Each child is forked by the one before it, as in the book. */
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

int main(void) {
  pid_t pid;
  if ((pid = fork()) < 0) return 1;
  else if (pid != 0) { sleep(2); exit(2); }
  if ((pid = fork()) < 0) return 1;
  else if (pid != 0) { sleep(4); abort(); }
  if ((pid = fork()) < 0) return 1;
  else if (pid != 0) {
    execl("/bin/dd", "dd", "if=/etc/passwd", "of=/dev/null", (char *)0);
    exit(7);
  }
  if ((pid = fork()) < 0) return 1;
  else if (pid != 0) { sleep(8); exit(0); }
  sleep(6);
  kill(getpid(), SIGKILL);
  exit(6);
}
