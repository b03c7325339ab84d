/* loop.h: serve the FUSE session until it ends. */
#ifndef URUN_FUSE_OVL_LOOP_H
#define URUN_FUSE_OVL_LOOP_H

#include <fuse_lowlevel.h>
#include <stdbool.h>

/* Read and serve requests until the mount goes or the session is told to
 * exit; THREADED: long requests on worker threads. 0 or -errno. */
int loop_run(struct fuse_session *se, bool threaded);

#endif
