/* frame.h: reading and writing the headers of Ethernet frames that carry
 * TCP over IPv4 or IPv6 (MSS clamping, closing libslirp's TIME_WAITs). */
#ifndef URUN_SLIRP_FRAME_H
#define URUN_SLIRP_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_ACK 0x10

static inline uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t get32(const uint8_t *p) { return (uint32_t)get16(p) << 16 | get16(p + 2); }
static inline void put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}
static inline void put32(uint8_t *p, uint32_t v) {
  put16(p, (uint16_t)(v >> 16));
  put16(p + 2, (uint16_t)v);
}

/* The TCP header of an Ethernet frame carrying IPv4 or IPv6 (no extension
 * headers, no fragment) that holds at least its fixed 20 bytes: its
 * offset, or 0 (the IP header starts at ETH_HLEN). */
size_t frame_tcp_at(const uint8_t *f, size_t len);
/* Bytes of TCP payload in such a frame (from the IP length; 0 if bad). */
size_t frame_tcp_payload(const uint8_t *f, size_t len, size_t tcp);
/* Set the checksum of the IPv4 header (if IPv4) and of the TCP segment at
 * TCP (up to LEN) in a frame built from scratch. */
void frame_fill_checksums(uint8_t *f, size_t len, size_t tcp);

#endif
