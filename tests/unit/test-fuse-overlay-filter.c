/* test-fuse-overlay-filter.c: urun-fuse-overlay's seccomp filter, as built
 * (sandbox_filter.h, compiled by libseccomp when urun is built): entered in
 * a child through the helper's own sandbox_enter, it lets a file server's calls through and refuses, with EPERM,
 * what a helper taken over would try next: exec, sockets, new namespaces,
 * mounts, ptrace, and ioctls other than FICLONE. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../helpers/urun-fuse-overlay/sandbox.h"
#include "unit.h"

/* -errno of a failed call, or 0 */
static int err_of(long rc) { return rc < 0 ? -errno : 0; }

enum { OPENAT, IOCTL_FICLONE, THREAD_CLONE, EXECVE, SOCKET, UNSHARE, CLONE_NEWUSER_, MOUNT, PTRACE, IOCTL_OTHER, CLONE3, NCALLS };

static void probe(int out[NCALLS]) {
  int fd = (int)syscall(SYS_openat, AT_FDCWD, "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  out[OPENAT] = fd < 0 ? -errno : 0;
  out[IOCTL_FICLONE] = err_of(syscall(SYS_ioctl, -1, FICLONE, 0));
  /* a thread's flags: allowed; the child is reaped below */
  long pid = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
  if (pid == 0) _exit(0);
  out[THREAD_CLONE] = pid < 0 ? -errno : 0;
  if (pid > 0) waitpid((pid_t)pid, NULL, 0);
  char *argv[] = {"/bin/true", NULL};
  out[EXECVE] = err_of(syscall(SYS_execve, "/bin/true", argv, NULL));
  out[SOCKET] = err_of(syscall(SYS_socket, AF_INET, SOCK_STREAM, 0));
  out[UNSHARE] = err_of(syscall(SYS_unshare, CLONE_NEWNS));
  pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
  if (pid == 0) _exit(0);
  out[CLONE_NEWUSER_] = pid < 0 ? -errno : 0;
  if (pid > 0) waitpid((pid_t)pid, NULL, 0);
  out[MOUNT] = err_of(syscall(SYS_mount, "none", "/", "tmpfs", 0, NULL));
  out[PTRACE] = err_of(syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0));
  out[IOCTL_OTHER] = err_of(syscall(SYS_ioctl, 0, FIONREAD, &(int){0}));
  out[CLONE3] = err_of(syscall(SYS_clone3, NULL, 0));
}

int main(void) {
  int res[NCALLS];
  int p[2];
  if (pipe(p) < 0) return 1;
  pid_t pid = fork();
  if (pid == 0) {
    int loaded = sandbox_enter() == 0;
    int out[NCALLS];
    if (loaded) probe(out);
    else out[0] = 1;
    (void)!write(p[1], out, sizeof(out));
    _exit(0);
  }
  close(p[1]);
  CHECK(read(p[0], res, sizeof(res)) == (ssize_t)sizeof(res));
  waitpid(pid, NULL, 0);
  CHECK(res[OPENAT] == 0);
  CHECK(res[IOCTL_FICLONE] == -EBADF);
  CHECK(res[THREAD_CLONE] == 0);
  CHECK(res[EXECVE] == -EPERM);
  CHECK(res[SOCKET] == -EPERM);
  CHECK(res[UNSHARE] == -EPERM);
  CHECK(res[CLONE_NEWUSER_] == -EPERM);
  CHECK(res[MOUNT] == -EPERM);
  CHECK(res[PTRACE] == -EPERM);
  CHECK(res[IOCTL_OTHER] == -EPERM);
  CHECK(res[CLONE3] == -ENOSYS);
  return unit_finish();
}
