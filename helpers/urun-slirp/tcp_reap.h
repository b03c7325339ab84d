/* tcp_reap.h: libslirp's TCP connections closed at once instead of after
 * ten seconds in TIME_WAIT. */
#ifndef URUN_SLIRP_TCP_REAP_H
#define URUN_SLIRP_TCP_REAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest frame tcp_reap_collect() builds. */
#define TCP_REAP_RST_MAX (14 + 40 + 20)

/* A frame from the container, before libslirp takes it. */
void tcp_reap_guest(const uint8_t *f, size_t len);
/* libslirp has taken that frame. */
void tcp_reap_guest_done(void);
/* libslirp made host socket FD for the frame it is taking (a SYN). */
void tcp_reap_fd_opened(int fd);
/* libslirp is closing FD, or the number went to another use. */
void tcp_reap_fd_closed(int fd);
/* A frame libslirp sends to the container: its FINs and resets. */
void tcp_reap_slirp(const uint8_t *f, size_t len);
/* After libslirp said which sockets it polls: each connection whose end
 * libslirp holds in TIME_WAIT (it closed first, and both FINs are
 * acknowledged) and whose host socket it no longer wants to write to
 * (WANTS_OUT false: no data of the container's left for the host) gets an
 * RST as if from the container, handed to INPUT. */
void tcp_reap_collect(bool (*wants_out)(int fd), void (*input)(const uint8_t *frame, size_t len));

#endif
