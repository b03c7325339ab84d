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

/* Bind the host's node at the same path onto an empty file in the rootfs. */
static urun_error *bind_host_node(int rootfd, const char *path) {
  _cleanup_close_ int fd = -1;
  TRY(mkfile_in_root(rootfd, path, 0644, &fd));
  char p[32];
  if (mount(path, fd_path(fd, p), "none", MS_BIND, NULL) < 0)
    return urun_error_errno("bind mount device %s", path);
  return NULL;
}

static urun_error *make_node(int rootfd, const char *path, mode_t type, mode_t mode, dev_t dev,
                             uid_t uid, gid_t gid) {
  _cleanup_free_ char *copy = strdup(path);
  if (!copy) return urun_error_code(ENOMEM, "device %s", path);
  char *dir = dirname(copy);
  _cleanup_close_ int dirfd = -1;
  TRY(mkdir_in_root(rootfd, dir, 0755, &dirfd));
  /* O_PATH fds can't be used with mknodat: reopen as a directory */
  char p[32];
  _cleanup_close_ int real = open(fd_path(dirfd, p), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (real < 0) return urun_error_errno("device %s", path);
  const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
  unlinkat(real, base, 0);
  if (mknodat(real, base, type | (mode & 07777), dev) < 0) return urun_error_errno("mknod %s", path);
  if (fchownat(real, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0) return urun_error_errno("chown %s", path);
  /* mknod is subject to the umask: set the exact mode */
  if (fchmodat(real, base, mode & 07777, 0) < 0) return urun_error_errno("chmod %s", path);
  return NULL;
}

static urun_error *make_symlink(int rootfd, const char *target, const char *path) {
  _cleanup_close_ int devfd = -1;
  TRY(mkdir_in_root(rootfd, "/dev", 0755, &devfd));
  char p[32];
  _cleanup_close_ int real = open(fd_path(devfd, p), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (real < 0) return urun_error_errno("/dev");
  if (symlinkat(target, real, path) < 0 && errno != EEXIST) return urun_error_errno("symlink /dev/%s", path);
  return NULL;
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
  for (size_t i = 0; i < sizeof(std_devices) / sizeof(std_devices[0]); i++) {
    const struct std_device *d = &std_devices[i];
    if (in_userns) {
      TRY(bind_host_node(rootfd, d->path));
      continue;
    }
    urun_error *e = make_node(rootfd, d->path, S_IFCHR, 0666, makedev(d->major, d->minor), 0, 0);
    if (e && e->code == EPERM) { /* no CAP_MKNOD here after all: the host's node */
      urun_error_free(e);
      e = bind_host_node(rootfd, d->path);
    }
    TRY(e);
  }
  TRY(make_symlink(rootfd, "/proc/self/fd", "fd"));
  TRY(make_symlink(rootfd, "/proc/self/fd/0", "stdin"));
  TRY(make_symlink(rootfd, "/proc/self/fd/1", "stdout"));
  TRY(make_symlink(rootfd, "/proc/self/fd/2", "stderr"));
  TRY(make_symlink(rootfd, "pts/ptmx", "ptmx"));
  if (access("/proc/kcore", F_OK) == 0) TRY(make_symlink(rootfd, "/proc/kcore", "core"));
  return devices_create_config(rootfd, spec, in_userns);
}
