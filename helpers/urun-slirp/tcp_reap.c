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
 * end is in TIME_WAIT, the helper hands it a reset as if from the
 * container, with the next sequence number the container would send; a
 * reset in TIME_WAIT closes the connection at once (RFC 793; libslirp's
 * BSD code).  Should the container still resend its FIN, libslirp answers
 * with a reset and the container's end closes too.
 *
 * Which connections: those where libslirp's FIN went out before the
 * container's came in (its end closed first, or both at once), once the
 * container has acknowledged libslirp's FIN and sent its own, and only
 * while libslirp does not poll the host socket for writing: that is when
 * data of the container's still waits in libslirp for a host that reads
 * slowly, and a reset would lose it.  The host socket is known from the
 * moment libslirp makes it for the container's SYN; a connection whose
 * socket is not known is left to its TIME_WAIT. */
#include "tcp_reap.h"

#include <net/ethernet.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"

enum { SLIRP_FIN = 1, GUEST_FIN = 2 };

/* One connection through libslirp, by the container's address and port
 * and the other end's (as the container sees them). */
struct conn {
  uint8_t used, fins, pending, v6;
  uint16_t gport, rport;
  uint8_t gaddr[16], raddr[16];
  uint32_t slirp_fin_ack; /* the ACK number that acknowledges libslirp's FIN */
  uint32_t guest_next;    /* the container's sequence number after its FIN */
  int fd;                 /* libslirp's host socket */
  uint8_t eth[ETH_HLEN];  /* the container's Ethernet header, for the RST */
};

/* Direct-mapped: a collision forgets the older connection, which then
 * merely waits out its TIME_WAIT as before. */
#define SLOTS 4096
static struct conn table[SLOTS];
/* connections to reset once libslirp's socket has nothing left to write */
#define MAX_PENDING 256
static struct conn *pending[MAX_PENDING];
static size_t npending;
/* host socket -> slot + 1 (0: none) */
static uint16_t *by_fd;
static size_t nby_fd;
/* the container's SYN libslirp is taking, for tcp_reap_fd_opened() */
static struct conn syn;
static bool syn_valid;

/* The connection key of frame F (TCP at T) in the container's view:
 * FROM_GUEST says which end sent it. */
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

static void forget(struct conn *c) {
  if (c->fd >= 0 && (size_t)c->fd < nby_fd) by_fd[c->fd] = 0;
  c->used = 0;
  c->fd = -1;
}

void tcp_reap_guest(const uint8_t *f, size_t len) {
  syn_valid = false;
  size_t t = frame_tcp_at(f, len);
  /* only plain headers: an IPv4 header with options is never rebuilt */
  if (!t || (t != ETH_HLEN + 20 && t != ETH_HLEN + 40)) return;
  uint8_t flags = f[t + 13];
  struct conn k;
  key_of(f, t, true, &k);
  struct conn *c = find(&k);
  if (flags & TCP_FLAG_RST) {
    if (c) forget(c);
    return;
  }
  if (flags & TCP_FLAG_SYN) {
    if (!(flags & TCP_FLAG_ACK)) {
      syn = k;
      memcpy(syn.eth, f, ETH_HLEN);
      syn_valid = true;
    }
    return;
  }
  if (!c) return;
  if (flags & TCP_FLAG_FIN) {
    c->fins |= GUEST_FIN;
    c->guest_next = get32(f + t + 4) + (uint32_t)frame_tcp_payload(f, len, t) + 1;
  }
  if (c->fins == (SLIRP_FIN | GUEST_FIN) && !c->pending && (flags & TCP_FLAG_ACK) &&
      get32(f + t + 8) == c->slirp_fin_ack && npending < MAX_PENDING) {
    c->pending = 1;
    pending[npending++] = c;
  }
}

void tcp_reap_guest_done(void) { syn_valid = false; }

void tcp_reap_fd_opened(int fd) {
  if (!syn_valid || fd < 0) return;
  syn_valid = false;
  if ((size_t)fd >= nby_fd) {
    size_t n = nby_fd ? nby_fd : 256;
    while (n <= (size_t)fd) n *= 2;
    uint16_t *m = realloc(by_fd, n * sizeof(*m));
    if (!m) return; /* not known: left to its TIME_WAIT */
    memset(m + nby_fd, 0, (n - nby_fd) * sizeof(*m));
    by_fd = m;
    nby_fd = n;
  }
  struct conn *c = slot(&syn);
  if (c->used) forget(c);
  if (c->pending) c->pending = 0; /* its place in pending[] is checked */
  *c = syn;
  c->used = 1;
  c->fd = fd;
  by_fd[fd] = (uint16_t)(c - table + 1);
}

void tcp_reap_fd_closed(int fd) {
  if (fd < 0 || (size_t)fd >= nby_fd || !by_fd[fd]) return;
  struct conn *c = &table[by_fd[fd] - 1];
  by_fd[fd] = 0;
  if (c->used && c->fd == fd) c->used = 0;
  c->fd = -1;
}

void tcp_reap_slirp(const uint8_t *f, size_t len) {
  size_t t = frame_tcp_at(f, len);
  if (!t) return;
  uint8_t flags = f[t + 13];
  if (!(flags & (TCP_FLAG_FIN | TCP_FLAG_RST)) || (flags & TCP_FLAG_SYN)) return;
  struct conn k;
  key_of(f, t, false, &k);
  struct conn *c = find(&k);
  if (!c) return;
  if (flags & TCP_FLAG_RST) {
    forget(c);
    return;
  }
  /* the container closed first: libslirp ends in LAST_ACK, then CLOSED */
  if (c->fins & GUEST_FIN) return;
  c->fins = SLIRP_FIN;
  c->slirp_fin_ack = get32(f + t + 4) + (uint32_t)frame_tcp_payload(f, len, t) + 1;
}

/* An RST from the container's end of C. */
static size_t make_rst(const struct conn *c, uint8_t *rst) {
  size_t t = ETH_HLEN + (c->v6 ? 40 : 20), len = t + 20;
  memset(rst, 0, len);
  memcpy(rst, c->eth, ETH_HLEN);
  uint8_t *ip = rst + ETH_HLEN;
  if (c->v6) {
    ip[0] = 0x60;
    put16(ip + 4, 20);
    ip[6] = 6; /* TCP */
    ip[7] = 64;
    memcpy(ip + 8, c->gaddr, 16);
    memcpy(ip + 24, c->raddr, 16);
  } else {
    ip[0] = 0x45;
    put16(ip + 2, 40);
    ip[6] = 0x40; /* DF */
    ip[8] = 64;
    ip[9] = 6;
    memcpy(ip + 12, c->gaddr, 4);
    memcpy(ip + 16, c->raddr, 4);
  }
  uint8_t *tcp = rst + t;
  put16(tcp, c->gport);
  put16(tcp + 2, c->rport);
  put32(tcp + 4, c->guest_next);
  tcp[12] = 5 << 4;
  tcp[13] = TCP_FLAG_RST;
  frame_fill_checksums(rst, len, t);
  return len;
}

void tcp_reap_collect(bool (*wants_out)(int fd), void (*input)(const uint8_t *frame, size_t len)) {
  size_t keep = 0;
  for (size_t i = 0; i < npending; i++) {
    struct conn *c = pending[i];
    /* forgotten or taken by another connection since */
    if (!c->pending || !c->used || c->fd < 0 || c->fins != (SLIRP_FIN | GUEST_FIN)) {
      c->pending = 0;
      continue;
    }
    if (wants_out(c->fd)) { /* data for the host still waits: later */
      pending[keep++] = c;
      continue;
    }
    uint8_t rst[TCP_REAP_RST_MAX];
    size_t n = make_rst(c, rst);
    c->pending = 0;
    forget(c);
    input(rst, n);
  }
  npending = keep;
}
