/* whiteout.h: the kernel overlayfs's on-disk markers: whiteouts (0/0
 * character devices, or fuse-overlayfs's ".wh.NAME" files) and opaque
 * directories (overlay xattrs, or a ".wh..wh..opq" file). */
#ifndef URUN_FUSE_OVL_WHITEOUT_H
#define URUN_FUSE_OVL_WHITEOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"

static inline bool is_whiteout(const struct stat *st) { return S_ISCHR(st->st_mode) && st->st_rdev == 0; }
/* Names the layers use for markers: never shown, never created. */
bool is_marker_name(const char *name);
/* A ".wh.NAME" file beside NAME in directory DIRFD. */
bool has_wh_file(int dirfd, const char *name);
/* The directory (fd) is opaque: nothing of lower layers shows through. */
bool dir_is_opaque(int dirfd);
/* Mark a directory opaque the way the kernel overlay reads it here. */
int set_opaque(int dirfd);
/* Leave a whiteout for NAME in DIRFD: a 0/0 device (0), else a ".wh.NAME"
 * file (1); -1 with errno. */
int make_whiteout(int dirfd, const char *name);
/* Remove a whiteout of NAME from DIRFD; 1 when there was one. */
int remove_whiteout(int dirfd, const char *name);
/* The overlay's own xattrs (trusted.overlay.*, or user.overlay.* when
 * unprivileged), never shown nor copied up. */
bool is_private_xattr(const char *name);
/* As the kernel overlay (6.7 on) lets an overlay's xattrs be set through
 * another overlay: "user.overlay.X" set through the mount is stored as
 * "user.overlay.overlay.X" (trusted.* likewise). NULL if too long. */
const char *xattr_escape(const char *name, char *buf, size_t size);
bool is_escaped_xattr(const char *name);
/* fuse-overlayfs's markers (user.fuseoverlayfs.*): read, hidden as it
 * hides them, never copied up. */
bool is_foreign_marker(const char *name);
/* "user.overlay.overlay.X" -> "user.overlay.X", in place. */
void xattr_unescape(char *name);

/* fgetxattr/fsetxattr that also work on O_PATH fds and symlinks: DIRFD
 * and NAME (NULL: the fd itself). */
ssize_t at_getxattr(int dirfd, const char *name, const char *key, void *buf, size_t size);
int at_setxattr(int dirfd, const char *name, const char *key, const void *buf, size_t size, int flags);
ssize_t at_listxattr(int dirfd, const char *name, char *buf, size_t size);
int at_removexattr(int dirfd, const char *name, const char *key);

#endif
