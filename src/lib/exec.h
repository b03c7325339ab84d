/* exec.h: run another process in a running container (`urun exec`). */
#ifndef URUN_EXEC_H
#define URUN_EXEC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "spec.h"
#include "state.h"

/* Without --process, the container's own process settings with these
 * changes (as runc's exec takes them). */
struct exec_overrides {
  char **args;          /* NULL-terminated, required */
  bool tty;
  const char *cwd;
  char **env;           /* appended; KEY=VALUE replaces KEY */
  size_t env_len;
  bool has_user;
  uint32_t uid, gid;
  uint32_t *additional_gids; /* --additional-gids: added to the process's */
  size_t additional_gids_len;
  char **caps;          /* added to bounding, effective, permitted */
  size_t caps_len;
  bool no_new_privs;
};

struct exec_options {
  const char *process_file;     /* --process FILE, or NULL for `overrides` */
  struct exec_overrides overrides;
  const char *console_socket;
  const char *pid_file;
  const char *cgroup_child;     /* --cgroup: a sub-group of the container's */
  int preserve_fds;
  bool detach;
  bool ignore_paused;           /* exec into a paused container (it runs once resumed) */
  bool apply_seccomp;           /* the container's filter (default true) */
};

/* Start the process; unless detached, wait and return its exit code. */
urun_error *exec_in_container(struct state_root *root, const char *id, const struct exec_options *o,
                              int *ret_exit);

#endif
