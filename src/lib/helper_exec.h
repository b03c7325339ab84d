/* helper_exec.h: urun's helper programs (urun-slirp, urun-fuse-overlay):
 * where they are, and how they start (from sealed copies). */
#ifndef URUN_HELPER_EXEC_H
#define URUN_HELPER_EXEC_H

#include "error.h"

/* NAME beside urun's own binary (a build tree, /usr/bin; also when urun
 * runs from its sealed copy), else in URUN_LIBEXECDIR/urun, else in $PATH.
 * Caller frees; NULL when it is nowhere. */
char *helper_exec_path(const char *name);

/* The helper NAME found as above, copied into a sealed close-on-exec memfd
 * (see selfexe.h) that a child then executes with execveat(AT_EMPTY_PATH):
 * a helper may run where a container sees it (urun-fuse-overlay in its pid
 * namespace), and its file must be out of the container's reach.
 * *ret_path (caller frees) names it in messages. */
urun_error *helper_exec_sealed(const char *name, char **ret_path, int *ret_fd);

#endif
