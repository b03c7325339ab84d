/* test-tcp-reap.c: urun-slirp hands libslirp a reset exactly when its end of
 * a connection enters TIME_WAIT (it closed first, or both at once), with
 * the container's next sequence number and valid checksums. */
#include <arpa/inet.h>
#include <stdint.h>

#include "../../helpers/urun-slirp/tcp_reap.h"
#include "unit.h"

static uint32_t add_bytes(uint32_t sum, const uint8_t *p, size_t n) {
  for (size_t i = 0; i + 1 < n; i += 2) sum += (uint32_t)(p[i] << 8 | p[i + 1]);
  if (n & 1) sum += (uint32_t)p[n - 1] << 8;
  return sum;
}

static uint16_t fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

/* 0 when the TCP checksum (and the IPv4 header's) of frame F is valid. */
static uint16_t sums(const uint8_t *f, size_t len, bool v6) {
  const uint8_t *ip = f + 14;
  size_t hl = v6 ? 40 : 20, tl = len - 14 - hl;
  uint32_t sum = v6 ? add_bytes(0, ip + 8, 32) : add_bytes(0, ip + 12, 8);
  sum += IPPROTO_TCP + (uint32_t)tl;
  uint16_t tcp = fold(add_bytes(sum, ip + hl, tl));
  return v6 ? tcp : (uint16_t)(tcp | fold(add_bytes(0, ip, 20)));
}

static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }

/* A segment of the connection 10.0.2.100:40000 <-> 10.0.2.2:80 (or fd00::
 * addresses), FROM_GUEST or from libslirp, with DATA payload bytes. */
static size_t seg(uint8_t *f, bool v6, bool from_guest, uint8_t flags, uint32_t seq, uint32_t ack, size_t data) {
  memset(f, 0, 256);
  f[12] = v6 ? 0x86 : 0x08;
  f[13] = v6 ? 0xdd : 0x00;
  uint8_t *ip = f + 14;
  size_t hl = v6 ? 40 : 20, tl = 20 + data;
  uint8_t guest[16] = {0xfd, 0}, remote[16] = {0xfd, 0};
  guest[15] = 100;
  remote[15] = 2;
  if (v6) {
    ip[0] = 0x60;
    ip[5] = (uint8_t)tl;
    ip[6] = IPPROTO_TCP;
    memcpy(ip + 8, from_guest ? guest : remote, 16);
    memcpy(ip + 24, from_guest ? remote : guest, 16);
  } else {
    ip[0] = 0x45;
    ip[3] = (uint8_t)(hl + tl);
    ip[9] = IPPROTO_TCP;
    memcpy(ip + 12, from_guest ? "\x0a\x00\x02\x64\x0a\x00\x02\x02" : "\x0a\x00\x02\x02\x0a\x00\x02\x64", 8);
  }
  uint8_t *t = ip + hl;
  memcpy(t, from_guest ? "\x9c\x40\x00\x50" : "\x00\x50\x9c\x40", 4);
  put32(t + 4, seq);
  put32(t + 8, ack);
  t[12] = 5 << 4;
  t[13] = flags;
  return 14 + hl + tl;
}

enum { FIN = 1, SYN = 2, RST = 4, ACK = 0x10 };

/* what tcp_reap_collect() hands libslirp, and which host sockets libslirp
 * still wants to write to */
static uint8_t got[TCP_REAP_RST_MAX];
static size_t ngot, inputs;
static int busy_fd = -1;
static bool wants_out(int fd) { return fd == busy_fd; }
static void input(const uint8_t *f, size_t len) {
  memcpy(got, f, len < sizeof(got) ? len : sizeof(got));
  ngot = len;
  inputs++;
}

/* The container's frame F, taken by libslirp (which opens FD for a SYN). */
static void guest(const uint8_t *f, size_t len, int fd) {
  tcp_reap_guest(f, len);
  if (fd >= 0) tcp_reap_fd_opened(fd);
  tcp_reap_guest_done();
}

/* One round of the loop: the RSTs it hands libslirp (0 or 1 here). */
static size_t collect(void) {
  size_t before = inputs;
  ngot = 0;
  tcp_reap_collect(wants_out, input);
  return inputs - before;
}

static void test_reap(void) {
  uint8_t f[256];
  for (int v6 = 0; v6 <= 1; v6++) {
    size_t tcp = 14 + (v6 ? 40 : 20);
    /* libslirp closes first (after 5 bytes of answer), the container
     * acks its FIN with its own: libslirp is in TIME_WAIT */
    guest(f, seg(f, v6, true, SYN, 499, 0, 0), 7);
    tcp_reap_slirp(f, seg(f, v6, false, FIN | ACK, 1000, 500, 5));
    guest(f, seg(f, v6, true, ACK, 500, 1005, 0), -1); /* data acked, not the FIN */
    CHECK(collect() == 0);
    guest(f, seg(f, v6, true, FIN | ACK, 500, 1006, 0), -1);
    CHECK(collect() == 1);
    CHECK(ngot == tcp + 20);
    CHECK(sums(got, ngot, v6) == 0);
    CHECK(got[tcp + 13] == RST);
    CHECK(get32(got + tcp + 4) == 501);
    CHECK(!memcmp(got + tcp, f + tcp, 4));                                 /* the container's ports */
    CHECK(!memcmp(got + 14 + (v6 ? 8 : 12), f + 14 + (v6 ? 8 : 12), v6 ? 32 : 8)); /* and addresses */
    CHECK(!memcmp(got, f, 14));
    /* once: the container's resent FIN gets nothing more */
    guest(f, seg(f, v6, true, FIN | ACK, 500, 1006, 0), -1);
    CHECK(collect() == 0);

    /* both at once: the container's FIN does not ack libslirp's; its
     * next ACK does (libslirp: CLOSING, then TIME_WAIT) */
    guest(f, seg(f, v6, true, SYN, 699, 0, 0), 8);
    tcp_reap_slirp(f, seg(f, v6, false, FIN | ACK, 2000, 700, 0));
    guest(f, seg(f, v6, true, FIN | ACK, 700, 2000, 3), -1);
    CHECK(collect() == 0);
    guest(f, seg(f, v6, true, ACK, 704, 2001, 0), -1);
    CHECK(collect() == 1 && get32(got + tcp + 4) == 704);

    /* data of the container's still waits in libslirp for the host (it
     * polls the socket for writing): no reset until it is written */
    guest(f, seg(f, v6, true, SYN, 799, 0, 0), 9);
    tcp_reap_slirp(f, seg(f, v6, false, FIN | ACK, 2500, 800, 0));
    guest(f, seg(f, v6, true, FIN | ACK, 800, 2501, 100), -1);
    busy_fd = 9;
    CHECK(collect() == 0);
    CHECK(collect() == 0);
    busy_fd = -1;
    CHECK(collect() == 1 && get32(got + tcp + 4) == 800 + 100 + 1);

    /* the container closes first: libslirp passes LAST_ACK to CLOSED by
     * itself, no reset */
    guest(f, seg(f, v6, true, SYN, 899, 0, 0), 10);
    guest(f, seg(f, v6, true, FIN | ACK, 900, 3000, 0), -1);
    tcp_reap_slirp(f, seg(f, v6, false, FIN | ACK, 3000, 901, 0));
    guest(f, seg(f, v6, true, ACK, 901, 3001, 0), -1);
    CHECK(collect() == 0);

    /* a reset from either end, or libslirp closing the socket, forgets it */
    guest(f, seg(f, v6, true, SYN, 99, 0, 0), 11);
    tcp_reap_slirp(f, seg(f, v6, false, FIN | ACK, 4000, 100, 0));
    guest(f, seg(f, v6, true, RST, 100, 0, 0), -1);
    guest(f, seg(f, v6, true, FIN | ACK, 100, 4001, 0), -1);
    CHECK(collect() == 0);
    guest(f, seg(f, v6, true, SYN, 99, 0, 0), 12);
    tcp_reap_slirp(f, seg(f, v6, false, FIN | ACK, 5000, 100, 0));
    tcp_reap_slirp(f, seg(f, v6, false, RST | ACK, 5001, 100, 0));
    guest(f, seg(f, v6, true, FIN | ACK, 100, 5001, 0), -1);
    CHECK(collect() == 0);
    guest(f, seg(f, v6, true, SYN, 99, 0, 0), 13);
    tcp_reap_slirp(f, seg(f, v6, false, FIN | ACK, 6000, 100, 0));
    guest(f, seg(f, v6, true, FIN | ACK, 100, 6001, 0), -1);
    tcp_reap_fd_closed(13); /* its TIME_WAIT ran out first */
    CHECK(collect() == 0);

    /* a connection whose host socket was never seen is left alone */
    tcp_reap_slirp(f, seg(f, v6, false, FIN | ACK, 7000, 100, 0));
    guest(f, seg(f, v6, true, FIN | ACK, 100, 7001, 0), -1);
    CHECK(collect() == 0);
  }
  /* not TCP, or cut short: nothing */
  size_t len = seg(f, false, true, SYN, 1, 0, 0);
  guest(f, 30, 20);
  f[14 + 9] = IPPROTO_UDP;
  guest(f, len, 21);
  tcp_reap_slirp(f, seg(f, false, false, FIN | ACK, 1, 2, 0));
  guest(f, seg(f, false, true, FIN | ACK, 2, 2, 0), -1);
  CHECK(collect() == 0);
}

int main(void) {
  test_reap();
  return unit_finish();
}
