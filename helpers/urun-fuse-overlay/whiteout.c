/* whiteout.c: read every marker form kernel overlayfs and fuse-overlayfs
 * write; write the kernel's (user.overlay.* when unprivileged, as the
 * kernel's userxattr mode reads them). */
#define _GNU_SOURCE
#include "whiteout.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cleanup.h"
#include "ovl.h"

bool is_marker_name(const char *name) { return !strncmp(name, WH_PREFIX, sizeof(WH_PREFIX) - 1); }

bool has_wh_file(int dirfd, const char *name) {
  char wh[NAME_MAX + 8];
  if (snprintf(wh, sizeof(wh), WH_PREFIX "%s", name) >= (int)sizeof(wh)) return false;
  struct stat st;
  return fstatat(dirfd, wh, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* "/proc/self/fd/N[/NAME]": the xattr calls take paths or real fds only */
static const char *fd_path(char *buf, size_t size, int dirfd, const char *name) {
  if (name) snprintf(buf, size, "/proc/self/fd/%d/%s", dirfd, name);
  else snprintf(buf, size, "/proc/self/fd/%d", dirfd);
  return buf;
}

ssize_t at_getxattr(int dirfd, const char *name, const char *key, void *buf, size_t size) {
  if (!name) {
    ssize_t n = fgetxattr(dirfd, key, buf, size);
    if (n >= 0 || errno != EBADF) return n;
  }
  char path[PATH_MAX];
  return lgetxattr(fd_path(path, sizeof(path), dirfd, name), key, buf, size);
}

int at_setxattr(int dirfd, const char *name, const char *key, const void *buf, size_t size, int flags) {
  if (!name) {
    int rc = fsetxattr(dirfd, key, buf, size, flags);
    if (rc == 0 || errno != EBADF) return rc;
  }
  char path[PATH_MAX];
  return lsetxattr(fd_path(path, sizeof(path), dirfd, name), key, buf, size, flags);
}

ssize_t at_listxattr(int dirfd, const char *name, char *buf, size_t size) {
  if (!name) {
    ssize_t n = flistxattr(dirfd, buf, size);
    if (n >= 0 || errno != EBADF) return n;
  }
  char path[PATH_MAX];
  return llistxattr(fd_path(path, sizeof(path), dirfd, name), buf, size);
}

int at_removexattr(int dirfd, const char *name, const char *key) {
  if (!name) {
    int rc = fremovexattr(dirfd, key);
    if (rc == 0 || errno != EBADF) return rc;
  }
  char path[PATH_MAX];
  return lremovexattr(fd_path(path, sizeof(path), dirfd, name), key);
}

static bool xattr_is_y(int fd, const char *key) {
  char v[4];
  ssize_t n = at_getxattr(fd, NULL, key, v, sizeof(v));
  return n == 1 && v[0] == 'y';
}

bool dir_is_opaque(int dirfd) {
  if (xattr_is_y(dirfd, "user.overlay.opaque") || xattr_is_y(dirfd, "user.fuseoverlayfs.opaque")) return true;
  /* trusted.* is readable with CAP_SYS_ADMIN only; as a user it is absent */
  if (!ovl.userxattr && xattr_is_y(dirfd, "trusted.overlay.opaque")) return true;
  struct stat st;
  return fstatat(dirfd, WH_OPAQUE, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

int set_opaque(int dirfd) {
  const char *key = ovl.userxattr ? "user.overlay.opaque" : "trusted.overlay.opaque";
  return at_setxattr(dirfd, NULL, key, "y", 1, 0);
}

int make_whiteout(int dirfd, const char *name) {
  if (mknodat(dirfd, name, S_IFCHR | 0, makedev(0, 0)) == 0) return 0;
  if (errno != EPERM && errno != EOPNOTSUPP) return -1;
  /* no device allowed here: fuse-overlayfs's form, which we read too */
  char wh[NAME_MAX + 8];
  if (snprintf(wh, sizeof(wh), WH_PREFIX "%s", name) >= (int)sizeof(wh)) {
    errno = ENAMETOOLONG;
    return -1;
  }
  _cleanup_close_ int fd = openat(dirfd, wh, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  return fd < 0 ? -1 : 1;
}

int remove_whiteout(int dirfd, const char *name) {
  struct stat st;
  int removed = 0;
  if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && is_whiteout(&st)) {
    if (unlinkat(dirfd, name, 0) < 0) return -1;
    removed = 1;
  }
  char wh[NAME_MAX + 8];
  if (snprintf(wh, sizeof(wh), WH_PREFIX "%s", name) < (int)sizeof(wh) && unlinkat(dirfd, wh, 0) == 0) removed = 1;
  return removed;
}

static const char *own_prefix(void) { return ovl.userxattr ? "user.overlay." : "trusted.overlay."; }

bool is_private_xattr(const char *name) {
  /* as the kernel overlay: its own namespace only (user.* is anybody's
   * when it uses trusted.*) */
  return !strncmp(name, own_prefix(), strlen(own_prefix()));
}

bool is_escaped_xattr(const char *name) {
  size_t k = strlen(own_prefix());
  return is_private_xattr(name) && !strncmp(name + k, "overlay.", 8);
}

const char *xattr_escape(const char *name, char *buf, size_t size) {
  if (!is_private_xattr(name)) return name;
  size_t k = strlen(own_prefix());
  if (snprintf(buf, size, "%.*soverlay.%s", (int)k, name, name + k) >= (int)size) return NULL;
  return buf;
}

bool is_foreign_marker(const char *name) { return !strncmp(name, "user.fuseoverlayfs.", 19); }

void xattr_unescape(char *name) {
  size_t k = strlen(own_prefix());
  memmove(name + k, name + k + 8, strlen(name + k + 8) + 1);
}
