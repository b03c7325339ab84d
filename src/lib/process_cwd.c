/* process_cwd.c: CVE-2024-21626.  A cwd of /proc/self/fd/N, or a symlink in
 * the rootfs that leads there, would otherwise put the container's process
 * in a directory of the host through an fd the runtime (or its caller) still
 * holds.  The path is resolved inside the root without magic links, and the
 * kernel's own answer is checked afterwards: getcwd(2) starts with "/" only
 * when the directory is reachable from our root. */
#define _GNU_SOURCE
#include "process_cwd.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"

urun_error *cwd_open(const char *cwd, const char *field, int *ret_fd) {
  _cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) return urun_error_errno("%s: open /", field);
  int fd = open_in_root(root, cwd, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
  if (fd < 0) return urun_error_errno("%s: %s", field, cwd);
  *ret_fd = fd;
  return NULL;
}

urun_error *cwd_enter(int fd, const char *cwd, const char *field, bool may_retry, bool *ret_done) {
  *ret_done = false;
  if (fchdir(fd) < 0) {
    if (may_retry && (errno == EACCES || errno == EPERM)) return NULL;
    return urun_error_errno("%s: chdir %s", field, cwd);
  }
  char buf[PATH_MAX];
  /* the raw syscall: glibc's wrapper turns "(unreachable)..." into ENOENT */
  long n = syscall(SYS_getcwd, buf, sizeof(buf));
  /* a seccomp profile may refuse getcwd where the second try comes after
   * it (as the user): the fd was resolved inside the root all the same */
  if (n < 0 && errno != ENAMETOOLONG && errno != EPERM && errno != ENOSYS && errno != EACCES)
    return urun_error_errno("%s: getcwd after chdir %s", field, cwd);
  if (n >= 0 && buf[0] != '/') return urun_error_new("%s: %s is outside the container's root", field, cwd);
  *ret_done = true;
  return NULL;
}
