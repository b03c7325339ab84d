/* devices.c: device nodes and symlinks of the container's /dev. */
#define _GNU_SOURCE
#include "devices.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"

struct std_device {
  const char *path;
  unsigned major, minor;
};

static const struct std_device std_devices[] = {
    {"/dev/null", 1, 3}, {"/dev/zero", 1, 5},    {"/dev/full", 1, 7},
    {"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
};

/* Bind the host's node at the same path onto an empty file in the rootfs,
 * nosuid and noexec (as runc and crun make them): a node is for reading
 * and writing, nothing on it is to run. */
static urun_error *bind_host_node(int rootfd, const char *path) {
  _cleanup_close_ int fd = -1;
  TRY(mkfile_in_root(rootfd, path, 0644, &fd));
  char p[32];
  if (mount(path, fd_path(fd, p), "none", MS_BIND, NULL) < 0)
    return urun_error_errno("bind mount device %s", path);
  _cleanup_close_ int top = open_in_root(rootfd, path, O_PATH, 0);
  if (top < 0) return urun_error_errno("bind mount device %s", path);
  /* the remount keeps the atime setting the kernel locks in a user namespace */
  struct statvfs sv;
  unsigned long keep = 0;
  if (fstatvfs(top, &sv) == 0) {
    if (sv.f_flag & ST_RDONLY) keep |= MS_RDONLY;
    if (sv.f_flag & ST_NOATIME) keep |= MS_NOATIME;
    if (sv.f_flag & ST_NODIRATIME) keep |= MS_NODIRATIME;
    if (sv.f_flag & ST_RELATIME) keep |= MS_RELATIME;
  }
  if (mount("none", fd_path(top, p), "none", MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NOEXEC | keep, NULL) < 0)
    return urun_error_errno("bind mount device %s: remount nosuid,noexec", path);
  return NULL;
}

/* A directory of the rootfs (made where missing) opened for *at calls:
 * mkdir_in_root gives an O_PATH fd, which mknodat and symlinkat refuse. */
static urun_error *open_dir_in_root(int rootfd, const char *dir, int *ret_fd) {
  _cleanup_close_ int pathfd = -1;
  TRY(mkdir_in_root(rootfd, dir, 0755, &pathfd));
  char p[32];
  *ret_fd = open(fd_path(pathfd, p), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (*ret_fd < 0) return urun_error_errno("%s", dir);
  return NULL;
}

/* NAME in DIRFD, exactly MODE (the umask does not apply) and owned by
 * uid:gid; an existing entry is replaced. */
static urun_error *make_node_at(int dirfd, const char *name, const char *path, mode_t type, mode_t mode, dev_t dev,
                                uid_t uid, gid_t gid) {
  mode_t old_umask = umask(0);
  int r = mknodat(dirfd, name, type | (mode & 07777), dev);
  if (r < 0 && errno == EEXIST && unlinkat(dirfd, name, 0) == 0) r = mknodat(dirfd, name, type | (mode & 07777), dev);
  int err = errno;
  umask(old_umask);
  if (r < 0) return urun_error_code(err, "mknod %s", path);
  if (fchownat(dirfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0) return urun_error_errno("chown %s", path);
  return NULL;
}

static urun_error *make_node(int rootfd, const char *path, mode_t type, mode_t mode, dev_t dev,
                             uid_t uid, gid_t gid) {
  _cleanup_free_ char *dir = strdup(path), *base = strdup(path);
  if (!dir || !base) return urun_error_code(ENOMEM, "device %s", path);
  /* dirname and basename drop a trailing slash ("/mnt/" names /mnt) */
  const char *name = basename(base);
  if (!strcmp(name, "/") || !strcmp(name, ".") || !strcmp(name, ".."))
    return urun_error_new("%s: not a name for a device node", path);
  _cleanup_close_ int dirfd = -1;
  TRY(open_dir_in_root(rootfd, dirname(dir), &dirfd));
  return make_node_at(dirfd, name, path, type, mode, dev, uid, gid);
}

static mode_t device_type(const char *t) {
  if (!strcmp(t, "b")) return S_IFBLK;
  if (!strcmp(t, "p")) return S_IFIFO;
  return S_IFCHR; /* "c" and "u" */
}

urun_error *devices_create_config(int rootfd, const struct spec *spec, bool in_userns) {
  for (size_t i = 0; i < spec->linux_.devices_len; i++) {
    const struct spec_device *d = &spec->linux_.devices[i];
    mode_t type = device_type(d->type);
    mode_t mode = d->has_file_mode ? d->file_mode : 0666;
    if (in_userns && type != S_IFIFO) {
      struct stat st;
      if (stat(d->path, &st) < 0)
        return urun_error_errno("config.json: .linux.devices[%zu]: %s cannot be created in a user "
                                "namespace and the host has no such node to bind",
                                i, d->path);
      TRY(urun_error_wrap(bind_host_node(rootfd, d->path), "config.json: .linux.devices[%zu]", i));
      continue;
    }
    dev_t dev = makedev((unsigned)(d->has_major ? d->major : 0), (unsigned)(d->has_minor ? d->minor : 0));
    TRY(urun_error_wrap(make_node(rootfd, d->path, type, mode, dev, d->has_uid ? d->uid : 0,
                                  d->has_gid ? d->gid : 0),
                        "config.json: .linux.devices[%zu]", i));
  }
  return NULL;
}

urun_error *devices_setup_dev(int rootfd, const struct spec *spec, bool in_userns) {
  /* one fd for /dev, not a walk from the root for each node */
  _cleanup_close_ int devfd = -1;
  TRY(open_dir_in_root(rootfd, "/dev", &devfd));
  for (size_t i = 0; i < sizeof(std_devices) / sizeof(std_devices[0]); i++) {
    const struct std_device *d = &std_devices[i];
    if (in_userns) {
      TRY(bind_host_node(rootfd, d->path));
      continue;
    }
    urun_error *e = make_node_at(devfd, d->path + strlen("/dev/"), d->path, S_IFCHR, 0666,
                                 makedev(d->major, d->minor), 0, 0);
    if (e && e->code == EPERM) { /* no CAP_MKNOD here after all: the host's node */
      urun_error_free(e);
      e = bind_host_node(rootfd, d->path);
    }
    TRY(e);
  }
  static const char *const links[][2] = {
      {"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"},
      {"/proc/self/fd/2", "stderr"}, {"pts/ptmx", "ptmx"},
  };
  for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
    if (symlinkat(links[i][0], devfd, links[i][1]) < 0 && errno != EEXIST)
      return urun_error_errno("symlink /dev/%s", links[i][1]);
  if (access("/proc/kcore", F_OK) == 0 && symlinkat("/proc/kcore", devfd, "core") < 0 && errno != EEXIST)
    return urun_error_errno("symlink /dev/core");
  return devices_create_config(rootfd, spec, in_userns);
}
