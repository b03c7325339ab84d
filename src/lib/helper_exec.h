/* helper_exec.h: where urun finds its helper programs (urun-slirp,
 * urun-fuse-overlay). */
#ifndef URUN_HELPER_EXEC_H
#define URUN_HELPER_EXEC_H

/* NAME beside urun's own binary (a build tree, /usr/bin), else in
 * URUN_LIBEXECDIR/urun, else the bare name (found on $PATH). Caller frees;
 * NULL without memory. */
char *helper_exec_path(const char *name);

#endif
