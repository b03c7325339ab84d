/* cgroup.h: the container's cgroup v2 group, by one of three drivers.
 *
 *  systemd  - a transient scope (Delegate=yes) asked of systemd over D-Bus:
 *             the user's instance for a user, the system one for root;
 *  cgroupfs - a group made directly where the hierarchy is writable (root,
 *             or a subtree delegated to the user);
 *  none     - no group of its own: allowed only when no limit is asked for.
 */
#ifndef URUN_CGROUP_H
#define URUN_CGROUP_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "spec.h"

enum cgroup_driver { CGROUP_DRIVER_NONE, CGROUP_DRIVER_CGROUPFS, CGROUP_DRIVER_SYSTEMD };
enum cgroup_manager { CGROUP_MANAGER_AUTO, CGROUP_MANAGER_SYSTEMD, CGROUP_MANAGER_CGROUPFS,
                      CGROUP_MANAGER_DISABLED };

struct cgroup_plan {
  enum cgroup_driver driver;
  char *mountpoint;   /* the cgroup2 mount, e.g. /sys/fs/cgroup */
  char *path;         /* absolute path of the group init joins (a leaf) */
  char *scope;        /* systemd: the scope's path (path is a leaf below it) */
  char *unit;         /* systemd: unit name, e.g. urun-<id>.scope */
  bool user_bus;      /* systemd: the user's instance */
  int dirfd;          /* cgroupfs: the group directory, for CLONE_INTO_CGROUP; else -1 */
  bool placed;        /* init was cloned straight into it */
  bool foreign;       /* cgroupfs: it was found in use, and is not ours to remove */
  char *id;           /* the container id (default unit name) */
  int journal_fd;     /* create's journal (journal.h): each group noted before it is made; not owned */
};

/* Is any limit asked for (anything but device rules)? */
bool cgroup_resources_requested(const struct spec_resources *r);
/* Decide the driver and make the group (cgroupfs) before init exists.
 * Refuses clearly where limits are asked and no group can be had. */
void cgroup_drop_default_cpu_shares(struct spec_resources *r);
urun_error *cgroup_prepare(const struct spec *s, const char *id, enum cgroup_manager manager,
                           int journal_fd, struct cgroup_plan *ret);
/* Put `pid` in the group (systemd: start the scope around it, then move it
 * to the leaf) and write every limit.  cgroupfs with CLONE_INTO_CGROUP has
 * placed it already; writing the pid again is harmless. */
urun_error *cgroup_enter(struct cgroup_plan *p, const struct spec *s, pid_t pid);
/* The device rules (an eBPF program, root only): loaded while init sets up
 * its mounts, in place before the container's process can run. */
urun_error *cgroup_enter_devices(const struct cgroup_plan *p, const struct spec *s);
/* Write linux.resources into the group at `path` (create and update). */
urun_error *cgroup_write_resources(const char *path, const struct spec_resources *r, bool update);
/* Put `pid` into the container's group at `path` (exec): by cgroup.procs,
 * or through systemd when `unit` is set and the kernel refuses the caller. */
urun_error *cgroup_join(const char *path, const char *unit, bool user_bus, pid_t pid);
/* Enable in `parent`'s subtree_control the controllers `r` needs. */
urun_error *cgroup_enable_controllers(const char *parent, const struct spec_resources *r);
/* `update`: new limits through the driver that made the group at `path`
 * (systemd when `unit` is set: properties, then files in the scope). */
urun_error *cgroup_update(const char *path, const char *unit, bool user_bus, const struct spec_resources *r);
/* Remove the group (and stop the scope); kills what is left in it first. */
urun_error *cgroup_destroy(const char *path, const char *unit, bool user_bus);
void cgroup_plan_free(struct cgroup_plan *p);

/* Helpers other commands use on a recorded path. */
urun_error *cgroup_freeze(const char *path, bool freeze);
urun_error *cgroup_pids(const char *path, pid_t **ret, size_t *ret_len);
urun_error *cgroup_kill_all(const char *path, int sig);
/* The nearest ancestor of a container's group at `path` that outlives it:
 * its parent, or with systemd the scope's parent (the group is the scope's
 * leaf, and systemd removes the scope with it). */
char *cgroup_lasting_ancestor(const char *path, bool systemd);
/* Our own group, "/path" of "0::/path" in /proc/self/cgroup; caller frees. */
char *cgroup_own_path(void);
/* The cgroup2 mountpoint (unified or hybrid "unified"); NULL when none. */
const char *cgroup_mountpoint(void);

/* cgroup_systemd.c */
urun_error *cgroup_systemd_start(struct cgroup_plan *p, const struct spec *s, pid_t pid);
urun_error *cgroup_systemd_stop(const char *unit, bool user_bus);
/* Stop the unit only when it has no process (or nothing if there is none). */
urun_error *cgroup_systemd_stop_if_empty(const char *unit, bool user_bus);
/* Move `pid` into `subgroup` ("/container") of the unit's cgroup: systemd
 * may, where the caller cannot (the common ancestor is not the user's). */
urun_error *cgroup_systemd_attach(const char *unit, bool user_bus, const char *subgroup, pid_t pid);
/* Change the scope's resource properties (runtime only), as `update` does. */
urun_error *cgroup_systemd_update(const char *unit, bool user_bus, const struct spec_resources *res);
bool cgroup_systemd_available(bool user_bus);

#endif
