/* check_trial.c: a throwaway child in new namespaces for `urun check`'s
 * trials; see check.h.  The child dies with every namespace and mount it
 * made: nothing is left on the host. */
#define _GNU_SOURCE
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"

struct trial_reply {
  int result;
  char note[256];
};

static bool read_all(int fd, void *buf, size_t n) {
  char *p = buf;
  while (n > 0) {
    ssize_t r = read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= (size_t)r;
  }
  return true;
}

static void write_all(int fd, const void *buf, size_t n) {
  const char *p = buf;
  while (n > 0) {
    ssize_t r = write(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return;
    p += r;
    n -= (size_t)r;
  }
}

/* The caller's own uid and gid as root of the child (setgroups denied). */
static urun_error *map_own(pid_t pid, void *arg) {
  char path[64], line[64];
  snprintf(path, sizeof(path), "/proc/%d/setgroups", pid);
  TRY(write_file_at(AT_FDCWD, path, "deny", 4, 0));
  int n = snprintf(line, sizeof(line), "0 %u 1\n", (unsigned)getegid());
  snprintf(path, sizeof(path), "/proc/%d/gid_map", pid);
  TRY(write_file_at(AT_FDCWD, path, line, (size_t)n, 0));
  n = snprintf(line, sizeof(line), "0 %u 1\n", (unsigned)geteuid());
  snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
  return write_file_at(AT_FDCWD, path, line, (size_t)n, 0);
}

static void child(int flags, int to_parent, int from_parent, check_trial_fn fn, void *arg) {
  int err = unshare(flags) < 0 ? errno : 0;
  write_all(to_parent, &err, sizeof(err));
  if (err) _exit(0);
  char go;
  if (!read_all(from_parent, &go, 1) || go != 'g') _exit(0);
  struct trial_reply reply = {0};
  if (fn) reply.result = fn(arg, reply.note, sizeof(reply.note));
  write_all(to_parent, &reply, sizeof(reply));
  _exit(0);
}

void check_trial_run(int flags, check_map_fn map, void *map_arg, check_trial_fn fn, void *arg,
                     struct check_trial *ret) {
  memset(ret, 0, sizeof(*ret));
  int up[2], down[2];
  if (pipe2(up, O_CLOEXEC) < 0) {
    ret->unshare_errno = errno;
    return;
  }
  if (pipe2(down, O_CLOEXEC) < 0) {
    ret->unshare_errno = errno;
    close(up[0]);
    close(up[1]);
    return;
  }
  pid_t pid = fork();
  if (pid == 0) {
    close(up[0]);
    close(down[1]);
    child(flags, up[1], down[0], fn, arg);
  }
  close(up[1]);
  close(down[0]);
  _cleanup_close_ int from_child = up[0], to_child = down[1];
  if (pid < 0) {
    ret->unshare_errno = errno;
    return;
  }
  int err = 0;
  if (!read_all(from_child, &err, sizeof(err))) err = ECHILD;
  ret->unshare_errno = err;
  if (!err && (flags & CLONE_NEWUSER)) {
    urun_error *e = map ? map(pid, map_arg) : map_own(pid, NULL);
    if (e) {
      _cleanup_free_ char *text = urun_error_text(e);
      urun_error_free(e);
      ret->map_failed = true;
      snprintf(ret->note, sizeof(ret->note), "%s", text ? text : "cannot write the id maps");
    }
  }
  if (!err && !ret->map_failed) {
    write_all(to_child, "g", 1);
    struct trial_reply reply;
    if (read_all(from_child, &reply, sizeof(reply))) {
      ret->result = reply.result;
      reply.note[sizeof(reply.note) - 1] = '\0';
      memcpy(ret->note, reply.note, sizeof(ret->note));
    } else {
      ret->result = ECHILD;
    }
  }
  close(to_child);
  to_child = -1;
  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
}
