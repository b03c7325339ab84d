/* attacks.c: the attacker's side of tests/integration/security.sh, in C
 * where a shell is too slow to win a race: a RENAME_EXCHANGE loop that
 * swaps a directory for a symlink while urun creates containers, and a
 * watcher inside a container that stops each process `urun exec` brings in
 * before it has become the container's program, and tries to reach into
 * it. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tools.h"

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* swap-loop A B SECONDS: exchange A and B until the time is up (or killed). */
static int swap_loop(const char *a, const char *b, double seconds) {
  double end = now() + seconds;
  unsigned long n = 0;
  while (now() < end) {
    if (syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) < 0) {
      fprintf(stderr, "testprog: renameat2 %s %s: %s\n", a, b, strerror(errno));
      return 1;
    }
    n++;
  }
  printf("swapped %lu times\n", n);
  return 0;
}

static int read_comm(pid_t pid, char *buf, size_t len) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, len - 1);
  close(fd);
  if (n <= 0) return -1;
  buf[n] = '\0';
  buf[strcspn(buf, "\n")] = '\0';
  return 0;
}

/* Until PID is really stopped (kill only queues SIGSTOP): its state 'T'. */
static bool wait_stopped(pid_t pid) {
  char path[64], buf[512];
  snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
  for (int i = 0; i < 100000; i++) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0) return false;
    buf[n] = '\0';
    const char *paren = strrchr(buf, ')');
    if (paren && paren[1] == ' ' && (paren[2] == 'T' || paren[2] == 't')) return true;
    if (paren && paren[1] == ' ' && (paren[2] == 'Z' || paren[2] == 'X')) return false;
    sched_yield();
  }
  return false;
}

/* What a process of the container can get of process PID: its fds' targets
 * (the runtime's state directory, the caller's files), its executable (the
 * host's urun), its environment and memory, a ptrace attach. */
static void probe(pid_t pid, const char *comm) {
  char path[64], link[4096];
  int fds = 0;
  for (int fd = 0; fd < 256; fd++) {
    snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fd);
    ssize_t n = readlink(path, link, sizeof(link) - 1);
    if (n >= 0) fds++;
  }
  snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
  int exe = open(path, O_RDONLY | O_CLOEXEC);
  snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
  int env = open(path, O_RDONLY | O_CLOEXEC);
  char c;
  bool env_read = env >= 0 && read(env, &c, 1) >= 0;
  snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
  int mem = open(path, O_RDONLY | O_CLOEXEC);
  long traced = ptrace(PTRACE_SEIZE, pid, NULL, NULL);
  if (traced == 0) ptrace(PTRACE_DETACH, pid, NULL, NULL);
  printf("caught pid %d comm %s: fds %d, exe %s, environ %s, mem %s, ptrace %s\n", (int)pid, comm, fds,
         exe >= 0 ? "OPENED" : "denied", env_read ? "READ" : "denied", mem >= 0 ? "OPENED" : "denied",
         traced == 0 ? "ATTACHED" : "denied");
  if (exe >= 0) close(exe);
  if (env >= 0) close(env);
  if (mem >= 0) close(mem);
}

/* catch-exec PROGRAM SECONDS: as the container's init, stop every other
 * process that shows up while its comm is not yet PROGRAM (the one exec
 * runs), probe it, let it go on. */
static int catch_exec(const char *program, double seconds) {
  char own[64] = "";
  read_comm(getpid(), own, sizeof(own));
  printf("watching\n");
  double end = now() + seconds;
  pid_t seen[4096];
  size_t nseen = 0;
  while (now() < end) {
    DIR *d = opendir("/proc");
    if (!d) return 1;
    struct dirent *de;
    while ((de = readdir(d))) {
      pid_t pid = (pid_t)atoi(de->d_name);
      if (pid <= 0 || pid == getpid()) continue;
      bool known = false;
      for (size_t i = 0; i < nseen && !known; i++) known = seen[i] == pid;
      if (known) continue;
      char comm[64];
      if (read_comm(pid, comm, sizeof(comm)) < 0 || !strcmp(comm, program)) continue;
      if (kill(pid, SIGSTOP) < 0) continue;
      /* stopped: still not the program? then it is the runtime's */
      if (wait_stopped(pid) && read_comm(pid, comm, sizeof(comm)) == 0 && strcmp(comm, program) && strcmp(comm, own))
        probe(pid, comm);
      kill(pid, SIGCONT);
      if (nseen < sizeof(seen) / sizeof(seen[0])) seen[nseen++] = pid;
    }
    closedir(d);
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
  }
  return 0;
}

int attack_main(const char *mode, int argc, char **argv) {
  if (!strcmp(mode, "swap-loop") && argc > 4) return swap_loop(argv[2], argv[3], atof(argv[4]));
  if (!strcmp(mode, "catch-exec") && argc > 3) return catch_exec(argv[2], atof(argv[3]));
  return -1;
}
