/* slirp_glue.h: libslirp driven from the epoll loop, the tap on one side. */
#ifndef URUN_SLIRP_GLUE_H
#define URUN_SLIRP_GLUE_H

#include <stddef.h>
#include <stdint.h>

#include "options.h"

/* A frame from the guest that the helper answers itself (true: consumed). */
typedef int (*frame_hook)(const uint8_t *frame, size_t len);

/* Create the slirp instance for TAPFD (non-blocking) and watch the tap. */
int sg_start(const struct options *o, int tapfd, frame_hook hook);
/* Before epoll_wait: hand slirp's sockets to epoll, lower *TIMEOUT (ms). */
void sg_before_wait(int *timeout);
/* After the batch: let slirp handle what its sockets reported. */
void sg_after_wait(void);
/* Send a frame to the guest (dropped when the tap is full). */
void sg_tap_write(const void *frame, size_t len);
void sg_stop(void);

#endif
