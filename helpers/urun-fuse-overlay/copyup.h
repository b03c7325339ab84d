/* copyup.h: bring a lower entry up into the upper layer before it changes.
 * Callers hold ovl.lock. */
#ifndef URUN_FUSE_OVL_COPYUP_H
#define URUN_FUSE_OVL_COPYUP_H

#include <stdbool.h>
#include <sys/stat.h>

#include "node.h"

/* N (and its parent directories) in the upper layer, with mode, owner,
 * times, xattrs, and the data (unless !DATA: about to be truncated) with
 * its holes. -errno (-EROFS without an upper layer). */
int copyup(struct node *n, bool data);
/* The same, the copy made with MODE's permission bits at once (a chmod of a
 * lower file: no second step); (mode_t)-1 keeps the lower file's. */
int copyup_mode(struct node *n, bool data, mode_t mode);

/* A fresh name in the work directory, for building an entry there. */
void work_name(char *buf, size_t size);
/* Copy the xattrs of (SDIR, SNAME) to (DDIR, DNAME), skipping the overlay's
 * own and what the upper filesystem refuses. NAME NULL: the fd itself. */
void copy_xattrs(int sdir, const char *sname, int ddir, const char *dname);

#endif
