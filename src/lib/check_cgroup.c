/* check_cgroup.c: cgroup v2 (unified or hybrid), and whether the caller
 * gets a group of its own for limits: root writes the hierarchy, a user
 * needs systemd's user instance over D-Bus (lingering, dbus-user-session)
 * or a delegated subtree.  No group is made: the bus is asked for
 * systemd's version, the subtree for its owner. */
#define _GNU_SOURCE
#include "check.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "fsutil.h"

static bool exists(const char *path) { return access(path, F_OK) == 0; }

/* Our own group's directory, e.g. /sys/fs/cgroup/user.slice/...; caller frees. */
static char *own_group_dir(const char *mount) {
  _cleanup_free_ char *own = cgroup_own_path();
  return own ? path_join(mount, own) : NULL;
}

/* The controllers systemd delegates to the user's instance. */
static void user_controllers(const char *mount, char *buf, size_t size) {
  char path[256];
  unsigned uid = (unsigned)getuid();
  snprintf(path, sizeof(path), "%s/user.slice/user-%u.slice/user@%u.service/cgroup.controllers", mount, uid, uid);
  if (!check_read_line(path, buf, size) || !*buf) snprintf(buf, size, "(none)");
}

static void systemd_user(struct check_report *r, const char *mount) {
  const char *user = check_user_name();
  bool systemd = exists("/run/systemd/system");
  if (!systemd) {
    check_add(r, "systemd", CHECK_WARN, false, "boot with systemd, or delegate a cgroup subtree to the user by hand",
              "systemd is not running: no scope can be asked for");
    return;
  }
  char linger[300];
  snprintf(linger, sizeof(linger), "/var/lib/systemd/linger/%s", user);
  if (exists(linger))
    check_add(r, "linger", CHECK_OK, false, NULL, "lingering is enabled for %s", user);
  else
    check_add_fix(r, "linger", CHECK_WARN, false,
                  "lingering is not enabled: your systemd instance runs only while you are logged in",
                  "as root: loginctl enable-linger %s", user);
  if (exists("/usr/lib/systemd/user/dbus.socket") || exists("/lib/systemd/user/dbus.socket"))
    check_add(r, "dbus_user", CHECK_OK, false, NULL, "dbus-user-session is installed (a user bus per login)");
  else
    check_add(r, "dbus_user", CHECK_WARN, false, "as root: apt install dbus-user-session (then log in again)",
              "dbus-user-session is not installed: no user bus for systemd's user instance");
  (void)mount;
}

static void delegation(struct check_report *r, const char *mount) {
  if (r->root) {
    if (access(mount, W_OK) == 0)
      check_add(r, "delegation", CHECK_OK, false, NULL, "root: %s is writable%s", mount,
                cgroup_systemd_available(false) ? ", systemd's system bus reachable" : "");
    else
      check_add(r, "delegation", CHECK_WARN, false,
                "mount the cgroup2 hierarchy read-write (a container: --cgroupns=private with a writable "
                "/sys/fs/cgroup, or --cgroup-manager=disabled to run without)",
                "%s is not writable: containers run without a group, limits are refused", mount);
    return;
  }
  bool unified = !strcmp(mount, "/sys/fs/cgroup");
  if (unified && cgroup_systemd_available(true)) {
    char ctl[256];
    user_controllers(mount, ctl, sizeof(ctl));
    bool all = strstr(ctl, "memory") && strstr(ctl, "pids") && strstr(ctl, "cpu");
    if (all)
      check_add(r, "delegation", CHECK_OK, false, NULL,
                "systemd's user instance makes scopes with Delegate=yes; controllers: %s", ctl);
    else
      check_add_fix(r, "delegation", CHECK_WARN, false, "systemd's user instance is reachable but delegates few controllers",
                    "as root: mkdir -p /etc/systemd/system/user@.service.d && printf '[Service]\\nDelegate=cpu "
                    "cpuset io memory pids\\n' > /etc/systemd/system/user@.service.d/delegate.conf && systemctl "
                    "daemon-reload (delegated now: %s)",
                    ctl);
    return;
  }
  _cleanup_free_ char *own = own_group_dir(mount);
  struct stat st;
  if (own && stat(own, &st) == 0 && st.st_uid == geteuid() && access(own, W_OK) == 0) {
    char ctl[256], path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/cgroup.controllers", own);
    if (!check_read_line(path, ctl, sizeof(ctl)) || !*ctl) snprintf(ctl, sizeof(ctl), "(none)");
    check_add(r, "delegation", CHECK_OK, false, NULL, "%s is delegated to you (cgroupfs); controllers: %s", own, ctl);
    return;
  }
  check_add_fix(r, "delegation", CHECK_WARN, false,
                "no cgroup is delegated to you: containers run without a group of their own, and a config "
                "with resource limits is refused",
                "as root: loginctl enable-linger %s and apt install dbus-user-session, then log in again (or run "
                "in a systemd session: systemd-run --user --scope urun ...)",
                check_user_name());
}

void check_cgroup(struct check_report *r) {
  const char *mount = cgroup_mountpoint();
  if (!mount) {
    check_add(r, "cgroup_v2", CHECK_WARN, false,
              "boot with systemd.unified_cgroup_hierarchy=1 (cgroup v2), or mount cgroup2 on /sys/fs/cgroup",
              "no cgroup v2 hierarchy: containers run without a group, limits are refused");
    return;
  }
  if (!strcmp(mount, "/sys/fs/cgroup"))
    check_add(r, "cgroup_v2", CHECK_OK, false, NULL, "unified hierarchy on %s", mount);
  else
    check_add(r, "cgroup_v2", CHECK_WARN, false,
              "boot with systemd.unified_cgroup_hierarchy=1 for every controller on cgroup v2",
              "hybrid: cgroup v2 on %s, the controllers on v1 cannot be limited", mount);
  if (!r->root) systemd_user(r, mount);
  delegation(r, mount);
}
