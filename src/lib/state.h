/* state.h: the state root, one directory per container, state.json, locks.
 *
 * Layout: <root>/<id>/state.json, <root>/<id>/exec.fifo (while created),
 * <root>/<id>/config.json (the config as created, for later commands).
 * Claiming an id takes an flock on the root for a moment and an flock on the
 * container directory for as long as the caller works on the container.
 */
#ifndef URUN_STATE_H
#define URUN_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "spec.h"

#define STATE_ID_MAX 1024
#define EXEC_FIFO_NAME "exec.fifo"
#define STATE_FILE_NAME "state.json"
#define CONFIG_COPY_NAME "config.json"
/* in `state` and `list --format json` when urun-slirp is gone while the
 * container lives, or when its watchdog stopped the container for it */
#define NET_HELPER_GONE_ANNOTATION "run.urun.network.helper"
/* urun-slirp's stderr in the state directory */
#define NET_HELPER_LOG_NAME "slirp.log"
/* what its watchdog writes there once it has killed init (the same text as
 * WATCHDOG_KILLED in helpers/urun-slirp/watchdog.h) */
#define NET_HELPER_STOPPED_MARK "the helper died: its container was stopped"

/* STATUS_UNKNOWN: list's word for a container whose state cannot be read */
enum container_status { STATUS_CREATING, STATUS_CREATED, STATUS_RUNNING, STATUS_STOPPED, STATUS_PAUSED, STATUS_UNKNOWN };

struct state {
  char *id;
  pid_t pid;
  uint64_t start_time; /* /proc/<pid>/stat field 22: tells a recycled pid apart */
  char *bundle;
  char *rootfs;
  char *created; /* RFC 3339, UTC */
  uid_t owner;
  const char *owner_name; /* for readers, when set: the name to show (not stored) */
  struct str_map annotations;
  /* urun's own fields */
  bool own_pid_ns;     /* init is pid 1 of a new pid namespace */
  uint64_t mnt_ns;     /* inode of the container's mount namespace */
  char *cgroup_path;   /* absolute path of its cgroup, NULL when none */
  char *cgroup_unit;   /* systemd scope, NULL when none */
  bool cgroup_user_bus;
  pid_t net_helper_pid;           /* urun-slirp beside the container, or 0 */
  uint64_t net_helper_start_time; /* its /proc start time (pid reuse) */
  /* not stored, found on load: the helper is no longer alive, and its
   * watchdog stopped the container because of that */
  bool net_helper_gone, net_helper_stopped_it;
  bool rootless;
  bool has_poststart; /* hooks to run later: config.json is read only then */
  bool has_poststop;
};

struct state_root {
  char *path;
  int fd;
};

/* Resolve and create the state root: --root if given, else /run/urun (root)
 * or $XDG_RUNTIME_DIR/urun (a user; clear errors when that is unusable). */
urun_error *state_root_open(const char *root_option, struct state_root *ret);
/* The default root's path, without creating it (the errors as above). */
urun_error *state_default_root(char **ret);
void state_root_close(struct state_root *r);

urun_error *state_validate_id(const char *id);

/* Claim a new id: returns the new container directory fd, locked
 * exclusively.  A directory left by a create that died (no state.json, no
 * lock holder) is cleared and reused. */
urun_error *state_claim(struct state_root *root, const char *id, int *ret_dirfd);
/* Lock a container directory that has no state.json (LOCK_EX or LOCK_SH),
 * waiting up to a second for a create that is dying; false when it is
 * held longer (a create at work) or state.json appears. */
bool state_lock_briefly(int dirfd, int op);
/* Open an existing container's directory and lock it (LOCK_SH or LOCK_EX). */
urun_error *state_open(struct state_root *root, const char *id, int lock_op, int *ret_dirfd);
/* Remove a container's directory (the caller holds its lock). */
urun_error *state_remove(struct state_root *root, const char *id);

urun_error *state_write(int dirfd, const struct state *st);
/* state.json, checked against create's journal; an error that says it is
 * damaged when it cannot be read, parsed or trusted. */
urun_error *state_read(int dirfd, const char *id, struct state **ret);
/* The same, but a damaged file is no error: *ret is NULL and *ret_damage
 * says why (caller frees). */
urun_error *state_load(int dirfd, const char *id, struct state **ret, char **ret_damage);
/* What state_read says of a damaged state. */
urun_error *state_damage_error(const char *id, const char *damage);
void state_free(struct state *st);
static inline void state_freep(struct state **s) { if (*s) state_free(*s); }
#define _cleanup_state_ __attribute__((cleanup(state_freep)))

/* The status from the live process and the exec fifo. */
enum container_status state_status(int dirfd, const struct state *st);
const char *state_status_name(enum container_status s);
/* The runtime-spec state plus runc's extras as JSON (pretty). Caller frees. */
urun_error *state_to_json(const struct state *st, enum container_status status, bool pretty,
                          char **ret);
/* Append this container's JSON object to an open writer (for list). */
struct json_writer;
void state_write_json(struct json_writer *w, const struct state *st, enum container_status status);

/* Start time of a live process (field 22 of /proc/<pid>/stat); 0 if gone or a zombie. */
uint64_t process_start_time(pid_t pid);
/* "now" in RFC 3339 with nanoseconds, UTC. Caller frees. */
char *rfc3339_now(void);
char *owner_name(uid_t uid);

#endif
