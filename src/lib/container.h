/* container.h: the parent side of the lifecycle (create, start, kill, delete). */
#ifndef URUN_CONTAINER_H
#define URUN_CONTAINER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "state.h"
#include "cgroup.h"
#include "userns.h"

struct create_options {
  const char *id;
  const char *bundle;      /* as given; made absolute */
  const char *config_path; /* NULL: <bundle>/config.json */
  const char *pid_file;
  const char *console_socket;
  bool no_pivot;
  bool no_new_keyring;
  int preserve_fds;
  enum rootless_mode rootless;
  enum cgroup_manager cgroup_manager;
  bool keep_running_parent; /* run: we stay the parent and wait */
  bool terminal_proxy;      /* run in the foreground: keep the pty master */
  const char *net;          /* --net slirp|host|config, or NULL */
  const char *ports[32];    /* -p specs (NET_MAX_PORTS) */
  size_t nports;
  const char *overlay;      /* --overlay[=DIR]: a writable layer over the rootfs, or NULL */
};

struct created {
  pid_t pid;
  uint64_t start_time;
  int pidfd; /* -1 where pidfd_open is missing */
  int master; /* pty master kept for run, else -1 */
  int dirfd; /* the state directory, still locked: closing it lets others in */
  bool has_poststart;
};

/* Everything up to "created": init blocked on exec.fifo.  On failure nothing
 * is left behind (state dir, fifo, process, mounts). */
urun_error *container_create(struct state_root *root, const struct create_options *o,
                             struct created *ret);
/* Open the exec fifo and let init execve; fails if init is gone. */
urun_error *container_start(struct state_root *root, const char *id);
/* The same for the container this process just created (run): nothing is
 * read back.  Takes and closes c->dirfd. */
urun_error *container_start_created(const char *id, struct created *c);
urun_error *container_kill(struct state_root *root, const char *id, int sig, bool all);
urun_error *container_delete(struct state_root *root, const char *id, bool force);

#endif
