/* tcp_reap.c: libslirp (4.7) keeps every TCP connection it closed first in
 * TIME_WAIT for ten seconds (2 MSL), with its host socket, its two socket
 * buffers and its place in the list that each round of the loop walks
 * twice.  A server on the host that closes first after its answer leaves
 * one such connection per request: at a few thousand connections a second
 * the helper walked thousands of dead entries per packet and faulted in
 * new buffers while the old ones waited, and connect plus one request and
 * answer from the container took half again as long as with a server that
 * closes last.
 *
 * TIME_WAIT guards against old segments of the connection arriving late
 * in a new one with the same addresses and ports, and resends the last
 * ACK when it is lost.  Between the container and libslirp there is one
 * tap device and no network: nothing arrives late, and the container's
 * own TCP keeps TIME_WAIT (or LAST_ACK) on its side.  So once libslirp's
 * end enters TIME_WAIT, the helper hands it a reset as if from the
 * container, with the next sequence number the container would send; by
 * RFC 793 (and libslirp's BSD code) a reset in TIME_WAIT closes the
 * connection at once.  Should the container still resend its FIN, libslirp
 * answers with a reset and the container's end closes too.
 *
 * Which connections: those where libslirp's FIN went out before the
 * container's came in (its end closed first, or both at once), once the
 * container has acknowledged libslirp's FIN and sent its own. */
#include "tcp_reap.h"

#include <net/ethernet.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "frame.h"

enum { SLIRP_FIN = 1, GUEST_FIN = 2 };

/* One connection between a FIN and the end, by the container's address and
 * port and the other end's (as the container sees them). */
struct conn {
  uint8_t used, fins, v6;
  uint16_t gport, rport;
  uint8_t gaddr[16], raddr[16];
  uint32_t slirp_fin_ack; /* the ACK number that acknowledges libslirp's FIN */
  uint32_t guest_next;    /* the container's sequence number after its FIN */
};

/* Direct-mapped: a collision forgets the older connection, which then
 * merely waits out its TIME_WAIT as before. */
#define SLOTS 4096
static struct conn table[SLOTS];

/* The connection key of frame F (TCP at T) in the container's view: FROM_GUEST
 * says which end sent it. */
static void key_of(const uint8_t *f, size_t t, bool from_guest, struct conn *k) {
  const uint8_t *ip = f + ETH_HLEN;
  memset(k, 0, sizeof(*k));
  k->v6 = ip[0] >> 4 == 6;
  size_t alen = k->v6 ? 16 : 4;
  const uint8_t *src = ip + (k->v6 ? 8 : 12), *dst = src + alen;
  memcpy(from_guest ? k->gaddr : k->raddr, src, alen);
  memcpy(from_guest ? k->raddr : k->gaddr, dst, alen);
  k->gport = get16(f + t + (from_guest ? 0 : 2));
  k->rport = get16(f + t + (from_guest ? 2 : 0));
}

static bool same(const struct conn *a, const struct conn *b) {
  return a->v6 == b->v6 && a->gport == b->gport && a->rport == b->rport && !memcmp(a->gaddr, b->gaddr, 16) &&
         !memcmp(a->raddr, b->raddr, 16);
}

static struct conn *slot(const struct conn *k) {
  uint32_t h = 2166136261u;
  const uint8_t *p = (const uint8_t *)k;
  for (size_t i = offsetof(struct conn, v6); i < offsetof(struct conn, slirp_fin_ack); i++) h = (h ^ p[i]) * 16777619u;
  return &table[h % SLOTS];
}

/* The entry of K, or NULL. */
static struct conn *find(const struct conn *k) {
  struct conn *c = slot(k);
  return c->used && same(c, k) ? c : NULL;
}

void tcp_reap_slirp(const uint8_t *f, size_t len) {
  size_t t = frame_tcp_at(f, len);
  if (!t) return;
  uint8_t flags = f[t + 13];
  if (!(flags & (TCP_FLAG_FIN | TCP_FLAG_SYN | TCP_FLAG_RST))) return;
  struct conn k;
  key_of(f, t, false, &k);
  struct conn *c = find(&k);
  if (flags & (TCP_FLAG_SYN | TCP_FLAG_RST)) {
    if (c) c->used = 0;
    return;
  }
  if (c && (c->fins & GUEST_FIN)) {
    /* the container closed first: libslirp ends in LAST_ACK, then CLOSED */
    if (!(c->fins & SLIRP_FIN)) c->used = 0;
    return;
  }
  c = slot(&k);
  *c = k;
  c->used = 1;
  c->fins = SLIRP_FIN;
  c->slirp_fin_ack = get32(f + t + 4) + (uint32_t)frame_tcp_payload(f, len, t) + 1;
}

/* An RST from the container's end of C, built on the headers of F. */
static size_t make_rst(const uint8_t *f, size_t t, const struct conn *c, uint8_t *rst) {
  size_t len = t + 20;
  memcpy(rst, f, ETH_HLEN);
  uint8_t *ip = rst + ETH_HLEN;
  memset(ip, 0, len - ETH_HLEN);
  if (c->v6) {
    ip[0] = 0x60;
    put16(ip + 4, 20);
    ip[6] = 6; /* TCP */
    ip[7] = 64;
    memcpy(ip + 8, f + ETH_HLEN + 8, 32);
  } else {
    ip[0] = 0x45;
    put16(ip + 2, 40);
    ip[6] = 0x40; /* DF */
    ip[8] = 64;
    ip[9] = 6;
    memcpy(ip + 12, f + ETH_HLEN + 12, 8);
  }
  uint8_t *tcp = rst + t;
  memcpy(tcp, f + t, 4); /* ports */
  put32(tcp + 4, c->guest_next);
  tcp[12] = 5 << 4;
  tcp[13] = TCP_FLAG_RST;
  frame_fill_checksums(rst, len, t);
  return len;
}

size_t tcp_reap_guest(const uint8_t *f, size_t len, uint8_t rst[TCP_REAP_RST_MAX]) {
  size_t t = frame_tcp_at(f, len);
  if (!t) return 0;
  /* only plain headers: an IPv4 header with options is never rebuilt */
  if (t != ETH_HLEN + 20 && t != ETH_HLEN + 40) return 0;
  uint8_t flags = f[t + 13];
  struct conn k;
  key_of(f, t, true, &k);
  struct conn *c = find(&k);
  if (flags & (TCP_FLAG_SYN | TCP_FLAG_RST)) {
    if (c) c->used = 0;
    return 0;
  }
  if (flags & TCP_FLAG_FIN) {
    if (!c) { /* first: libslirp's end will not wait; remember for its FIN */
      c = slot(&k);
      *c = k;
      c->used = 1;
    }
    c->fins |= GUEST_FIN;
    c->guest_next = get32(f + t + 4) + (uint32_t)frame_tcp_payload(f, len, t) + 1;
  }
  if (!c || c->fins != (SLIRP_FIN | GUEST_FIN) || !(flags & TCP_FLAG_ACK) || get32(f + t + 8) != c->slirp_fin_ack)
    return 0;
  size_t n = make_rst(f, t, c, rst);
  c->used = 0;
  return n;
}
