/* check_helpers.c: the helper programs urun starts beside a container,
 * found where urun looks for them and run once (--help). */
#define _GNU_SOURCE
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "helper_exec.h"
#include "net.h"

extern char **environ;

/* The absolute path of `exe` (found beside urun, or on $PATH); NULL if none. */
static char *resolve(const char *exe) {
  if (strchr(exe, '/')) return access(exe, X_OK) == 0 ? strdup(exe) : NULL;
  const char *path = getenv("PATH");
  if (!path) path = "/usr/local/bin:/usr/bin:/bin";
  _cleanup_free_ char *copy = strdup(path);
  char *save = NULL;
  for (char *d = copy ? strtok_r(copy, ":", &save) : NULL; d; d = strtok_r(NULL, ":", &save)) {
    char *p = NULL;
    if (asprintf(&p, "%s/%s", d, exe) < 0) return NULL;
    if (access(p, X_OK) == 0) return p;
    free(p);
  }
  return NULL;
}

static int run_help(const char *path) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  char *argv[] = {(char *)path, "--help", NULL};
  pid_t pid;
  int r = posix_spawn(&pid, path, &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (r) return -r;
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -errno;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void helper(struct check_report *r, const char *name, const char *what) {
  _cleanup_free_ char *exe = helper_exec_path(name);
  _cleanup_free_ char *path = exe ? resolve(exe) : NULL;
  if (!path) {
    check_add(r, name, CHECK_WARN, false, "install urun's helpers beside urun (make install puts them in $prefix/bin)",
              "%s not found beside urun nor on $PATH: no %s", name, what);
    return;
  }
  int rc = run_help(path);
  if (rc != 0)
    check_add(r, name, CHECK_FAIL, false, "rebuild and reinstall urun (make && make install)",
              "%s does not run (%s %d): no %s", path, rc < 0 ? "error" : "exit status", rc < 0 ? -rc : rc, what);
  else
    check_add(r, name, CHECK_OK, false, NULL, "%s runs", path);
}

void check_helpers(struct check_report *r) {
  helper(r, "urun-slirp", "networking for --net slirp");
  helper(r, "urun-fuse-overlay", "overlay where the kernel's overlayfs cannot be mounted");
}
