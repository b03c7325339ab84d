/* sandbox.c: mount namespace with an empty root (the capability drop is
 * helpers/common/helper_util.c). */
#define _GNU_SOURCE
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

static int write_file(const char *path, const char *s) {
  _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  return write_all(fd, s, strlen(s));
}

/* Map our ids to 0 so the new namespace grants the mount privileges. */
static int own_userns(void) {
  uid_t uid = geteuid();
  gid_t gid = getegid();
  if (unshare(CLONE_NEWUSER) < 0) return -1;
  char map[64];
  if (write_file("/proc/self/setgroups", "deny") < 0 && errno != ENOENT) return -1;
  snprintf(map, sizeof(map), "0 %u 1", uid);
  if (write_file("/proc/self/uid_map", map) < 0) return -1;
  snprintf(map, sizeof(map), "0 %u 1", gid);
  return write_file("/proc/self/gid_map", map);
}

static int put_file(const char *path, const char *content) {
  char dir[256];
  snprintf(dir, sizeof(dir), "%s", path);
  for (char *p = dir + 1; (p = strchr(p, '/')); p++) {
    *p = '\0';
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) return -1;
    *p = '/';
  }
  _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  return write_all(fd, content, strlen(content));
}

int sandbox_mounts(bool new_userns, const char *const *files) {
  if (new_userns && own_userns() < 0) return -1;
  if (unshare(CLONE_NEWNS) < 0) return -1;
  if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) return -1;
  /* any directory works as mount point: the mount is ours alone */
  const unsigned long fl = MS_NOSUID | MS_NODEV | MS_NOEXEC;
  if (mount("tmpfs", "/tmp", "tmpfs", fl, "size=64k,nr_inodes=32,mode=0755") < 0) return -1;
  if (chdir("/tmp") < 0) return -1;
  if (syscall(SYS_pivot_root, ".", ".") < 0) return -1;
  /* the old root now sits on top of the new one: detach it */
  if (umount2(".", MNT_DETACH) < 0) return -1;
  if (chdir("/") < 0) return -1;
  for (int i = 0; files && files[i]; i += 2)
    if (put_file(files[i], files[i + 1]) < 0) return -1;
  return mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | fl, NULL);
}
