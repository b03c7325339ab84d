/* measure.c: run commands one after another and print what they cost, as
 * one JSON line: {"status": S, "wall_ms": W, "cpu_ms": C, "maxrss_kb": R}.
 * Commands are separated by a ";;" argument; a command written after a
 * "retry" argument is run again (every 0.2 ms, up to 5 s) until it succeeds.
 * S is the first non-zero status; R the largest peak of any command.
 * posix_spawn (vfork underneath) keeps our own pages out of the child's
 * peak RSS; rusage covers the command and every descendant it reaped. */
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static double ms(struct timeval t) { return t.tv_sec * 1e3 + t.tv_usec / 1e3; }

static int run_one(char **argv, double *cpu, long *maxrss) {
  pid_t pid;
  if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ) != 0) {
    perror(argv[0]);
    return 127;
  }
  int status;
  struct rusage ru;
  if (wait4(pid, &status, 0, &ru) < 0) {
    perror("wait4");
    return 127;
  }
  *cpu += ms(ru.ru_utime) + ms(ru.ru_stime);
  if (ru.ru_maxrss > *maxrss) *maxrss = ru.ru_maxrss;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: measure [retry] COMMAND [ARG...] [;; [retry] COMMAND [ARG...]]...\n");
    return 2;
  }
  struct timespec a, b;
  double cpu = 0;
  long maxrss = 0;
  int code = 0;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (int i = 1; i < argc && code == 0;) {
    int end = i;
    while (end < argc && strcmp(argv[end], ";;")) end++;
    argv[end < argc ? end : argc] = NULL;
    int retry = !strcmp(argv[i], "retry");
    char **cmd = argv + i + retry;
    for (;;) {
      code = run_one(cmd, &cpu, &maxrss);
      clock_gettime(CLOCK_MONOTONIC, &b);
      if (!retry || code == 0 || b.tv_sec - a.tv_sec > 5) break;
      nanosleep(&(struct timespec){.tv_nsec = 200000}, NULL);
    }
    i = end + 1;
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  double wall = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
  printf("{\"status\": %d, \"wall_ms\": %.3f, \"cpu_ms\": %.3f, \"maxrss_kb\": %ld}\n", code, wall, cpu, maxrss);
  return 0;
}
