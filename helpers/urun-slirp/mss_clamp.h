/* mss_clamp.h: MSS clamping of TCP SYNs in Ethernet frames. */
#ifndef URUN_SLIRP_MSS_CLAMP_H
#define URUN_SLIRP_MSS_CLAMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Is FRAME a TCP SYN (IPv4 or IPv6) announcing an MSS above MAX? */
bool mss_clamp_wanted(const uint8_t *frame, size_t len, uint16_t max);
/* Lower such a SYN's MSS to MAX in place, fixing the TCP checksum. */
bool mss_clamp(uint8_t *frame, size_t len, uint16_t max);

#endif
