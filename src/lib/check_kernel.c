/* check_kernel.c: what the kernel offers a container, tried where cheap:
 * overlayfs in a user namespace, idmapped mounts, pidfd and clone3; and
 * the sysctls that decide ping and low ports. */
#define _GNU_SOURCE
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "state.h"
#include "userns.h"

/* In the child (its own user and mount namespace): a tmpfs with an
 * overlay on it, then an idmapped copy of the tmpfs. */
static const char *trial_dir(void) {
  static const char *const dirs[] = {"/tmp", "/mnt", "/dev", "/run", NULL};
  struct stat st;
  for (int i = 0; dirs[i]; i++)
    if (stat(dirs[i], &st) == 0 && S_ISDIR(st.st_mode)) return dirs[i];
  return NULL;
}

static int tmpfs_in_child(char *note, size_t size, const char **ret_dir) {
  const char *d = trial_dir();
  if (!d) {
    snprintf(note, size, "no directory to mount on");
    return ENOENT;
  }
  if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 || mount("tmpfs", d, "tmpfs", 0, "size=64k") < 0) {
    snprintf(note, size, "mount tmpfs: %s", strerror(errno));
    return errno;
  }
  *ret_dir = d;
  return 0;
}

static int overlay_trial(void *arg, char *note, size_t size) {
  const char *d;
  int r = tmpfs_in_child(note, size, &d);
  if (r) return r;
  char l[64], u[64], w[64], m[64], opts[256];
  snprintf(l, sizeof(l), "%s/l", d);
  snprintf(u, sizeof(u), "%s/u", d);
  snprintf(w, sizeof(w), "%s/w", d);
  snprintf(m, sizeof(m), "%s/m", d);
  if (mkdir(l, 0755) || mkdir(u, 0755) || mkdir(w, 0755) || mkdir(m, 0755)) {
    snprintf(note, size, "mkdir: %s", strerror(errno));
    return errno;
  }
  snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s", l, u, w);
  if (mount("overlay", m, "overlay", 0, opts) < 0) {
    snprintf(note, size, "mount overlay: %s", strerror(errno));
    return errno;
  }
  return 0;
}

/* An idmapped, detached copy of `dir` through the user namespace `userns`. */
static int idmap_tree(const char *dir, int userns, char *note, size_t size) {
  _cleanup_close_ int tree = (int)syscall(SYS_open_tree, AT_FDCWD, dir, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (tree < 0) {
    snprintf(note, size, "open_tree %s: %s", dir, strerror(errno));
    return errno;
  }
  struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns};
  if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0) {
    snprintf(note, size, "mount_setattr(MOUNT_ATTR_IDMAP) on %s: %s", dir, strerror(errno));
    return errno;
  }
  return 0; /* the detached tree goes with its fd */
}

static int idmap_in_child(void *arg, char *note, size_t size) {
  const char *d;
  int r = tmpfs_in_child(note, size, &d);
  if (r) return r;
  _cleanup_close_ int self = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
  if (self < 0) {
    snprintf(note, size, "open /proc/self/ns/user: %s", strerror(errno));
    return errno;
  }
  return idmap_tree(d, self, note, size);
}

/* Root: the child's namespace maps an idmapped copy of the filesystem
 * that holds the state root, made from here while the child waits. */
struct root_idmap {
  const char *dir;
  int result;
  char note[256];
};

static urun_error *idmap_from_parent(pid_t pid, void *arg) {
  struct root_idmap *t = arg;
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
  TRY(write_file_at(AT_FDCWD, path, "0 100000 65536\n", 15, 0));
  snprintf(path, sizeof(path), "/proc/%d/gid_map", pid);
  TRY(write_file_at(AT_FDCWD, path, "0 100000 65536\n", 15, 0));
  snprintf(path, sizeof(path), "/proc/%d/ns/user", pid);
  _cleanup_close_ int ns = open(path, O_RDONLY | O_CLOEXEC);
  if (ns < 0) return urun_error_errno("open %s", path);
  t->result = idmap_tree(t->dir, ns, t->note, sizeof(t->note));
  return NULL;
}

/* The state root, or its nearest existing parent. */
static char *state_dir(const struct check_report *r) {
  char *path = NULL;
  if (r->root_option) path = strdup(r->root_option);
  else urun_error_free(state_default_root(&path));
  if (!path) path = strdup("/");
  struct stat st;
  while (path && stat(path, &st) < 0) {
    char *slash = strrchr(path, '/');
    if (!slash || slash == path) {
      strcpy(path, "/");
      break;
    }
    *slash = '\0';
  }
  return path;
}

/* A trial in a user namespace of its own: warn (the fix) or ok. */
static void report_trial(struct check_report *r, const char *name, const struct check_trial *t, const char *fix,
                         const char *failed, const char *ok) {
  if (t->unshare_errno || t->map_failed)
    check_add(r, name, CHECK_WARN, false, "see the userns line above", "not tried: no user namespace");
  else if (t->result)
    check_add(r, name, CHECK_WARN, false, fix, "%s (%s)", failed, t->note);
  else
    check_add(r, name, CHECK_OK, false, NULL, "%s", ok);
}

static void overlay(struct check_report *r) {
  struct check_trial t;
  check_trial_run(CLONE_NEWUSER | CLONE_NEWNS, NULL, NULL, overlay_trial, NULL, &t);
  report_trial(r, "overlayfs", &t,
               "a kernel of 5.11 or later mounts overlayfs in a user namespace; until then urun-fuse-overlay "
               "(needs /dev/fuse) stands in",
               "overlayfs cannot be mounted in a user namespace", "overlayfs mounts in a user namespace");
}

static void idmapped(struct check_report *r) {
  _cleanup_free_ char *dir = state_dir(r);
  if (running_as_real_root()) { /* root of a user namespace cannot idmap its filesystems */
    struct root_idmap t = {.dir = dir};
    struct check_trial c;
    check_trial_run(CLONE_NEWUSER, idmap_from_parent, &t, NULL, NULL, &c);
    if (c.unshare_errno || c.map_failed)
      check_add(r, "idmapped_mounts", CHECK_WARN, false, "see the userns line above", "not tried: %s",
                c.map_failed ? c.note : strerror(c.unshare_errno));
    else if (t.result)
      check_add(r, "idmapped_mounts", CHECK_WARN, false,
                "keep the state root and bundles on a filesystem with idmapped mounts (ext4, xfs, btrfs, tmpfs "
                "on 6.3+), or use mounts without idmap",
                "no idmapped mounts on the filesystem of %s (%s)", dir, t.note);
    else
      check_add(r, "idmapped_mounts", CHECK_OK, false, NULL, "an idmapped copy of %s's filesystem was made", dir);
    return;
  }
  struct check_trial t;
  check_trial_run(CLONE_NEWUSER | CLONE_NEWNS, NULL, NULL, idmap_in_child, NULL, &t);
  char failed[512], ok[512];
  snprintf(failed, sizeof(failed), "no idmapped mount in a user namespace, and a user cannot idmap %s's filesystem",
           dir);
  snprintf(ok, sizeof(ok), "idmapped mounts work in a user namespace (on what it mounts; %s's filesystem: root only)",
           dir);
  report_trial(r, "idmapped_mounts", &t,
               "run containers whose mounts have idmap options as root, or drop those options (the kernel "
               "idmaps only filesystems of the host's user namespace, for root)",
               failed, ok);
}

static void sysctls(struct check_report *r) {
  char range[64];
  if (check_read_line("/proc/sys/net/ipv4/ping_group_range", range, sizeof(range))) {
    long lo = 1, hi = 0;
    sscanf(range, "%ld %ld", &lo, &hi);
    if (r->root || (lo <= (long)getegid() && (long)getegid() <= hi))
      check_add(r, "ping_group_range", CHECK_OK, false, NULL, "net.ipv4.ping_group_range is %ld-%ld: ping works", lo, hi);
    else
      check_add(r, "ping_group_range", CHECK_WARN, false,
                "as root: sysctl -w net.ipv4.ping_group_range='0 2147483647' (and in /etc/sysctl.d/50-urun.conf)",
                "net.ipv4.ping_group_range is %ld-%ld: your gid %u may not open ICMP sockets (ping)", lo, hi,
                (unsigned)getegid());
  }
  long start;
  if (check_sysctl("/proc/sys/net/ipv4/ip_unprivileged_port_start", &start)) {
    if (r->root || start == 0)
      check_add(r, "unprivileged_port", CHECK_OK, false, NULL, "net.ipv4.ip_unprivileged_port_start is %ld", start);
    else
      check_add(r, "unprivileged_port", CHECK_OK, false, NULL,
                "net.ipv4.ip_unprivileged_port_start is %ld: host ports below it cannot be published (-p) by you",
                start);
  }
}

static void syscalls(struct check_report *r) {
  int fd = (int)syscall(SYS_pidfd_open, getpid(), 0);
  if (fd >= 0) {
    close(fd);
    check_add(r, "pidfd", CHECK_OK, false, NULL, "pidfd_open works (no pid reuse races)");
  } else {
    check_add(r, "pidfd", CHECK_WARN, false, "a kernel of 5.3 or later (or a seccomp profile that allows pidfd_open)",
              "pidfd_open: %s: urun falls back to pids with start times", strerror(errno));
  }
  errno = 0;
  long c = syscall(SYS_clone3, NULL, 0);
  if (c < 0 && errno != ENOSYS)
    check_add(r, "clone3", CHECK_OK, false, NULL, "clone3 is there (a container is cloned straight into its cgroup)");
  else
    check_add(r, "clone3", CHECK_WARN, false, "a kernel of 5.7 or later, or a seccomp profile that allows clone3",
              "clone3: %s: urun falls back to clone", strerror(errno));
}

void check_kernel(struct check_report *r) {
  overlay(r);
  idmapped(r);
  sysctls(r);
  syscalls(r);
}
