/* sockreq.c: both ends of the socket request channel. */
#include "sockreq.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loop.h"

struct req_msg {
  uint32_t id;
  int32_t type;   /* SOCK_STREAM or SOCK_DGRAM */
  uint32_t spare; /* this many TCP sockets for the pool (1..SPARE_BATCH): neither bound nor connected */
  struct addr src; /* len 0: let the kernel choose */
  struct addr dst;
};

struct rep_msg {
  uint32_t id;
  int32_t err; /* 0 and an fd attached, or a positive errno */
};

struct spares;

struct pending {
  uint32_t id;
  sockreq_cb cb;
  void *ctx;
  struct spares *spares; /* a batch of spares for this pool, not CB */
};

/* Spare TCP sockets made ahead of need, so that a forwarded connection does
 * not wait for a round trip to the child: per family, plain or transparent
 * (ready to be bound to a client's address).  Asked for in batches, one
 * message each way: a child's wakeup per connection cost as much CPU as
 * the rest of the connection's setup. */
#define SPARES 32
#define SPARE_BATCH 16
struct spares {
  int fd[SPARES];
  int n, asked;
  bool refused; /* the child could not make this kind: no more asking */
};
static struct spares spare_pool[2][2];

static int chan = -1;
static struct handler chan_handler;
static struct pending *pend;
static size_t npend, cappend;
static uint32_t next_id = 1;

/* A message and the fds that came with it (at most SPARE_BATCH, *NFDS). */
static int recv_with_fds(int sock, void *buf, size_t len, int *fds, int *nfds) {
  char control[CMSG_SPACE(SPARE_BATCH * sizeof(int))];
  struct iovec iov = {.iov_base = buf, .iov_len = len};
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof(control)};
  *nfds = 0;
  ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
  if (n < 0) return -errno;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < k; i++) {
      int fd;
      memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      if (*nfds < SPARE_BATCH) fds[(*nfds)++] = fd;
      else close(fd);
    }
  }
  return (int)n;
}

static void close_all(const int *fds, int n) {
  for (int i = 0; i < n; i++) close(fds[i]);
}

static void spares_got(struct spares *p, int asked, const int *fds, int nfds, int err);

static void chan_event(struct handler *h, uint32_t ev) {
  for (;;) {
    struct rep_msg rep;
    int fds[SPARE_BATCH], nfds;
    int n = recv_with_fds(chan, &rep, sizeof(rep), fds, &nfds);
    if (n == -EAGAIN || n == -EINTR) return;
    if (n <= 0) {
      errmsg("the namespace side ended");
      loop_quit(1);
      loop_del(chan);
      return;
    }
    size_t i;
    for (i = 0; i < npend && pend[i].id != rep.id; i++) {
    }
    if (i == npend || n != sizeof(rep)) {
      close_all(fds, nfds);
      continue;
    }
    struct pending p = pend[i];
    pend[i] = pend[--npend];
    if (p.spares) {
      spares_got(p.spares, (int)(intptr_t)p.ctx, fds, nfds, -rep.err);
      continue;
    }
    if (!p.cb || nfds > 1) {
      close_all(fds, nfds);
      if (p.cb) p.cb(p.ctx, -1, -EPROTO);
      continue;
    }
    if (rep.err == 0 && nfds == 0) rep.err = EPROTO;
    p.cb(p.ctx, rep.err ? -1 : fds[0], -rep.err);
  }
}

int sockreq_init(int sock) {
  chan = sock;
  chan_handler.fn = chan_event;
  return loop_add(chan, EPOLLIN, &chan_handler);
}

static bool pend_room(void) {
  if (npend < cappend) return true;
  size_t cap = cappend ? cappend * 2 : 64;
  struct pending *n = realloc(pend, cap * sizeof(*n));
  if (!n) return false;
  pend = n;
  cappend = cap;
  return true;
}

/* Send request M (its id set here); CB gets the answer, or SPARES (with
 * CTX the count asked). 0 or -errno. */
static int request(struct req_msg *m, sockreq_cb cb, void *ctx, struct spares *spares) {
  if (!pend_room()) return -ENOMEM;
  m->id = next_id;
  if (send(chan, m, sizeof(*m), MSG_DONTWAIT) < 0) return -errno;
  next_id++;
  pend[npend++] = (struct pending){.id = m->id, .cb = cb, .ctx = ctx, .spares = spares};
  return 0;
}

int sockreq_send(int type, const struct addr *src, const struct addr *dst, sockreq_cb cb, void *ctx) {
  struct req_msg m = {.type = type, .dst = *dst};
  if (src) m.src = *src;
  return request(&m, cb, ctx, NULL);
}

static struct spares *spares_of(int family, bool transparent) {
  return &spare_pool[family == AF_INET6][transparent];
}

static void spares_got(struct spares *p, int asked, const int *fds, int nfds, int err) {
  p->asked -= asked;
  /* EPERM: no transparency there; anything else, the next take asks again */
  if (err == -EPERM) p->refused = true;
  for (int i = 0; i < nfds; i++) {
    if (p->n < SPARES) p->fd[p->n++] = fds[i];
    else close(fds[i]);
  }
}

void sockreq_spares(int family, bool transparent) {
  struct spares *p = spares_of(family, transparent);
  /* a batch once half the pool is gone */
  if (p->refused || p->n + p->asked > SPARES - SPARE_BATCH) return;
  struct req_msg m = {.type = SOCK_STREAM, .spare = SPARE_BATCH};
  m.dst.ss.ss_family = (sa_family_t)family;
  m.dst.len = family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
  if (transparent) m.src = m.dst;
  if (request(&m, NULL, (void *)(intptr_t)SPARE_BATCH, p) == 0) p->asked += SPARE_BATCH;
  /* else the next take asks again */
}

int sockreq_take(int family, bool transparent) {
  struct spares *p = spares_of(family, transparent);
  int fd = p->n ? p->fd[--p->n] : -1;
  sockreq_spares(family, transparent);
  return fd;
}

void sockreq_cancel(void *ctx) {
  for (size_t i = 0; i < npend; i++)
    if (!pend[i].spares && pend[i].ctx == ctx) pend[i].cb = NULL;
}

/* Child: a socket bound to the client's address needs IP_TRANSPARENT (the
 * address is not local here) and the mark that routes replies back to it. */
static bool make_transparent(int fd, int family) {
  int one = 1;
  uint32_t mark = SOURCE_MARK;
  bool v4 = family == AF_INET;
  return setsockopt(fd, v4 ? SOL_IP : SOL_IPV6, v4 ? IP_TRANSPARENT : IPV6_TRANSPARENT, &one, sizeof(one)) == 0 &&
         setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) == 0;
}

static bool bind_source(int fd, const struct addr *src) {
  return make_transparent(fd, src->ss.ss_family) && bind(fd, (const struct sockaddr *)&src->ss, src->len) == 0;
}

/* A spare: transparent ones get bound to a client's address by the parent */
/* A socket for the relay: TCP ones without Nagle's delay, as the
 * forward's listening socket (fwd.c). */
static int relay_socket(int family, int type) {
  int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  if (fd >= 0 && type == SOCK_STREAM) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

static int make_spare(const struct req_msg *m, bool keep_source, int *err) {
  int family = m->dst.ss.ss_family;
  int fd = relay_socket(family, SOCK_STREAM);
  if (fd < 0 || !m->src.len) goto out;
  if (!keep_source || !make_transparent(fd, family)) {
    close(fd);
    errno = EPERM;
    fd = -1;
  }
out:
  if (fd < 0) *err = errno;
  return fd;
}

static int make_socket(const struct req_msg *m, bool keep_source, int *err) {
  if (m->spare) return make_spare(m, keep_source, err);
  int family = m->dst.ss.ss_family;
  int fd = relay_socket(family, m->type);
  if (fd < 0) goto fail;
  if (keep_source && m->src.len && m->src.ss.ss_family == family && !bind_source(fd, &m->src)) {
    /* address in use here, or no transparency: an ordinary source */
    close(fd);
    fd = relay_socket(family, m->type);
    if (fd < 0) goto fail;
  }
  if (connect(fd, (const struct sockaddr *)&m->dst.ss, m->dst.len) < 0 && errno != EINPROGRESS) {
    int e = errno;
    close(fd);
    errno = e;
    goto fail;
  }
  return fd;
fail:
  *err = errno;
  return -1;
}

void sockreq_serve(int sock, bool keep_source) {
  for (;;) {
    struct req_msg m;
    int junk[SPARE_BATCH], njunk;
    int n = recv_with_fds(sock, &m, sizeof(m), junk, &njunk);
    close_all(junk, njunk);
    if (n == -EINTR) continue;
    if (n <= 0) _exit(0);
    if (n != sizeof(m) || m.dst.len > sizeof(m.dst.ss) || m.src.len > sizeof(m.src.ss) ||
        (m.type != SOCK_STREAM && m.type != SOCK_DGRAM) || m.spare > SPARE_BATCH)
      continue;
    struct rep_msg rep = {.id = m.id};
    int err = 0, fds[SPARE_BATCH], nfds = 0;
    /* a spare batch: as many as asked, or as many as could be made */
    for (uint32_t i = 0; i < (m.spare ? m.spare : 1); i++) {
      int fd = make_socket(&m, keep_source, &err);
      if (fd < 0) break;
      fds[nfds++] = fd;
    }
    rep.err = nfds ? 0 : err;
    char control[CMSG_SPACE(SPARE_BATCH * sizeof(int))];
    memset(control, 0, sizeof(control));
    struct iovec iov = {.iov_base = &rep, .iov_len = sizeof(rep)};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    if (nfds) {
      mh.msg_control = control;
      mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
      struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
      memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
    }
    ssize_t s;
    do s = sendmsg(sock, &mh, MSG_NOSIGNAL);
    while (s < 0 && errno == EINTR);
    close_all(fds, nfds);
    if (s < 0) _exit(0);
  }
}
