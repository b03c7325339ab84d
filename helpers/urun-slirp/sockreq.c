/* sockreq.c: both ends of the socket request channel. */
#include "sockreq.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loop.h"

struct req_msg {
  uint32_t id;
  int32_t type;   /* SOCK_STREAM or SOCK_DGRAM */
  uint32_t spare; /* a TCP socket for the pool: neither bound nor connected */
  struct addr src; /* len 0: let the kernel choose */
  struct addr dst;
};

struct rep_msg {
  uint32_t id;
  int32_t err; /* 0 and an fd attached, or a positive errno */
};

struct pending {
  uint32_t id;
  sockreq_cb cb;
  void *ctx;
};

/* Spare TCP sockets made ahead of need, so that a forwarded connection does
 * not wait for a round trip to the child: per family, plain or transparent
 * (ready to be bound to a client's address). */
#define SPARES 4
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

static int recv_with_fd(int sock, void *buf, size_t len, int *fd) {
  char control[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {.iov_base = buf, .iov_len = len};
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof(control)};
  *fd = -1;
  ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
  if (n < 0) return -errno;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) memcpy(fd, CMSG_DATA(c), sizeof(int));
  return (int)n;
}

static void chan_event(struct handler *h, uint32_t ev) {
  for (;;) {
    struct rep_msg rep;
    int fd;
    int n = recv_with_fd(chan, &rep, sizeof(rep), &fd);
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
      if (fd >= 0) close(fd);
      continue;
    }
    struct pending p = pend[i];
    pend[i] = pend[--npend];
    if (!p.cb) {
      if (fd >= 0) close(fd);
      continue;
    }
    if (rep.err == 0 && fd < 0) rep.err = EPROTO;
    p.cb(p.ctx, rep.err ? -1 : fd, -rep.err);
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

/* Send request M (its id set here); CB gets the answer. 0 or -errno. */
static int request(struct req_msg *m, sockreq_cb cb, void *ctx) {
  if (!pend_room()) return -ENOMEM;
  m->id = next_id;
  if (send(chan, m, sizeof(*m), MSG_DONTWAIT) < 0) return -errno;
  next_id++;
  pend[npend++] = (struct pending){.id = m->id, .cb = cb, .ctx = ctx};
  return 0;
}

int sockreq_send(int type, const struct addr *src, const struct addr *dst, sockreq_cb cb, void *ctx) {
  struct req_msg m = {.type = type, .dst = *dst};
  if (src) m.src = *src;
  return request(&m, cb, ctx);
}

static struct spares *spares_of(int family, bool transparent) {
  return &spare_pool[family == AF_INET6][transparent];
}

static void spare_got(void *ctx, int fd, int err) {
  struct spares *p = ctx;
  p->asked--;
  /* EPERM: no transparency there; anything else, the next take asks again */
  if (err == -EPERM) p->refused = true;
  if (fd < 0) return;
  if (p->n < SPARES) p->fd[p->n++] = fd;
  else close(fd);
}

void sockreq_spares(int family, bool transparent) {
  struct spares *p = spares_of(family, transparent);
  while (!p->refused && p->n + p->asked < SPARES) {
    struct req_msg m = {.type = SOCK_STREAM, .spare = 1};
    m.dst.ss.ss_family = (sa_family_t)family;
    m.dst.len = family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    if (transparent) m.src = m.dst;
    if (request(&m, spare_got, p) < 0) return; /* the next take asks again */
    p->asked++;
  }
}

int sockreq_take(int family, bool transparent) {
  struct spares *p = spares_of(family, transparent);
  int fd = p->n ? p->fd[--p->n] : -1;
  sockreq_spares(family, transparent);
  return fd;
}

void sockreq_cancel(void *ctx) {
  for (size_t i = 0; i < npend; i++)
    if (pend[i].ctx == ctx) pend[i].cb = NULL;
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
static int make_spare(const struct req_msg *m, bool keep_source, int *err) {
  int family = m->dst.ss.ss_family;
  int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
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
  int fd = socket(family, m->type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) goto fail;
  if (keep_source && m->src.len && m->src.ss.ss_family == family && !bind_source(fd, &m->src)) {
    /* address in use here, or no transparency: an ordinary source */
    close(fd);
    fd = socket(family, m->type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
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
    int junk;
    int n = recv_with_fd(sock, &m, sizeof(m), &junk);
    if (junk >= 0) close(junk);
    if (n == -EINTR) continue;
    if (n <= 0) _exit(0);
    if (n != sizeof(m) || m.dst.len > sizeof(m.dst.ss) || m.src.len > sizeof(m.src.ss) ||
        (m.type != SOCK_STREAM && m.type != SOCK_DGRAM))
      continue;
    struct rep_msg rep = {.id = m.id};
    int err = 0;
    int fd = make_socket(&m, keep_source, &err);
    rep.err = fd < 0 ? err : 0;
    char control[CMSG_SPACE(sizeof(int))];
    memset(control, 0, sizeof(control));
    struct iovec iov = {.iov_base = &rep, .iov_len = sizeof(rep)};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    if (fd >= 0) {
      mh.msg_control = control;
      mh.msg_controllen = sizeof(control);
      struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int));
      memcpy(CMSG_DATA(c), &fd, sizeof(int));
    }
    ssize_t s;
    do s = sendmsg(sock, &mh, MSG_NOSIGNAL);
    while (s < 0 && errno == EINTR);
    if (fd >= 0) close(fd);
    if (s < 0) _exit(0);
  }
}
