/* fsutil.c: file helpers and in-root path resolution. */
#define _GNU_SOURCE
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"

urun_error *read_file_at(int dirfd, const char *path, char **ret, size_t *ret_len) {
  _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return urun_error_errno("open %s", path);
  size_t cap = 4096, len = 0;
  _cleanup_free_ char *buf = malloc(cap + 1);
  if (!buf) return urun_error_code(ENOMEM, "read %s", path);
  for (;;) {
    if (len == cap) {
      cap *= 2;
      char *n = realloc(buf, cap + 1);
      if (!n) return urun_error_code(ENOMEM, "read %s", path);
      buf = n;
    }
    ssize_t r = read(fd, buf + len, cap - len);
    if (r < 0) {
      if (errno == EINTR) continue;
      return urun_error_errno("read %s", path);
    }
    if (r == 0) break;
    len += (size_t)r;
  }
  buf[len] = '\0';
  if (ret_len) *ret_len = len;
  *ret = steal_ptr(buf);
  return NULL;
}

static urun_error *write_all(int fd, const char *data, size_t len, const char *what) {
  while (len > 0) {
    ssize_t w = write(fd, data, len);
    if (w < 0) {
      if (errno == EINTR) continue;
      return urun_error_errno("write %s", what);
    }
    data += w;
    len -= (size_t)w;
  }
  return NULL;
}

urun_error *write_file_at(int dirfd, const char *path, const char *data, size_t len, mode_t mode) {
  _cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return urun_error_errno("open %s", path);
  TRY(write_all(fd, data, len, path));
  if (close(steal_fd(&fd)) < 0) return urun_error_errno("close %s", path);
  return NULL;
}

/* tmpfs (the usual state root, /run) loses everything in a crash anyway:
 * no flush there; on a disk the data reaches it before the rename does. */
static bool needs_sync(int fd) {
  struct statfs sf;
  return fstatfs(fd, &sf) < 0 || (sf.f_type != TMPFS_MAGIC && sf.f_type != RAMFS_MAGIC);
}

urun_error *write_file_atomic_at(int dirfd, const char *name, const char *data, size_t len,
                                 mode_t mode) {
  _cleanup_free_ char *tmp = NULL;
  if (asprintf(&tmp, ".%s.tmp", name) < 0) return urun_error_code(ENOMEM, "write %s", name);
  _cleanup_close_ int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return urun_error_errno("open %s", tmp);
  urun_error *e = write_all(fd, data, len, tmp);
  if (!e && needs_sync(fd) && fdatasync(fd) < 0) e = urun_error_errno("sync %s", tmp);
  if (!e && close(steal_fd(&fd)) < 0) e = urun_error_errno("close %s", tmp);
  /* the reader sees the old file or the whole new one, never a part */
  if (!e && renameat(dirfd, tmp, dirfd, name) < 0) e = urun_error_errno("rename %s", name);
  if (e) unlinkat(dirfd, tmp, 0);
  return e;
}

urun_error *remove_tree_at(int dirfd, const char *name) {
  if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT) return NULL;
  if (errno != EISDIR && errno != EPERM) return urun_error_errno("remove %s", name);
  int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? NULL : urun_error_errno("open %s", name);
  _cleanup_closedir_ DIR *d = fdopendir(fd);
  if (!d) {
    close(fd);
    return urun_error_errno("open %s", name);
  }
  struct dirent *de;
  while ((de = readdir(d))) {
    if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
    TRY(remove_tree_at(fd, de->d_name));
  }
  if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return urun_error_errno("remove %s", name);
  return NULL;
}

#define WALK_MAX_DEPTH 256
#define WALK_MAX_LINKS 40

/* open_in_root without openat2 (kernels before 5.6, valgrind): one
 * component at a time with O_NOFOLLOW; a symlink is read and its target
 * walked from rootfd (absolute) or from where it stands (relative); ".."
 * never climbs above rootfd. */
static int walk_in_root(int rootfd, const char *path, int flags, mode_t mode) {
  int stack[WALK_MAX_DEPTH];
  int depth = 0, links = 0, result = -1, err = 0;
  stack[0] = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (stack[0] < 0) return -1;
  char *todo = strdup(path);
  if (!todo) {
    close(stack[0]);
    errno = ENOMEM;
    return -1;
  }
  char *rest = todo;
  for (;;) {
    while (*rest == '/') rest++;
    if (!*rest) { /* the path named a directory we are at */
      result = openat(stack[depth], ".", (flags & ~(O_CREAT | O_EXCL)) | O_CLOEXEC, mode);
      err = errno;
      break;
    }
    char *slash = strchr(rest, '/');
    size_t n = slash ? (size_t)(slash - rest) : strlen(rest);
    char name[NAME_MAX + 1];
    if (n > NAME_MAX) {
      err = ENAMETOOLONG;
      break;
    }
    memcpy(name, rest, n);
    name[n] = '\0';
    rest += n;
    bool last = strspn(rest, "/") == strlen(rest);
    if (!strcmp(name, ".")) continue;
    if (!strcmp(name, "..")) {
      if (depth > 0) close(stack[depth--]);
      continue;
    }
    int fd = openat(stack[depth], name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISLNK(st.st_mode)) {
      char target[PATH_MAX];
      ssize_t l = readlinkat(fd, "", target, sizeof(target) - 1);
      close(fd);
      if (l < 0 || ++links > WALK_MAX_LINKS) {
        err = l < 0 ? errno : ELOOP;
        break;
      }
      target[l] = '\0';
      char *next = NULL;
      if (asprintf(&next, "%s/%s", target, rest) < 0) {
        err = ENOMEM;
        break;
      }
      free(todo);
      todo = rest = next;
      if (target[0] == '/')
        while (depth > 0) close(stack[depth--]);
      continue;
    }
    if (last) {
      if (fd >= 0) close(fd);
      else if (errno != ENOENT || !(flags & O_CREAT)) {
        err = errno;
        break;
      }
      result = openat(stack[depth], name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
      err = errno;
      break;
    }
    if (fd < 0) {
      err = errno;
      break;
    }
    if (!S_ISDIR(st.st_mode) || depth + 1 >= WALK_MAX_DEPTH) {
      close(fd);
      err = S_ISDIR(st.st_mode) ? ENAMETOOLONG : ENOTDIR;
      break;
    }
    stack[++depth] = fd;
  }
  while (depth >= 0) close(stack[depth--]);
  free(todo);
  errno = err;
  return result;
}

int open_in_root(int rootfd, const char *path, int flags, mode_t mode) {
  static bool no_openat2;
  if (no_openat2) return walk_in_root(rootfd, path, flags, mode);
  struct open_how how = {
      .flags = (uint64_t)flags | O_CLOEXEC,
      .mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
      .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };
  const char *rel = path;
  while (*rel == '/') rel++;
  if (!*rel) rel = ".";
  int fd;
  do fd = (int)syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
  while (fd < 0 && errno == EAGAIN);
  if (fd < 0 && errno == ENOSYS) {
    no_openat2 = true;
    return walk_in_root(rootfd, path, flags, mode);
  }
  return fd;
}

/* Walk `path` component by component inside rootfd, creating what is missing;
 * a created component is opened again through the in-root resolver, so a
 * symlink raced in place of it still cannot lead outside. */
/* What follows component `part` (a pointer into `copy`, a strtok'd copy of
 * `path`) in the original path. */
static const char *next_part_rest(const char *path, const char *part, const char *copy) {
  const char *after = path + (part - copy) + strlen(part);
  while (*after == '/') after++;
  return after;
}

static urun_error *walk_create(int rootfd, const char *path, mode_t mode, bool last_is_file,
                               mode_t file_mode, int *ret_fd, int *links);

/* Component `part` (in dirfd `cur`) is a symlink to a path missing in the
 * rootfs: walk again with the link replaced by its target, so what is
 * missing is made where the link points (still resolved inside the root). */
static urun_error *follow_dangling(int rootfd, const char *path, const char *copy, const char *part, int cur,
                                   mode_t mode, bool last_is_file, mode_t file_mode, int *ret_fd, int *links) {
  char target[PATH_MAX];
  ssize_t l = readlinkat(cur, part, target, sizeof(target) - 1);
  if (l < 0) return urun_error_errno("create %s: read symlink %s", path, part);
  target[l] = '\0';
  _cleanup_free_ char *next = NULL;
  const char *rest = next_part_rest(path, part, copy);
  /* the directory holding the link, for a relative target */
  int dirlen = target[0] == '/' ? 0 : (int)(part - copy);
  if (asprintf(&next, "%.*s%s%s%s", dirlen, path, target, *rest ? "/" : "", rest) < 0)
    return urun_error_code(ENOMEM, "create %s", path);
  if (++(*links) > 40) return urun_error_code(ELOOP, "create %s", path);
  return walk_create(rootfd, next, mode, last_is_file, file_mode, ret_fd, links);
}

static urun_error *walk_create(int rootfd, const char *path, mode_t mode, bool last_is_file,
                               mode_t file_mode, int *ret_fd, int *links) {
  _cleanup_free_ char *copy = strdup(path);
  if (!copy) return urun_error_code(ENOMEM, "create %s", path);
  _cleanup_close_ int cur = open_in_root(rootfd, "/", O_PATH | O_DIRECTORY, 0);
  if (cur < 0) return urun_error_errno("open root for %s", path);
  char *save = NULL;
  char *part = strtok_r(copy, "/", &save);
  while (part) {
    char *next = strtok_r(NULL, "/", &save);
    bool last = next == NULL;
    int fd;
    if (!strcmp(part, ".")) {
      part = next;
      continue;
    }
    if (!strcmp(part, "..")) {
      /* openat(cur, "..") would climb out of the root: the path so far,
       * resolved inside it, where ".." stops at the root */
      _cleanup_free_ char *prefix = strndup(path, (size_t)(part - copy) + strlen(part));
      if (!prefix) return urun_error_code(ENOMEM, "create %s", path);
      fd = open_in_root(rootfd, prefix, O_PATH | O_DIRECTORY, 0);
    } else if (last && last_is_file) {
      fd = openat(cur, part, O_PATH | O_NOFOLLOW | O_CLOEXEC);
      if (fd >= 0) {
        /* An existing symlink as the last component: resolve inside root. */
        struct stat st;
        if (fstat(fd, &st) == 0 && S_ISLNK(st.st_mode)) {
          close(fd);
          fd = open_in_root(rootfd, path, O_PATH, 0);
          if (fd < 0 && errno == ENOENT) /* dangling: the file goes where it points */
            return follow_dangling(rootfd, path, copy, part, cur, mode, last_is_file, file_mode, ret_fd, links);
        }
      } else if (errno == ENOENT) {
        int c = openat(cur, part, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, file_mode);
        if (c < 0 && errno != EEXIST) return urun_error_errno("create %s", path);
        if (c >= 0) close(c);
        fd = open_in_root(rootfd, path, O_PATH, 0);
      }
    } else {
      /* Resolve the prefix so far inside root (follows in-root symlinks).
       * ".." goes through the resolver too: openat would climb above the
       * root (a link's target "../../x" seen from /etc). */
      bool dots = !strcmp(part, "..");
      fd = dots ? -1 : openat(cur, part, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (dots || (fd < 0 && (errno == ENOTDIR || errno == ELOOP))) {
        /* A symlink (or a file): resolve the whole prefix inside root. */
        size_t n = (size_t)(part - copy) + strlen(part);
        _cleanup_free_ char *prefix = strndup(path, n);
        if (!prefix) return urun_error_code(ENOMEM, "create %s", path);
        fd = open_in_root(rootfd, prefix, O_PATH | O_DIRECTORY, 0);
        if (fd < 0 && errno == ENOENT)
          return follow_dangling(rootfd, path, copy, part, cur, mode, last_is_file, file_mode, ret_fd, links);
      } else if (fd < 0 && errno == ENOENT) {
        if (mkdirat(cur, part, mode) < 0 && errno != EEXIST)
          return urun_error_errno("create directory %s", path);
        fd = openat(cur, part, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      }
    }
    if (fd < 0) return urun_error_errno("open %s", path);
    close(cur);
    cur = fd;
    part = next;
  }
  *ret_fd = steal_fd(&cur);
  return NULL;
}

urun_error *mkdir_in_root(int rootfd, const char *path, mode_t mode, int *ret_fd) {
  int links = 0;
  return walk_create(rootfd, path, mode, false, 0, ret_fd, &links);
}

urun_error *mkfile_in_root(int rootfd, const char *path, mode_t mode, int *ret_fd) {
  int links = 0;
  return walk_create(rootfd, path, 0755, true, mode, ret_fd, &links);
}

void close_fds_from_except(unsigned int from, const int *keep, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (keep[i] < (int)from) continue;
    if ((unsigned)keep[i] > from) syscall(SYS_close_range, from, (unsigned)keep[i] - 1, 0);
    from = (unsigned)keep[i] + 1;
  }
  syscall(SYS_close_range, from, ~0U, 0);
}

const char *fd_path(int fd, char buf[static 32]) {
  snprintf(buf, 32, "/proc/self/fd/%d", fd);
  return buf;
}

char *path_join(const char *a, const char *b) {
  char *s = NULL;
  size_t la = strlen(a);
  while (la > 1 && a[la - 1] == '/') la--;
  while (*b == '/') b++;
  if (asprintf(&s, "%.*s/%s", (int)la, a, b) < 0) return NULL;
  return s;
}

bool str_has_prefix(const char *s, const char *prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

long proc_status_number(const char *key) {
  _cleanup_free_ char *status = NULL;
  urun_error *e = read_file_at(AT_FDCWD, "/proc/self/status", &status, NULL);
  if (e) {
    urun_error_free(e);
    return -1;
  }
  size_t n = strlen(key);
  for (const char *line = status; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
    if (!strncmp(line, key, n) && line[n] == ':') return strtol(line + n + 1, NULL, 10);
  return -1;
}
