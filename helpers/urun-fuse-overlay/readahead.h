/* readahead.h: a wider readahead window for the mount, where allowed. */
#ifndef URUN_FUSE_OVL_READAHEAD_H
#define URUN_FUSE_OVL_READAHEAD_H

/* the window asked for; the kernel's default is 128 */
#define READAHEAD_KIB 512

/* Before the mount: MOUNTPOINT as /proc/self/mountinfo will show it (a
 * path the caller frees), or NULL. Not after: a stat of the mount point
 * would then wait on the helper itself. */
char *readahead_prepare(const char *mountpoint);
/* After the mount, before the first request (INIT, whose answer may only
 * narrow it): widen its readahead window (best effort; root only). */
void readahead_widen(const char *canonical);

#endif
