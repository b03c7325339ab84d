/* readahead.c: the kernel reads ahead of a FUSE file in windows of 128 KiB
 * (the bdi's default, which a FUSE server may only lower), one READ request
 * each. Root may widen the mount's own window in sysfs: with 512 KiB a
 * 1 GiB sequential read took 0.49 s instead of 0.59 (bench/results/README.md).
 * Not 1 MiB: a reply of 1 MiB and its header no longer fits the largest pipe
 * the sandboxed helper may make (pipe-max-size), and libfuse then copies
 * instead of splicing. */
#define _GNU_SOURCE
#include "readahead.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"

char *readahead_prepare(const char *mountpoint) {
  if (geteuid() != 0) return NULL; /* sysfs is root's */
  return realpath(mountpoint, NULL);
}

/* mountinfo's escapes (\040 for a space, ...) undone in place. */
static void unescape(char *s) {
  char *out = s;
  for (char *p = s; *p; p++) {
    if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' && p[3] >= '0' && p[3] <= '7') {
      *out++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
      p += 3;
    } else {
      *out++ = *p;
    }
  }
  *out = '\0';
}

void readahead_widen(const char *canonical) {
  if (!canonical) return;
  _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
  if (!f) return;
  _cleanup_free_ char *line = NULL;
  size_t cap = 0;
  char dev[32] = "";
  /* the last entry on the mount point is the top one: ours */
  while (getline(&line, &cap, f) > 0) {
    char id[32], point[PATH_MAX + 1], *sep = strstr(line, " - ");
    if (!sep || sscanf(line, "%*s %*s %31s %*s %4096s", id, point) != 2) continue;
    unescape(point);
    if (!strcmp(point, canonical) && !strncmp(sep, " - fuse.urun-fuse-overlay ", 26)) strcpy(dev, id);
  }
  if (!dev[0]) return;
  char path[64];
  snprintf(path, sizeof(path), "/sys/class/bdi/%s/read_ahead_kb", dev);
  _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
  char kib[16];
  int len = snprintf(kib, sizeof(kib), "%d", READAHEAD_KIB);
  if (fd >= 0) (void)!write(fd, kib, (size_t)len);
}
