/* The C side of bench/sysv.ts.
 *   sysv-peer echo ID            msgrcv type 1, reply the same bytes as type 2; an empty message ends
 *   sysv-peer client ID N        N round trips against an echo (type 1 out, type 2 back); prints ns per round trip
 *   sysv-peer semecho ID         semaphore ping-pong: P(0) then V(1), until the set is removed
 *   sysv-peer semclient ID N     N exchanges V(0) then P(1); prints ns per exchange
 *   sysv-peer pv ID N            N uncontended P/V pairs on semaphore 0; prints ns per pair */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>

struct m { long type; char text[256]; };
static long long now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000000000LL + t.tv_nsec; }
static void op(int id, int num, int v) { struct sembuf s = { num, v, 0 }; if (semop(id, &s, 1) < 0) exit(0); }

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  int id = atoi(argv[2]);
  long n = argc > 3 ? atol(argv[3]) : 0;
  struct m msg;
  if (!strcmp(argv[1], "echo")) {
    for (;;) {
      ssize_t r = msgrcv(id, &msg, sizeof msg.text, 1, 0);
      if (r <= 0) return 0;
      msg.type = 2;
      msgsnd(id, &msg, r, 0);
    }
  }
  if (!strcmp(argv[1], "client")) {
    msg.type = 1; memset(msg.text, 'x', 64);
    long long t0 = now();
    for (long i = 0; i < n; i++) { msg.type = 1; msgsnd(id, &msg, 64, 0); msgrcv(id, &msg, sizeof msg.text, 2, 0); }
    printf("%lld\n", (now() - t0) / n);
    return 0;
  }
  if (!strcmp(argv[1], "semecho")) for (;;) { op(id, 0, -1); op(id, 1, 1); }
  if (!strcmp(argv[1], "semclient")) {
    long long t0 = now();
    for (long i = 0; i < n; i++) { op(id, 0, 1); op(id, 1, -1); }
    printf("%lld\n", (now() - t0) / n);
    return 0;
  }
  if (!strcmp(argv[1], "pv")) {
    long long t0 = now();
    for (long i = 0; i < n; i++) { op(id, 0, -1); op(id, 0, 1); }
    printf("%lld\n", (now() - t0) / n);
    return 0;
  }
  return 2;
}
