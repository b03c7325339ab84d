/* mount_fd.c: bind mounts from fds (CVE-2025-31133 and its kin).  A path
 * inside the rootfs can be swapped for a symlink between a check and a
 * mount(2) that resolves it again, so sources and targets here are opened
 * once, checked, and mounted through open_tree(2) and move_mount(2). */
#define _GNU_SOURCE
#include "mount_fd.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"

urun_error *mount_bind_fd(int srcfd, int dstfd, const char *what) {
  _cleanup_close_ int tree =
      (int)syscall(SYS_open_tree, srcfd, "", AT_EMPTY_PATH | OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (tree < 0 && errno == ENOSYS) {
    /* before Linux 5.2: the magic links of the fds name the same files */
    char src[32], dst[32];
    if (mount(fd_path(srcfd, src), fd_path(dstfd, dst), "none", MS_BIND, NULL) < 0)
      return urun_error_errno("bind mount %s", what);
    return NULL;
  }
  if (tree < 0) return urun_error_errno("bind mount %s: open_tree", what);
  if (syscall(SYS_move_mount, tree, "", dstfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    return urun_error_errno("bind mount %s: move_mount", what);
  return NULL;
}

urun_error *open_null_device(int *ret_fd) {
  _cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) return urun_error_errno("open /");
  _cleanup_close_ int fd = open_in_root(root, "/dev/null", O_PATH | O_NOFOLLOW, 0);
  if (fd < 0) return urun_error_errno("open the container's /dev/null");
  struct stat st;
  if (fstat(fd, &st) < 0) return urun_error_errno("stat the container's /dev/null");
  if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != 1 || minor(st.st_rdev) != 3)
    return urun_error_new("the container's /dev/null is not the null device (1:3): nothing is masked with it");
  *ret_fd = steal_fd(&fd);
  return NULL;
}

urun_error *mount_console(int peer) {
  _cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) return urun_error_errno("open /");
  _cleanup_close_ int dev = -1;
  TRY(urun_error_wrap(mkdir_in_root(root, "/dev", 0755, &dev), "/dev/console"));
  int made = openat(dev, "console", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (made >= 0) close(made);
  else if (errno != EEXIST) return urun_error_errno("create /dev/console");
  _cleanup_close_ int target = openat(dev, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (target < 0) return urun_error_errno("open /dev/console");
  struct stat st;
  if (fstat(target, &st) < 0) return urun_error_errno("stat /dev/console");
  if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode))
    return urun_error_new("/dev/console in the container is neither a file nor a device: no console is bound there");
  return mount_bind_fd(peer, target, "/dev/console");
}
