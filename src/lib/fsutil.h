/* fsutil.h: file helpers, and path resolution that never leaves a root. */
#ifndef URUN_FSUTIL_H
#define URUN_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* Read a whole file (relative to dirfd, AT_FDCWD allowed), NUL-terminated. */
urun_error *read_file_at(int dirfd, const char *path, char **ret, size_t *ret_len);
/* Write data to an existing or new file (O_WRONLY|O_TRUNC|O_CREAT, mode). */
urun_error *write_file_at(int dirfd, const char *path, const char *data, size_t len, mode_t mode);
/* Replace a file atomically: write a temporary beside it (flushed unless on
 * tmpfs), rename it over the name. */
urun_error *write_file_atomic_at(int dirfd, const char *name, const char *data, size_t len,
                                 mode_t mode);
/* Remove a directory tree below dirfd without following symlinks. */
urun_error *remove_tree_at(int dirfd, const char *name);

/* Open `path` resolved inside the directory `rootfd` as if it were "/":
 * symlinks and ".." can never lead outside (openat2 RESOLVE_IN_ROOT). */
int open_in_root(int rootfd, const char *path, int flags, mode_t mode);
/* Make every missing directory of `path` inside rootfd, resolving inside it,
 * and return an O_PATH fd of the final directory. */
urun_error *mkdir_in_root(int rootfd, const char *path, mode_t mode, int *ret_fd);
/* Make `path` inside rootfd as an empty file if missing (parents created),
 * return an O_PATH fd of it. */
urun_error *mkfile_in_root(int rootfd, const char *path, mode_t mode, int *ret_fd);

/* "/proc/self/fd/N" for an fd, into a caller buffer of at least 32 bytes. */
const char *fd_path(int fd, char buf[static 32]);
/* Close every fd from `from` on but those in keep[0..n) (sorted ascending). */
void close_fds_from_except(unsigned int from, const int *keep, size_t n);

/* Join "a" and "b" with exactly one slash; caller frees. */
char *path_join(const char *a, const char *b);
bool str_has_prefix(const char *s, const char *prefix);
/* The number after "KEY:" in /proc/self/status (Seccomp, NoNewPrivs...); -1 when absent. */
long proc_status_number(const char *key);

#endif
