/* mount_extra.c: the two mount options that are more than a flag:
 * tmpcopyup (crun's: a tmpfs that starts with what the directory under it
 * held) and idmap/ridmap (an idmapped bind mount, mount_setattr(2)). */
#define _GNU_SOURCE
#include "mount_extra.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <linux/sched.h>
#include <stdint.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"

static urun_error *copy_file(int from_dir, int to_dir, const char *name, const struct stat *st) {
  _cleanup_close_ int in = openat(from_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (in < 0) return urun_error_errno("tmpcopyup: open %s", name);
  _cleanup_close_ int out = openat(to_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, st->st_mode & 07777);
  if (out < 0) return urun_error_errno("tmpcopyup: create %s", name);
  for (off_t left = st->st_size; left > 0;) {
    ssize_t n = sendfile(out, in, NULL, (size_t)(left > (1 << 30) ? (1 << 30) : left));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return urun_error_errno("tmpcopyup: copy %s", name);
    if (n == 0) break;
    left -= n;
  }
  if (fchown(out, st->st_uid, st->st_gid) < 0 && errno != EPERM && errno != EINVAL)
    return urun_error_errno("tmpcopyup: chown %s", name);
  if (fchmod(out, st->st_mode & 07777) < 0) return urun_error_errno("tmpcopyup: chmod %s", name);
  return NULL;
}

static urun_error *copy_tree(int from_dir, int to_dir, int depth) {
  if (depth > 64) return urun_error_new("tmpcopyup: directories nested too deep");
  int dup_fd = fcntl(from_dir, F_DUPFD_CLOEXEC, 0);
  _cleanup_closedir_ DIR *d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
  if (!d) {
    if (dup_fd >= 0) close(dup_fd);
    return urun_error_errno("tmpcopyup: read directory");
  }
  struct dirent *de;
  while ((de = readdir(d))) {
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
    struct stat st;
    if (fstatat(from_dir, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) return urun_error_errno("tmpcopyup: %s", de->d_name);
    if (S_ISDIR(st.st_mode)) {
      if (mkdirat(to_dir, de->d_name, st.st_mode & 07777) < 0) return urun_error_errno("tmpcopyup: mkdir %s", de->d_name);
      _cleanup_close_ int sub_from = openat(from_dir, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      _cleanup_close_ int sub_to = openat(to_dir, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub_from < 0 || sub_to < 0) return urun_error_errno("tmpcopyup: open %s", de->d_name);
      TRY(copy_tree(sub_from, sub_to, depth + 1));
      if (fchown(sub_to, st.st_uid, st.st_gid) < 0 && errno != EPERM && errno != EINVAL)
        return urun_error_errno("tmpcopyup: chown %s", de->d_name);
      if (fchmod(sub_to, st.st_mode & 07777) < 0) return urun_error_errno("tmpcopyup: chmod %s", de->d_name);
    } else if (S_ISREG(st.st_mode)) {
      TRY(copy_file(from_dir, to_dir, de->d_name, &st));
    } else if (S_ISLNK(st.st_mode)) {
      char target[4096];
      ssize_t n = readlinkat(from_dir, de->d_name, target, sizeof(target) - 1);
      if (n < 0) return urun_error_errno("tmpcopyup: readlink %s", de->d_name);
      target[n] = '\0';
      if (symlinkat(target, to_dir, de->d_name) < 0) return urun_error_errno("tmpcopyup: symlink %s", de->d_name);
      if (fchownat(to_dir, de->d_name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != EPERM &&
          errno != EINVAL)
        return urun_error_errno("tmpcopyup: chown %s", de->d_name);
    } else if (mknodat(to_dir, de->d_name, st.st_mode, st.st_rdev) < 0 && errno != EPERM) {
      /* sockets, fifos, device nodes: as far as the caller may make them */
      return urun_error_errno("tmpcopyup: mknod %s", de->d_name);
    }
  }
  return NULL;
}

urun_error *mount_copy_up(int from_dir, int to_dir) { return copy_tree(from_dir, to_dir, 0); }

/* A user namespace holding the mount's mappings, for MOUNT_ATTR_IDMAP: a
 * child that only waits, its maps written from here, its ns file kept. */
static urun_error *idmap_userns(const struct spec_id_mappings *uids, const struct spec_id_mappings *gids, int *ret_fd) {
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) < 0) return urun_error_errno("idmap: pipe");
  int pidfd = -1;
  struct clone_args args = {.flags = CLONE_NEWUSER | CLONE_PIDFD, .pidfd = (uint64_t)(uintptr_t)&pidfd,
                            .exit_signal = SIGCHLD};
  pid_t child = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
  if (child == 0) {
    char c;
    close(pipefd[1]);
    (void)!read(pipefd[0], &c, 1); /* until the parent has our ns file */
    _exit(0);
  }
  close(pipefd[0]);
  if (child < 0) {
    close(pipefd[1]);
    return urun_error_errno("idmap: new user namespace");
  }
  /* Our /proc may belong to another pid namespace than the one we cloned
   * in (init, before pivot_root): the pidfd's fdinfo gives the child's pid
   * as that /proc counts it. */
  urun_error *e = NULL;
  pid_t proc_pid = -1;
  char fdinfo[64];
  snprintf(fdinfo, sizeof(fdinfo), "/proc/self/fdinfo/%d", pidfd);
  _cleanup_free_ char *info = NULL;
  e = read_file_at(AT_FDCWD, fdinfo, &info, NULL);
  const char *pidline = info ? strstr(info, "\nPid:") : NULL;
  if (!e && (!pidline || sscanf(pidline + 5, "%d", &proc_pid) != 1 || proc_pid <= 0))
    e = urun_error_new("idmap: no pid in %s", fdinfo);
  close(pidfd);
  const struct spec_id_mappings *maps[2] = {uids, gids};
  static const char *const files[2] = {"uid_map", "gid_map"};
  for (int k = 0; k < 2 && !e; k++) {
    char buf[4096], path[64];
    size_t len = 0;
    for (size_t i = 0; i < maps[k]->len && len < sizeof(buf) - 64; i++)
      len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%u %u %u\n", maps[k]->items[i].container_id,
                              maps[k]->items[i].host_id, maps[k]->items[i].size);
    snprintf(path, sizeof(path), "/proc/%d/%s", proc_pid, files[k]);
    e = urun_error_wrap(write_file_at(AT_FDCWD, path, buf, len, 0), "idmap: %s", files[k]);
  }
  char nspath[64];
  snprintf(nspath, sizeof(nspath), "/proc/%d/ns/user", proc_pid);
  *ret_fd = e ? -1 : open(nspath, O_RDONLY | O_CLOEXEC);
  if (!e && *ret_fd < 0) e = urun_error_errno("idmap: open %s", nspath);
  close(pipefd[1]);
  waitpid(child, NULL, 0);
  return e;
}

urun_error *mount_idmapped_bind(const char *source, const char *target, bool recursive,
                                const struct spec_id_mappings *uids, const struct spec_id_mappings *gids) {
  if (!uids->len || !gids->len) return urun_error_new("idmapped mount: needs both uid and gid mappings");
  _cleanup_close_ int userns = -1;
  TRY(idmap_userns(uids, gids, &userns));
  _cleanup_close_ int tree = (int)syscall(SYS_open_tree, AT_FDCWD, source,
                                          OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
  if (tree < 0) return urun_error_errno("idmapped mount: open_tree %s", source);
  struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns};
  if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof(attr)) < 0)
    return urun_error_errno("idmapped mount of %s (the filesystem must support idmapped mounts, and the caller "
                            "needs CAP_SYS_ADMIN over it)",
                            source);
  if (syscall(SYS_move_mount, tree, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_SYMLINKS) < 0)
    return urun_error_errno("idmapped mount: move_mount");
  return NULL;
}
