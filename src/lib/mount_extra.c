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
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "mount.h"

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

/* The map file text of a child user namespace from `maps`, whose host ids
 * are renumbered as our user namespace sees them (a child's map is relative
 * to its parent: us), through our own `file` (/proc/self/uid_map).  On the
 * host that map is the identity; in a container's user namespace a host id
 * it does not map cannot be used. */
static urun_error *map_text(const char *file, const char *field, const struct spec_id_mappings *maps, char *buf,
                            size_t size, size_t *ret_len) {
  _cleanup_free_ char *ours = NULL;
  TRY(read_file_at(AT_FDCWD, file, &ours, NULL));
  size_t len = 0;
  for (size_t i = 0; i < maps->len; i++) {
    const struct spec_id_mapping *m = &maps->items[i];
    uint64_t first = m->host_id, last = (uint64_t)m->host_id + m->size - 1;
    bool found = false;
    uint64_t renumbered = 0;
    for (const char *line = ours; line && *line && !found; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
      unsigned long long inside, outside, count;
      if (sscanf(line, "%llu %llu %llu", &inside, &outside, &count) != 3) continue;
      if (m->size && first >= outside && last < outside + count) {
        found = true;
        renumbered = inside + (first - outside);
      }
    }
    if (!found)
      return urun_error_new("%s[%zu]: host ids %llu-%llu are not all mapped in the container's user namespace", field,
                            i, (unsigned long long)first, (unsigned long long)last);
    int n = snprintf(buf + len, size - len, "%u %llu %u\n", m->container_id, (unsigned long long)renumbered, m->size);
    if (n < 0 || (size_t)n >= size - len) return urun_error_new("%s: too many mappings", field);
    len += (size_t)n;
  }
  *ret_len = len;
  return NULL;
}

/* A user namespace holding the mount's mappings, for MOUNT_ATTR_IDMAP: a
 * child that only waits, its maps written from here, its ns file kept. */
static urun_error *idmap_userns(const struct spec_id_mappings *uids, const struct spec_id_mappings *gids, int *ret_fd) {
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) < 0) return urun_error_errno("idmap: pipe");
  int pidfd = -1;
  struct clone_args args = {.flags = CLONE_NEWUSER | CLONE_PIDFD, .pidfd = (uint64_t)(uintptr_t)&pidfd,
                            .exit_signal = SIGCHLD};
  /* The child of a non-dumpable process (init, see init.c) has /proc files
   * of the host's root, which a user's init cannot write the maps of: the
   * child, which only waits, is made dumpable; we are again at once. */
  bool undumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0;
  if (undumpable && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0) {
    close(pipefd[0]);
    close(pipefd[1]);
    return urun_error_errno("idmap: prctl(PR_SET_DUMPABLE)");
  }
  pid_t child = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
  if (child < 0 && errno == ENOSYS) /* no clone3 (valgrind): the pidfd comes where parent_tid points */
    child = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | CLONE_PIDFD | SIGCHLD, NULL, &pidfd, NULL, 0);
  if (child == 0) {
    char c;
    close(pipefd[1]);
    (void)!read(pipefd[0], &c, 1); /* until the parent has our ns file */
    _exit(0);
  }
  int clone_errno = errno;
  urun_error *e = NULL;
  if (undumpable && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) e = urun_error_errno("idmap: prctl(PR_SET_DUMPABLE)");
  close(pipefd[0]);
  if (child < 0) {
    close(pipefd[1]);
    urun_error_free(e);
    return urun_error_code(clone_errno, "idmap: new user namespace");
  }
  /* Our /proc may belong to another pid namespace than the one we cloned
   * in (init, before pivot_root): the pidfd's fdinfo gives the child's pid
   * as that /proc counts it. */
  pid_t proc_pid = -1;
  char fdinfo[64];
  snprintf(fdinfo, sizeof(fdinfo), "/proc/self/fdinfo/%d", pidfd);
  _cleanup_free_ char *info = NULL;
  if (!e) e = read_file_at(AT_FDCWD, fdinfo, &info, NULL);
  const char *pidline = info ? strstr(info, "\nPid:") : NULL;
  if (!e && (!pidline || sscanf(pidline + 5, "%d", &proc_pid) != 1 || proc_pid <= 0))
    e = urun_error_new("idmap: no pid in %s", fdinfo);
  close(pidfd);
  const struct spec_id_mappings *maps[2] = {uids, gids};
  static const char *const files[2] = {"uid_map", "gid_map"};
  static const char *const fields[2] = {"uidMappings", "gidMappings"};
  for (int k = 0; k < 2 && !e; k++) {
    char buf[4096], path[64], self[32];
    size_t len = 0;
    snprintf(self, sizeof(self), "/proc/self/%s", files[k]);
    e = map_text(self, fields[k], maps[k], buf, sizeof(buf), &len);
    snprintf(path, sizeof(path), "/proc/%d/%s", proc_pid, files[k]);
    if (!e) e = urun_error_wrap(write_file_at(AT_FDCWD, path, buf, len, 0), "idmap: %s", files[k]);
  }
  char nspath[64];
  snprintf(nspath, sizeof(nspath), "/proc/%d/ns/user", proc_pid);
  *ret_fd = e ? -1 : open(nspath, O_RDONLY | O_CLOEXEC);
  if (!e && *ret_fd < 0) e = urun_error_errno("idmap: open %s", nspath);
  close(pipefd[1]);
  waitpid(child, NULL, 0);
  return e;
}

/* A detached copy of the tree at `source`, idmapped; *ret_tree owns it. */
static urun_error *idmapped_tree(const char *source, bool recursive, const struct spec_id_mappings *uids,
                                 const struct spec_id_mappings *gids, int *ret_tree) {
  if (!uids->len || !gids->len) return urun_error_new("idmapped mount: needs both uid and gid mappings");
  _cleanup_close_ int userns = -1;
  TRY(idmap_userns(uids, gids, &userns));
  _cleanup_close_ int tree = (int)syscall(SYS_open_tree, AT_FDCWD, source,
                                          OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
  if (tree < 0) return urun_error_errno("idmapped mount: open_tree %s", source);
  struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns};
  if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof(attr)) < 0) {
    /* the kernel's two refusals, said plainly: a user may idmap only a
     * filesystem its user namespace mounted (a tmpfs of the container) */
    if (errno == EPERM)
      return urun_error_errno("idmapped mount of %s: only the owner of its filesystem may idmap it (root on the host, "
                              "or the user namespace that mounted it)",
                              source);
    if (errno == EINVAL)
      return urun_error_errno("idmapped mount of %s: its filesystem does not support idmapped mounts", source);
    return urun_error_errno("idmapped mount of %s", source);
  }
  *ret_tree = tree;
  tree = -1;
  return NULL;
}

urun_error *mount_attach_tree(int tree, const char *target) {
  if (syscall(SYS_move_mount, tree, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_SYMLINKS) < 0)
    return urun_error_errno("move_mount");
  return NULL;
}

urun_error *mount_idmapped_bind(const char *source, const char *target, bool recursive,
                                const struct spec_id_mappings *uids, const struct spec_id_mappings *gids) {
  _cleanup_close_ int tree = -1;
  TRY(idmapped_tree(source, recursive, uids, gids, &tree));
  return mount_attach_tree(tree, target);
}

void mount_idmaps_of(const struct spec *s, const struct spec_mount *m, const struct spec_id_mappings **ret_uids,
                     const struct spec_id_mappings **ret_gids) {
  /* no mappings of its own: the container's, as the spec says */
  *ret_uids = m->uid_mappings.len ? &m->uid_mappings : &s->linux_.uid_mappings;
  *ret_gids = m->gid_mappings.len ? &m->gid_mappings : &s->linux_.gid_mappings;
}

void mount_prepared_free(int *trees, size_t n) {
  for (size_t i = 0; trees && i < n; i++)
    if (trees[i] >= 0) close(trees[i]);
  free(trees);
}

/* Can host uid:gid reach `path` (search every directory on the way)?
 * Asked with the fs ids switched, which also drops root's DAC override
 * for this thread while they are switched. */
static bool reachable_as(const char *path, uid_t uid, gid_t gid) {
  int old_gid = setfsgid(gid);
  int old_uid = setfsuid(uid);
  struct stat st;
  int r = stat(path, &st), err = errno;
  setfsuid((uid_t)old_uid);
  setfsgid((gid_t)old_gid);
  return r == 0 || err != EACCES;
}

/* The host id that container id 0 maps to; false when 0 is not mapped. */
static bool host_root_of(const struct spec_id_mappings *m, uint32_t *ret) {
  for (size_t i = 0; i < m->len; i++)
    if (m->items[i].container_id == 0 && m->items[i].size > 0) {
      *ret = m->items[i].host_id;
      return true;
    }
  return false;
}

urun_error *mount_prepare_trees(const struct spec *s, const char *bundle, bool idmap, int **ret_trees) {
  *ret_trees = NULL;
  int *trees = malloc((s->mounts_len ? s->mounts_len : 1) * sizeof(int));
  if (!trees) return urun_error_code(ENOMEM, "mounts made on the host");
  for (size_t i = 0; i < s->mounts_len; i++) trees[i] = -1;
  uint32_t root_uid = 0, root_gid = 0;
  bool mapped_root = host_root_of(&s->linux_.uid_mappings, &root_uid) && host_root_of(&s->linux_.gid_mappings, &root_gid);
  bool any = false;
  urun_error *e = NULL;
  for (size_t i = 0; i < s->mounts_len && !e; i++) {
    const struct spec_mount *m = &s->mounts[i];
    struct mount_flags f;
    if ((e = mount_parse_options(m, i, &f))) break;
    free(f.data);
    if (!f.bind || (f.idmap && !idmap) || (!f.idmap && !mapped_root)) continue;
    _cleanup_free_ char *src = m->source[0] == '/' ? strdup(m->source) : path_join(bundle, m->source);
    if (!src) {
      e = urun_error_code(ENOMEM, "mounts made on the host");
      break;
    }
    if (f.idmap) {
      const struct spec_id_mappings *u, *g;
      mount_idmaps_of(s, m, &u, &g);
      e = idmapped_tree(src, f.ridmap || f.rbind, u, g, &trees[i]);
    } else if (!reachable_as(src, root_uid, root_gid)) {
      /* the container's root could not reach the source (a directory on
       * the way is closed to it): the caller's copy of the tree */
      trees[i] = (int)syscall(SYS_open_tree, AT_FDCWD, src,
                              OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (f.rbind ? AT_RECURSIVE : 0));
      /* EPERM: root of a user namespace without a mount namespace of its
       * own may not copy mounts; init's own bind then says what it meets */
      if (trees[i] < 0 && errno == EPERM) continue;
      if (trees[i] < 0) e = urun_error_errno("open_tree %s", src);
    } else {
      continue;
    }
    any = true;
    e = urun_error_wrap(e, "config.json: .mounts[%zu]", i);
  }
  if (e || !any) {
    mount_prepared_free(trees, s->mounts_len);
    return e;
  }
  *ret_trees = trees;
  return NULL;
}
