/* mount.c: rootfs and config mounts; see mount.h.
 *
 * Every destination is resolved inside the rootfs (fsutil's open_in_root),
 * and the mount is made on /proc/self/fd/N of that resolved fd, so a symlink
 * in the rootfs can never redirect a mount onto the host. */
#define _GNU_SOURCE
#include "mount.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "devices.h"
#include "fsutil.h"
#include "labels.h"
#include "log.h"
#include "mount_extra.h"
#include "mount_fd.h"
#include "mount_overlay.h"

enum opt_kind { OPT_FLAG, OPT_CLEAR, OPT_PROPAGATION, OPT_BIND, OPT_RBIND, OPT_ATTR, OPT_ATTR_CLR,
                OPT_IDMAP, OPT_RIDMAP, OPT_TMPCOPYUP };

struct mount_option {
  const char *name;
  enum opt_kind kind;
  unsigned long flag;
  unsigned long long attr;
};

static const struct mount_option options[] = {
    {"defaults", OPT_FLAG, 0, 0},
    {"ro", OPT_FLAG, MS_RDONLY, 0},
    {"rw", OPT_CLEAR, MS_RDONLY, 0},
    {"nosuid", OPT_FLAG, MS_NOSUID, 0},
    {"suid", OPT_CLEAR, MS_NOSUID, 0},
    {"nodev", OPT_FLAG, MS_NODEV, 0},
    {"dev", OPT_CLEAR, MS_NODEV, 0},
    {"noexec", OPT_FLAG, MS_NOEXEC, 0},
    {"exec", OPT_CLEAR, MS_NOEXEC, 0},
    {"sync", OPT_FLAG, MS_SYNCHRONOUS, 0},
    {"async", OPT_CLEAR, MS_SYNCHRONOUS, 0},
    {"dirsync", OPT_FLAG, MS_DIRSYNC, 0},
    {"remount", OPT_FLAG, MS_REMOUNT, 0},
    {"mand", OPT_FLAG, MS_MANDLOCK, 0},
    {"nomand", OPT_CLEAR, MS_MANDLOCK, 0},
    {"atime", OPT_CLEAR, MS_NOATIME, 0},
    {"noatime", OPT_FLAG, MS_NOATIME, 0},
    {"diratime", OPT_CLEAR, MS_NODIRATIME, 0},
    {"nodiratime", OPT_FLAG, MS_NODIRATIME, 0},
    {"relatime", OPT_FLAG, MS_RELATIME, 0},
    {"norelatime", OPT_CLEAR, MS_RELATIME, 0},
    {"strictatime", OPT_FLAG, MS_STRICTATIME, 0},
    {"nostrictatime", OPT_CLEAR, MS_STRICTATIME, 0},
    {"lazytime", OPT_FLAG, MS_LAZYTIME, 0},
    {"nolazytime", OPT_CLEAR, MS_LAZYTIME, 0},
    {"silent", OPT_FLAG, MS_SILENT, 0},
    {"loud", OPT_CLEAR, MS_SILENT, 0},
    {"bind", OPT_BIND, MS_BIND, 0},
    {"rbind", OPT_RBIND, MS_BIND | MS_REC, 0},
    {"private", OPT_PROPAGATION, MS_PRIVATE, 0},
    {"rprivate", OPT_PROPAGATION, MS_PRIVATE | MS_REC, 0},
    {"shared", OPT_PROPAGATION, MS_SHARED, 0},
    {"rshared", OPT_PROPAGATION, MS_SHARED | MS_REC, 0},
    {"slave", OPT_PROPAGATION, MS_SLAVE, 0},
    {"rslave", OPT_PROPAGATION, MS_SLAVE | MS_REC, 0},
    {"unbindable", OPT_PROPAGATION, MS_UNBINDABLE, 0},
    {"runbindable", OPT_PROPAGATION, MS_UNBINDABLE | MS_REC, 0},
    {"rro", OPT_ATTR, 0, MOUNT_ATTR_RDONLY},
    {"rrw", OPT_ATTR_CLR, 0, MOUNT_ATTR_RDONLY},
    {"rnosuid", OPT_ATTR, 0, MOUNT_ATTR_NOSUID},
    {"rsuid", OPT_ATTR_CLR, 0, MOUNT_ATTR_NOSUID},
    {"rnodev", OPT_ATTR, 0, MOUNT_ATTR_NODEV},
    {"rdev", OPT_ATTR_CLR, 0, MOUNT_ATTR_NODEV},
    {"rnoexec", OPT_ATTR, 0, MOUNT_ATTR_NOEXEC},
    {"rexec", OPT_ATTR_CLR, 0, MOUNT_ATTR_NOEXEC},
    {"rnodiratime", OPT_ATTR, 0, MOUNT_ATTR_NODIRATIME},
    {"rdiratime", OPT_ATTR_CLR, 0, MOUNT_ATTR_NODIRATIME},
    {"rnoatime", OPT_ATTR, 0, MOUNT_ATTR_NOATIME},
    {"rrelatime", OPT_ATTR, 0, MOUNT_ATTR_RELATIME},
    {"rstrictatime", OPT_ATTR, 0, MOUNT_ATTR_STRICTATIME},
    {"idmap", OPT_IDMAP, 0, 0},
    {"ridmap", OPT_RIDMAP, 0, 0},
    {"tmpcopyup", OPT_TMPCOPYUP, 0, 0},
};

static const struct mount_option *find_option(const char *name) {
  for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++)
    if (!strcmp(options[i].name, name)) return &options[i];
  return NULL;
}

const char *mount_option_name(size_t i) {
  return i < sizeof(options) / sizeof(options[0]) ? options[i].name : NULL;
}

unsigned long mount_propagation_flags(const char *name) {
  const struct mount_option *o = find_option(name);
  return o && o->kind == OPT_PROPAGATION ? o->flag : 0;
}

static urun_error *append_data(char **data, const char *opt) {
  char *n = NULL;
  if (asprintf(&n, "%s%s%s", *data ? *data : "", *data ? "," : "", opt) < 0)
    return urun_error_code(ENOMEM, "mount options");
  free(*data);
  *data = n;
  return NULL;
}

urun_error *mount_parse_options(const struct spec_mount *m, size_t index, struct mount_flags *ret) {
  memset(ret, 0, sizeof(*ret));
  for (size_t j = 0; j < m->options.len; j++) {
    const char *name = m->options.items[j];
    const struct mount_option *o = find_option(name);
    if (!o) {
      urun_error *e = append_data(&ret->data, name);
      if (e) {
        free(ret->data);
        return e;
      }
      continue;
    }
    switch (o->kind) {
    case OPT_FLAG: ret->flags |= o->flag; ret->clear &= ~o->flag; break;
    case OPT_CLEAR: ret->flags &= ~o->flag; ret->clear |= o->flag; break;
    case OPT_PROPAGATION: ret->propagation = o->flag; break;
    case OPT_BIND: ret->bind = true; break;
    case OPT_RBIND: ret->bind = ret->rbind = true; break;
    case OPT_ATTR: ret->attr_set |= o->attr; break;
    case OPT_ATTR_CLR: ret->attr_clr |= o->attr; break;
    case OPT_IDMAP: ret->idmap = true; break;
    case OPT_RIDMAP: ret->idmap = ret->ridmap = true; break;
    case OPT_TMPCOPYUP: ret->tmpcopyup = true; break;
    }
  }
  /* runtime-spec 1.2: mappings alone ask for an idmapped mount */
  if (m->uid_mappings.len || m->gid_mappings.len) ret->idmap = true;
  /* The atime options are one setting: the last one wins. */
  if (m->type && (!strcmp(m->type, "bind") || !strcmp(m->type, "rbind"))) {
    ret->bind = true;
    if (!strcmp(m->type, "rbind")) ret->rbind = true;
  }
  return NULL;
}

urun_error *mount_check_config(const struct spec *spec) {
  for (size_t i = 0; i < spec->mounts_len; i++) {
    const struct spec_mount *m = &spec->mounts[i];
    struct mount_flags f;
    TRY(mount_parse_options(m, i, &f));
    free(f.data);
    if ((m->uid_mappings.len || m->gid_mappings.len || f.idmap) && !f.bind)
      return urun_error_new("config.json: .mounts[%zu]: idmapped mounts are bind mounts only", i);
    if (f.tmpcopyup && (!m->type || strcmp(m->type, "tmpfs")))
      return urun_error_new("config.json: .mounts[%zu].options: tmpcopyup is for tmpfs mounts", i);
    if (!f.bind && !m->type)
      return urun_error_new("config.json: .mounts[%zu].type: required for a mount that is not a bind mount", i);
    if (f.bind && !m->source)
      return urun_error_new("config.json: .mounts[%zu].source: required for a bind mount", i);
  }
  return NULL;
}

/* Flags of the source mount that a user namespace may not clear on a
 * bind-remount (the kernel keeps them locked): carry them over. */
static unsigned long locked_flags(const char *path) {
  struct statvfs sv;
  if (statvfs(path, &sv) < 0) return 0;
  unsigned long f = 0;
  if (sv.f_flag & ST_NOSUID) f |= MS_NOSUID;
  if (sv.f_flag & ST_NODEV) f |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
  if (sv.f_flag & ST_NOATIME) f |= MS_NOATIME;
  if (sv.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
  if (sv.f_flag & ST_RELATIME) f |= MS_RELATIME;
  if (sv.f_flag & ST_RDONLY) f |= MS_RDONLY;
  return f;
}

static const unsigned long remount_bits = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC |
                                          MS_NOATIME | MS_NODIRATIME | MS_RELATIME |
                                          MS_STRICTATIME | MS_SYNCHRONOUS | MS_DIRSYNC |
                                          MS_MANDLOCK | MS_LAZYTIME;

static urun_error *remount_bind(const char *target, unsigned long want, unsigned long clear,
                                bool in_userns) {
  unsigned long current = locked_flags(target);
  unsigned long keep = in_userns ? (current & (MS_NOSUID | MS_NODEV | MS_NOEXEC)) : 0;
  /* atime flags: keep the source's unless the config chose one */
  if (!(want & (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)) &&
      !(clear & (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)))
    keep |= current & (MS_NOATIME | MS_RELATIME | MS_NODIRATIME);
  unsigned long flags = MS_REMOUNT | MS_BIND | ((want | keep) & remount_bits);
  if (mount("none", target, "none", flags, NULL) < 0) {
    /* A locked atime flag may refuse the change: retry with the source's
     * atime setting in place of the one asked (strictatime over a relatime
     * source, in a user namespace). */
    flags &= ~(unsigned long)(MS_NOATIME | MS_RELATIME | MS_NODIRATIME | MS_STRICTATIME);
    flags |= current & (MS_NOATIME | MS_RELATIME | MS_NODIRATIME | MS_NOSUID | MS_NODEV | MS_NOEXEC);
    if (mount("none", target, "none", flags, NULL) < 0) return urun_error_errno("remount");
  }
  return NULL;
}

static urun_error *apply_attrs(int fd, const struct mount_flags *f) {
  if (!f->attr_set && !f->attr_clr) return NULL;
  struct mount_attr attr = {.attr_set = f->attr_set, .attr_clr = f->attr_clr};
  if (f->attr_set & (MOUNT_ATTR_NOATIME | MOUNT_ATTR_STRICTATIME | MOUNT_ATTR_RELATIME))
    attr.attr_clr |= MOUNT_ATTR__ATIME;
  if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0)
    return urun_error_errno("set recursive mount attributes");
  return NULL;
}

/* Without mount_setattr (before Linux 5.12, or under valgrind): every
 * mount at or below the one at fd remounted with `want` added to the
 * flags it has (statvfs tells them). */
static urun_error *remount_tree(int fd, unsigned long want) {
  char self[32], top[PATH_MAX];
  ssize_t n = readlink(fd_path(fd, self), top, sizeof(top) - 1);
  if (n < 0) return urun_error_errno("remount below a mount");
  top[n] = '\0';
  size_t toplen = strcmp(top, "/") ? (size_t)n : 0;
  _cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
  if (!f) return urun_error_errno("read /proc/self/mountinfo");
  _cleanup_free_ char *line = NULL;
  size_t cap = 0;
  static const struct { unsigned long st, ms; } kept[] = {
      {ST_RDONLY, MS_RDONLY}, {ST_NOSUID, MS_NOSUID}, {ST_NODEV, MS_NODEV}, {ST_NOEXEC, MS_NOEXEC},
      {ST_NOATIME, MS_NOATIME}, {ST_NODIRATIME, MS_NODIRATIME}, {ST_RELATIME, MS_RELATIME}};
  while (getline(&line, &cap, f) > 0) {
    /* the fifth field, with mountinfo's octal escapes (\040 for a space) */
    char *save = NULL, *mp = strtok_r(line, " ", &save);
    for (int i = 0; mp && i < 4; i++) mp = strtok_r(NULL, " ", &save);
    if (!mp) continue;
    char *w = mp;
    for (const char *r = mp; *r; w++)
      if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] && r[3]) {
        *w = (char)(((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
        r += 4;
      } else {
        *w = *r++;
      }
    *w = '\0';
    if (strncmp(mp, top, toplen) || (mp[toplen] && mp[toplen] != '/')) continue;
    struct statvfs sv;
    if (statvfs(mp, &sv) < 0) return urun_error_errno("remount %s", mp);
    unsigned long flags = MS_REMOUNT | MS_BIND | want;
    for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
      if (sv.f_flag & kept[i].st) flags |= kept[i].ms;
    if (mount("none", mp, "none", flags, NULL) < 0) return urun_error_errno("remount %s", mp);
  }
  return NULL;
}

/* What "ro", "nosuid", "nodev" and "noexec" ask of a recursive bind, for
 * every mount in it: the kernel's remount changes the top mount only, and a
 * submount left writable (the host's cgroups under /sys) would undo "ro". */
static urun_error *restrict_recursively(int fd, unsigned long flags) {
  struct mount_flags r = {0};
  if (flags & MS_RDONLY) r.attr_set |= MOUNT_ATTR_RDONLY;
  if (flags & MS_NOSUID) r.attr_set |= MOUNT_ATTR_NOSUID;
  if (flags & MS_NODEV) r.attr_set |= MOUNT_ATTR_NODEV;
  if (flags & MS_NOEXEC) r.attr_set |= MOUNT_ATTR_NOEXEC;
  urun_error *e = apply_attrs(fd, &r);
  if (!e || e->code != ENOSYS) return e;
  urun_error_free(e);
  return remount_tree(fd, flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC));
}

/* `data` without the options starting with `prefix`; caller frees. */
static char *strip_option(const char *data, const char *prefix) {
  char *out = calloc(1, strlen(data) + 1);
  _cleanup_free_ char *copy = strdup(data);
  if (!out || !copy) {
    free(out);
    return NULL;
  }
  char *save = NULL;
  for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
    if (str_has_prefix(o, prefix)) continue;
    if (*out) strcat(out, ",");
    strcat(out, o);
  }
  return out;
}

static bool is_type(const struct spec_mount *m, const char *t) { return m->type && !strcmp(m->type, t); }

/* .linux.mountLabel as the context= option where SELinux is on; proc,
 * sysfs and mqueue take none (runc's rule). */
static urun_error *add_mount_label(const struct spec *s, const struct spec_mount *m, char **data) {
  const char *label = s->linux_.mount_label;
  if (!label || !*label || !labels_selinux_active()) return NULL;
  if (is_type(m, "proc") || is_type(m, "sysfs") || is_type(m, "mqueue")) return NULL;
  _cleanup_free_ char *opt = NULL;
  if (asprintf(&opt, "context=\"%s\"", label) < 0) return urun_error_code(ENOMEM, "mount options");
  return append_data(data, opt);
}

/* The host path of a bind source: relative sources are bundle-relative. */
static char *bind_source(const struct mount_context *ctx, const char *src) {
  return src[0] == '/' ? strdup(src) : path_join(ctx->bundle, src);
}

/* cgroup2 rooted at our cgroup namespace.  EBUSY has two causes: the one
 * cgroup2 superblock is read-write, so a read-only mount of it is refused
 * (mount it read-write, *ret_read_only_later: make the mount read-only
 * after); and the target is itself a cgroup2 mount (the host's, inside an
 * rbind of /sys), on which the kernel refuses the same filesystem: cover it
 * with an empty tmpfs first (it cannot be unmounted in a user namespace). */
static int mount_cgroup2(const char *target, unsigned long flags, const char *data, bool *ret_read_only_later) {
  int r = mount("cgroup2", target, "cgroup2", flags, data);
  if (r == 0 || errno != EBUSY) return r;
  if (flags & MS_RDONLY) {
    flags &= ~(unsigned long)MS_RDONLY;
    *ret_read_only_later = true;
    r = mount("cgroup2", target, "cgroup2", flags, data);
    if (r == 0 || errno != EBUSY) return r;
  }
  if (mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k,mode=755") < 0) return -1;
  return mount("cgroup2", target, "cgroup2", flags, data);
}

/* Whether this process is in the initial cgroup namespace (its inode
 * number is fixed: PROC_CGROUP_INIT_INO); unknown counts as yes. */
static bool in_initial_cgroupns(void) {
  struct stat st;
  return stat("/proc/self/ns/cgroup", &st) < 0 || st.st_ino == 0xEFFFFFFBU;
}

/* A new cgroup2 mount made in the initial cgroup namespace sets the
 * hierarchy's options for the whole host (nsdelegate,
 * memory_recursiveprot... whatever it names or leaves out: the kernel
 * applies them to the one superblock), and waits for an RCU grace period
 * (5-18 ms here).  There the host's own cgroup2 mount, bound, shows the
 * very same tree: its path, or NULL where a new mount is harmless (another
 * cgroup namespace; a user namespace, where the kernel refuses it) or
 * there is none to bind. */
static const char *host_cgroup2_to_bind(const struct mount_context *ctx) {
  return ctx->in_userns || !in_initial_cgroupns() ? NULL : cgroup_mountpoint();
}

/* /proc files a bind of a regular file may cover, as lxcfs does (runc's
 * list): statistics, nothing the runtime or an LSM relies on. */
static const char *const proc_file_binds[] = {
    "/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat", "/proc/swaps", "/proc/uptime",
    "/proc/loadavg", "/proc/slabinfo", "/proc/net/dev", "/proc/sys/kernel/ns_last_pid",
};

/* Only procfs goes on the container's /proc, whatever symlink led there: a
 * directory of the image's over it (CVE-2019-16884, CVE-2019-19921) fakes
 * /proc/self/attr for the LSM, and the masked paths urun sets after, through
 * /proc/self/fd, on the fake. */
static urun_error *check_not_over_proc(const struct mount_context *ctx, const struct spec_mount *m, size_t i,
                                       int target, bool is_file_bind) {
  char p[32], where[PATH_MAX];
  ssize_t n = readlink(fd_path(target, p), where, sizeof(where) - 1);
  if (n < 0) return urun_error_errno("mount %s", m->destination);
  where[n] = '\0';
  size_t rl = strlen(ctx->rootfs);
  const char *in_root = !strncmp(where, ctx->rootfs, rl) ? where + rl : where;
  if (strcmp(in_root, "/proc") && !str_has_prefix(in_root, "/proc/")) return NULL;
  if (!strcmp(in_root, "/proc") && is_type(m, "proc")) return NULL;
  for (size_t k = 0; is_file_bind && k < sizeof(proc_file_binds) / sizeof(proc_file_binds[0]); k++)
    if (!strcmp(in_root, proc_file_binds[k])) return NULL;
  return urun_error_new("config.json: .mounts[%zu].destination: %s is inside /proc (%s), where only procfs and binds "
                        "of regular files over its statistics files may go",
                        i, m->destination, in_root);
}

static urun_error *mount_one(const struct mount_context *ctx, const struct spec_mount *m, size_t i,
                             int rootfd) {
  struct mount_flags f;
  TRY(mount_parse_options(m, i, &f));
  _cleanup_free_ char *data = f.data;
  _cleanup_free_ char *src = NULL;
  bool src_is_dir = true;
  bool sysfs_fallback = false, cgroup_fallback = false;
  bool recursive = f.rbind; /* a tree of mounts is bound, not one */

  int tree = ctx->host_trees ? ctx->host_trees[i] : -1;
  if (f.bind) {
    src = bind_source(ctx, m->source);
    if (!src) return urun_error_code(ENOMEM, "mount");
    struct stat st;
    if ((tree >= 0 ? fstat(tree, &st) : stat(src, &st)) < 0)
      return urun_error_errno("config.json: .mounts[%zu].source: %s", i, src);
    src_is_dir = S_ISDIR(st.st_mode);
  }
  _cleanup_close_ int target = -1;
  if (src_is_dir)
    TRY(urun_error_wrap(mkdir_in_root(rootfd, m->destination, 0755, &target), "mount %s", m->destination));
  else
    TRY(urun_error_wrap(mkfile_in_root(rootfd, m->destination, 0644, &target), "mount %s", m->destination));
  TRY(check_not_over_proc(ctx, m, i, target, f.bind && !src_is_dir));
  char tpath[32];
  fd_path(target, tpath);

  unsigned long flags = f.flags & ~(MS_REMOUNT);
  if (f.bind && f.idmap) {
    /* made by the runtime on the host, or here: in a user namespace the
     * kernel allows only a filesystem that namespace mounted */
    const struct spec_id_mappings *u, *g;
    mount_idmaps_of(ctx->spec, m, &u, &g);
    if (tree >= 0)
      TRY(urun_error_wrap(mount_attach_tree(tree, tpath), "config.json: .mounts[%zu]", i));
    else
      TRY(urun_error_wrap(mount_idmapped_bind(src, tpath, f.ridmap || f.rbind, u, g), "config.json: .mounts[%zu]", i));
  } else if (f.bind && tree >= 0) {
    TRY(urun_error_wrap(mount_attach_tree(tree, tpath), "config.json: .mounts[%zu]", i));
  } else if (f.bind) {
    if (mount(src, tpath, "none", MS_BIND | (f.rbind ? MS_REC : 0), NULL) < 0)
      return urun_error_errno("mount %s on %s", src, m->destination);
  } else if (f.tmpcopyup) {
    _cleanup_close_ int under = open(tpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (under < 0) return urun_error_errno("tmpcopyup: open %s", m->destination);
    if (mount(m->source ? m->source : "tmpfs", tpath, "tmpfs", flags & ~(unsigned long)MS_RDONLY, data) < 0)
      return urun_error_errno("mount tmpfs on %s", m->destination);
    _cleanup_close_ int top = open_in_root(rootfd, m->destination, O_RDONLY | O_DIRECTORY, 0);
    if (top < 0) return urun_error_errno("tmpcopyup: open %s", m->destination);
    TRY(urun_error_wrap(mount_copy_up(under, top), "config.json: .mounts[%zu]", i));
    if (flags & MS_RDONLY) f.bind = true; /* read-only after the copy: the remount below */
  } else if (is_type(m, "cgroup") || is_type(m, "cgroup2")) {
    const char *host = host_cgroup2_to_bind(ctx);
    if (host) {
      if (mount(host, tpath, "none", MS_BIND, NULL) < 0) return urun_error_errno("mount %s on %s", host, m->destination);
      log_debug("mount cgroup2 on %s: a bind of the host's %s (a new cgroup2 mount in the host's cgroup namespace "
                "would set its options for the whole host)", m->destination, host);
      f.bind = true; /* the remount below applies the flags */
    } else {
      bool read_only_later = false;
      int r = mount_cgroup2(tpath, flags, data, &read_only_later);
      if (read_only_later) f.bind = true; /* the remount below applies the flags */
      if (r < 0) {
        if (errno != EPERM && errno != EBUSY && errno != ENODEV) return urun_error_errno("mount cgroup2 on %s", m->destination);
        log_debug("mount cgroup2 on %s (flags %#lx, data %s): %s: a bind of the host's /sys/fs/cgroup instead", m->destination, flags, data ? data : "-", strerror(errno));
        cgroup_fallback = recursive = true;
        free(src);
        src = strdup("/sys/fs/cgroup");
        if (!src) return urun_error_code(ENOMEM, "mount");
        if (mount(src, tpath, "none", MS_BIND | MS_REC, NULL) < 0)
          return urun_error_errno("mount %s on %s", src, m->destination);
        f.bind = true;
      }
    }
  } else if (is_type(m, "overlay")) {
    TRY(urun_error_wrap(mount_overlay(ctx, m->destination, target, flags, data), "config.json: .mounts[%zu]", i));
  } else {
    const char *source = m->source ? m->source : m->type;
    TRY(add_mount_label(ctx->spec, m, &data));
    int r = mount(source, tpath, m->type, flags, data);
    if (r < 0 && errno == EINVAL && is_type(m, "devpts") && data && strstr(data, "gid=")) {
      /* gid= names a group the user namespace does not map: go without. */
      _cleanup_free_ char *nogid = strip_option(data, "gid=");
      r = nogid ? mount(source, tpath, m->type, flags, nogid) : -1;
    }
    if (r < 0) {
      if (is_type(m, "sysfs") && (errno == EPERM || errno == EACCES)) goto bind_sys;
      if (is_type(m, "proc") && ctx->in_userns && (errno == EPERM || errno == EACCES || errno == EBUSY)) {
        /* No pid namespace of our own: the host's /proc, as crun does. */
        free(src);
        src = strdup("/proc");
        if (!src || mount(src, tpath, "none", MS_BIND | MS_REC, NULL) < 0)
          return urun_error_errno("mount proc on %s", m->destination);
        f.bind = recursive = true;
      } else if (is_type(m, "mqueue") && ctx->in_userns && (errno == EPERM || errno == EACCES)) {
        /* No ipc namespace of our own: the host's mqueue, as bind. */
        int first = errno;
        free(src);
        src = strdup("/dev/mqueue");
        if (!src || mount(src, tpath, "none", MS_BIND, NULL) < 0) {
          /* both failures: the mount asked for is the one to name */
          int second = errno;
          return urun_error_code(first, "mount mqueue on %s (binding the host's /dev/mqueue instead failed too: %s)",
                                 m->destination, strerror(second));
        }
        f.bind = true;
      } else {
        return urun_error_errno("mount %s on %s", m->type, m->destination);
      }
    }
  }
  if (0) {
  bind_sys:
    /* sysfs belongs to the network namespace's owner: without that, the
     * host's /sys, read-only whatever was asked (as crun and runc do) */
    sysfs_fallback = recursive = true;
    f.flags |= MS_RDONLY;
    free(src);
    src = strdup("/sys");
    if (!src) return urun_error_code(ENOMEM, "mount");
    if (mount(src, tpath, "none", MS_BIND | MS_REC, NULL) < 0)
      return urun_error_errno("mount /sys on %s", m->destination);
    f.bind = true;
  }
  if (f.bind && ((f.flags & remount_bits) || sysfs_fallback || cgroup_fallback)) {
    /* re-open: the mount is now on top of the fd we held */
    _cleanup_close_ int top = open_in_root(rootfd, m->destination, O_PATH, 0);
    if (top < 0) return urun_error_errno("mount %s", m->destination);
    char p[32];
    TRY(urun_error_wrap(remount_bind(fd_path(top, p), f.flags & remount_bits, f.clear, ctx->in_userns),
                        "mount %s", m->destination));
    if (recursive) TRY(urun_error_wrap(restrict_recursively(top, f.flags), "mount %s", m->destination));
  }
  if (f.propagation || f.attr_set || f.attr_clr) {
    _cleanup_close_ int top = open_in_root(rootfd, m->destination, O_PATH, 0);
    if (top < 0) return urun_error_errno("mount %s", m->destination);
    char p[32];
    if (f.propagation && mount("none", fd_path(top, p), "none", f.propagation, NULL) < 0)
      return urun_error_errno("set propagation of %s", m->destination);
    TRY(urun_error_wrap(apply_attrs(top, &f), "mount %s", m->destination));
  }
  if (is_type(m, "tmpfs") && !strcmp(m->destination, "/dev"))
    TRY(devices_setup_dev(rootfd, ctx->spec, ctx->in_userns));
  return NULL;
}

static bool has_dev_mount(const struct spec *spec) {
  for (size_t i = 0; i < spec->mounts_len; i++)
    if (!strcmp(spec->mounts[i].destination, "/dev")) return true;
  return false;
}

urun_error *mount_setup_rootfs(const struct mount_context *ctx) {
  const char *prop = ctx->spec->linux_.rootfs_propagation;
  unsigned long pflags = prop ? mount_propagation_flags(prop) : 0;
  /* Host mounts may propagate in, but nothing we do goes back out. */
  if (mount("none", "/", "none", MS_SLAVE | MS_REC, NULL) < 0)
    return urun_error_errno("make / a slave mount");
  if (mount(ctx->rootfs, ctx->rootfs, "none", MS_BIND | MS_REC, NULL) < 0)
    return urun_error_errno("bind mount rootfs %s", ctx->rootfs);
  /* pivot_root refuses a shared new root: shared is applied after it (mount_finish) */
  if (pflags && !(pflags & MS_SHARED) && mount("none", ctx->rootfs, "none", pflags, NULL) < 0)
    return urun_error_errno("set rootfs propagation %s", prop);
  const char *overlay = spec_annotation(ctx->spec, ROOTFS_OVERLAY_ANNOTATION);
  if (overlay) TRY(mount_rootfs_overlay(ctx, overlay));
  _cleanup_close_ int rootfd = open(ctx->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) return urun_error_errno("open rootfs %s", ctx->rootfs);
  for (size_t i = 0; i < ctx->spec->mounts_len; i++)
    TRY(mount_one(ctx, &ctx->spec->mounts[i], i, rootfd));
  if (!has_dev_mount(ctx->spec)) TRY(devices_setup_dev(rootfd, ctx->spec, ctx->in_userns));
  else TRY(devices_create_config(rootfd, ctx->spec, ctx->in_userns));
  /* The working directory exists before the switch, as runc makes it. */
  if (ctx->spec->process.cwd) {
    _cleanup_close_ int cwd = -1;
    TRY(urun_error_wrap(mkdir_in_root(rootfd, ctx->spec->process.cwd, 0755, &cwd), "process.cwd"));
  }
  return NULL;
}

urun_error *mount_pivot_root(const struct mount_context *ctx) {
  if (chdir(ctx->rootfs) < 0) return urun_error_errno("chdir %s", ctx->rootfs);
  if (ctx->no_pivot) {
    if (mount(ctx->rootfs, "/", "none", MS_MOVE, NULL) < 0) return urun_error_errno("move rootfs to /");
    if (chroot(".") < 0) return urun_error_errno("chroot");
  } else {
    _cleanup_close_ int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (oldroot < 0) return urun_error_errno("open the old root");
    if (syscall(SYS_pivot_root, ".", ".") < 0) return urun_error_errno("pivot_root");
    /* The old root is stacked on the new one: from inside it, make it a
     * slave (the host hears nothing of the detach) and detach it; "." of
     * the new root would instead turn the container's shared mounts slave. */
    if (fchdir(oldroot) < 0) return urun_error_errno("enter the old root");
    if (mount("none", ".", "none", MS_SLAVE | MS_REC, NULL) < 0) return urun_error_errno("make old root a slave");
    if (umount2(".", MNT_DETACH) < 0) return urun_error_errno("detach old root");
  }
  if (chdir("/") < 0) return urun_error_errno("chdir /");
  return NULL;
}

urun_error *mount_chroot(const struct mount_context *ctx) {
  if (chdir(ctx->rootfs) < 0) return urun_error_errno("chdir %s", ctx->rootfs);
  if (chroot(".") < 0) return urun_error_errno("chroot %s", ctx->rootfs);
  if (chdir("/") < 0) return urun_error_errno("chdir /");
  return NULL;
}

/* A file is masked with the null device that open_null_device checked
 * (null_fd), mounted from its fd; a directory with an empty tmpfs. */
static urun_error *mask_path(const char *path, int *null_fd) {
  _cleanup_close_ int fd = open_in_root(AT_FDCWD, path, O_PATH, 0);
  if (fd < 0) {
    if (errno == ENOENT) return NULL; /* nothing to hide */
    return urun_error_errno("masked path %s", path);
  }
  struct stat st;
  if (fstat(fd, &st) < 0) return urun_error_errno("masked path %s", path);
  if (S_ISDIR(st.st_mode)) {
    char p[32];
    if (mount("tmpfs", fd_path(fd, p), "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0k,mode=0555") < 0)
      return urun_error_errno("mask %s", path);
    return NULL;
  }
  if (*null_fd < 0) TRY(urun_error_wrap(open_null_device(null_fd), "mask %s", path));
  return urun_error_wrap(mount_bind_fd(*null_fd, fd, path), "mask %s", path);
}

/* Read-only, and nothing else changed: the bind keeps every flag of the
 * mount it copies (nosuid, nodev, noexec, atime), and the read-only bit is
 * set on it and on every mount below it. */
static urun_error *readonly_path(const char *path) {
  _cleanup_close_ int fd = open_in_root(AT_FDCWD, path, O_PATH, 0);
  if (fd < 0) {
    if (errno == ENOENT) return NULL;
    return urun_error_errno("readonly path %s", path);
  }
  char p[32];
  fd_path(fd, p);
  if (mount(p, p, "none", MS_BIND | MS_REC, NULL) < 0) return urun_error_errno("readonly path %s", path);
  _cleanup_close_ int top = open_in_root(AT_FDCWD, path, O_PATH, 0);
  if (top < 0) return urun_error_errno("readonly path %s", path);
  return urun_error_wrap(restrict_recursively(top, MS_RDONLY), "readonly path %s", path);
}

urun_error *mount_finish(const struct mount_context *ctx) {
  const struct spec_linux *l = &ctx->spec->linux_;
  _cleanup_close_ int null_fd = -1;
  for (size_t i = 0; i < l->masked_paths.len; i++) TRY(mask_path(l->masked_paths.items[i], &null_fd));
  for (size_t i = 0; i < l->readonly_paths.len; i++)
    TRY(readonly_path(l->readonly_paths.items[i]));
  if (ctx->spec->root_readonly)
    TRY(urun_error_wrap(remount_bind("/", MS_RDONLY, 0, ctx->in_userns), "read-only root"));
  const char *prop = l->rootfs_propagation;
  if (prop && mount("none", "/", "none", mount_propagation_flags(prop), NULL) < 0)
    return urun_error_errno("set rootfs propagation %s", prop);
  return NULL;
}
