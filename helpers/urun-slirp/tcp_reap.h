/* tcp_reap.h: libslirp's TCP connections closed at once instead of after
 * ten seconds in TIME_WAIT. */
#ifndef URUN_SLIRP_TCP_REAP_H
#define URUN_SLIRP_TCP_REAP_H

#include <stddef.h>
#include <stdint.h>

/* The largest frame tcp_reap_guest() builds. */
#define TCP_REAP_RST_MAX (14 + 40 + 20)

/* A frame libslirp sends to the container: its FINs and resets are noted. */
void tcp_reap_slirp(const uint8_t *f, size_t len);
/* A frame from the container, after libslirp took it.  When it left
 * libslirp's end of the connection in TIME_WAIT (libslirp closed first and
 * both FINs are acknowledged), an RST as if from the container is built
 * in RST: its length, to give libslirp; else 0. */
size_t tcp_reap_guest(const uint8_t *f, size_t len, uint8_t rst[TCP_REAP_RST_MAX]);

#endif
