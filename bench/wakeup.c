/* bench/wakeup.c: what a wake-up costs on this machine. Two processes pass
 * a byte back and forth through pipes, 20,000 round trips: first with both
 * sleeping in read(2), then with the answering side asking without
 * sleeping (as urun-fuse-overlay's reader does between requests). Run it
 * as is (the scheduler's choice of CPUs) and under `taskset -c 0` (one CPU:
 * a round trip is two context switches; the asking case is then pointless).
 *   cc -O2 -o wakeup bench/wakeup.c && ./wakeup */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#define TRIPS 20000

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static double round_trip_us(int asking) {
  int req[2], rep[2];
  if (pipe(req) < 0 || pipe(rep) < 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    close(req[1]); /* else its read(2) never sees the end */
    close(rep[0]);
    if (asking) fcntl(req[0], F_SETFL, O_NONBLOCK);
    char c;
    for (;;) {
      ssize_t n;
      while ((n = read(req[0], &c, 1)) < 0 && errno == EAGAIN) {
      }
      if (n <= 0) _exit(0);
      (void)!write(rep[1], &c, 1);
    }
  }
  close(req[0]);
  close(rep[1]);
  char c = 'x';
  double t = now_us();
  for (int i = 0; i < TRIPS; i++) {
    (void)!write(req[1], &c, 1);
    (void)!read(rep[0], &c, 1);
  }
  t = (now_us() - t) / TRIPS;
  close(req[1]);
  close(rep[0]);
  waitpid(pid, NULL, 0);
  return t;
}

int main(void) {
  printf("round trip, both sleeping: %.1f us\n", round_trip_us(0));
  printf("round trip, one side asking: %.1f us\n", round_trip_us(1));
  return 0;
}
