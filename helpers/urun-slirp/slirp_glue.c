/* slirp_glue.c: libslirp's callbacks, its sockets in epoll, the tap device. */
#include "slirp_glue.h"

#include <errno.h>
#include <limits.h>
#include <slirp/libslirp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"
#include "mss_clamp.h"
#include "tcp_reap.h"
#include "util.h"

/* One slirp socket: the events slirp wants and the epoll state of its fd.
 * slirp_pollfds_fill() names the fds anew each round; entries not named in
 * a round leave epoll. */
struct sfd {
  struct handler h;
  int fd;
  unsigned round;    /* last round slirp asked for it */
  uint32_t want;     /* epoll events slirp asked for */
  uint32_t in_epoll; /* events registered, 0 = not registered */
  bool registered;
  int revents;       /* SLIRP_POLL_* seen this round */
};

struct stimer {
  struct handler h;
  int tfd;
  SlirpTimerCb cb;
  void *cb_opaque;
  bool by_id; /* timer_new_opaque: fire through slirp_handle_timer */
  SlirpTimerId id;
};

static Slirp *slirp;
static int tap = -1;
static frame_hook hook;
static struct sfd **sfds;
static size_t nsfds;
static unsigned round_no;
static struct handler tap_handler;
static size_t frame_max;
/* TCP through libslirp: three segments fill its 65,535-byte window (mss_clamp.c) */
static const uint16_t mss_max = 21800;

static struct sfd *sfd_get(int fd, bool create) {
  if ((size_t)fd >= nsfds) {
    if (!create) return NULL;
    size_t n = nsfds ? nsfds : 64;
    while (n <= (size_t)fd) n *= 2;
    struct sfd **t = realloc(sfds, n * sizeof(*t));
    if (!t) return NULL;
    memset(t + nsfds, 0, (n - nsfds) * sizeof(*t));
    sfds = t;
    nsfds = n;
  }
  if (!sfds[fd] && create) {
    sfds[fd] = calloc(1, sizeof(struct sfd));
    if (sfds[fd]) sfds[fd]->fd = fd;
  }
  return sfds[fd];
}

static void sfd_forget(int fd) {
  struct sfd *s = sfd_get(fd, false);
  if (!s) return;
  if (s->registered) loop_del(fd);
  s->registered = false;
  s->in_epoll = 0;
  s->round = 0;
}

static void sfd_event(struct handler *h, uint32_t ev) {
  struct sfd *s = (struct sfd *)h;
  int r = 0;
  if (ev & EPOLLIN) r |= SLIRP_POLL_IN;
  if (ev & EPOLLOUT) r |= SLIRP_POLL_OUT;
  if (ev & EPOLLPRI) r |= SLIRP_POLL_PRI;
  if (ev & EPOLLERR) r |= SLIRP_POLL_ERR;
  if (ev & EPOLLHUP) r |= SLIRP_POLL_HUP;
  s->revents |= r;
}

static int add_poll(int fd, int events, void *opaque) {
  struct sfd *s = sfd_get(fd, true);
  if (!s) return -1;
  uint32_t want = 0;
  if (events & SLIRP_POLL_IN) want |= EPOLLIN;
  if (events & SLIRP_POLL_OUT) want |= EPOLLOUT;
  if (events & SLIRP_POLL_PRI) want |= EPOLLPRI;
  s->want = s->round == round_no ? s->want | want : want;
  s->round = round_no;
  return fd;
}

static int get_revents(int idx, void *opaque) {
  struct sfd *s = sfd_get(idx, false);
  if (!s) return 0;
  int r = s->revents;
  s->revents = 0;
  return r;
}

/* Whether slirp polls FD for writing this round: it holds data for it. */
static bool wants_out(int fd) {
  struct sfd *s = sfd_get(fd, false);
  return s && s->round == round_no && (s->want & EPOLLOUT);
}

static void reap_input(const uint8_t *frame, size_t len) { slirp_input(slirp, frame, (int)len); }

void sg_before_wait(int *timeout) {
  uint32_t t = UINT32_MAX;
  round_no++;
  slirp_pollfds_fill(slirp, &t, add_poll, NULL);
  /* closes sockets, which leave this round's set through sfd_forget() */
  tcp_reap_collect(wants_out, reap_input);
  for (size_t fd = 0; fd < nsfds; fd++) {
    struct sfd *s = sfds[fd];
    if (!s) continue;
    s->h.fn = sfd_event;
    if (s->round == round_no) {
      /* an fd with no events stays registered: ERR/HUP still matter */
      if (!s->registered) {
        if (loop_add((int)fd, s->want, &s->h) == 0 || errno == EEXIST) s->registered = true;
        s->in_epoll = s->want;
      } else if (s->in_epoll != s->want) {
        loop_mod((int)fd, s->want, &s->h);
        s->in_epoll = s->want;
      }
    } else if (s->registered) {
      loop_del((int)fd);
      s->registered = false;
    }
  }
  if (t != UINT32_MAX && (*timeout < 0 || t < (uint32_t)*timeout)) *timeout = t > INT_MAX ? INT_MAX : (int)t;
}

void sg_after_wait(void) { slirp_pollfds_poll(slirp, 0, get_revents, NULL); }

void sg_tap_write(const void *frame, size_t len) {
  /* a full tap drops the frame, as a wire would: TCP retransmits */
  if (write(tap, frame, len) < 0 && errno != EAGAIN && errno != EINTR && errno != EIO)
    errmsg("tap write: %s", strerror(errno));
}

static ssize_t send_packet(const void *buf, size_t len, void *opaque) {
  tcp_reap_slirp(buf, len);
  /* slirp's SYNs are small: clamp a copy */
  if (len <= 256 && mss_clamp_wanted(buf, len, mss_max)) {
    uint8_t syn[256];
    memcpy(syn, buf, len);
    mss_clamp(syn, len, mss_max);
    sg_tap_write(syn, len);
    return (ssize_t)len;
  }
  sg_tap_write(buf, len);
  return (ssize_t)len;
}

static void guest_error(const char *msg, void *opaque) { errmsg("guest: %s", msg); }

static int64_t clock_get_ns(void *opaque) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void timer_fire(struct handler *h, uint32_t ev) {
  struct stimer *t = (struct stimer *)h;
  uint64_t n;
  if (read(t->tfd, &n, sizeof(n)) != sizeof(n)) return;
  if (t->by_id) slirp_handle_timer(slirp, t->id, t->cb_opaque);
  else t->cb(t->cb_opaque);
}

static void timer_dead(struct handler *h, uint32_t ev) {}

static struct stimer *timer_make(void) {
  struct stimer *t = calloc(1, sizeof(*t));
  if (!t) return NULL;
  t->h.fn = timer_fire;
  t->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (t->tfd < 0 || loop_add(t->tfd, EPOLLIN, &t->h) < 0) {
    if (t->tfd >= 0) close(t->tfd);
    free(t);
    return NULL;
  }
  return t;
}

static void *timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque) {
  struct stimer *t = timer_make();
  if (t) {
    t->cb = cb;
    t->cb_opaque = cb_opaque;
  }
  return t;
}

static void *timer_new_opaque(SlirpTimerId id, void *cb_opaque, void *opaque) {
  struct stimer *t = timer_make();
  if (t) {
    t->by_id = true;
    t->id = id;
    t->cb_opaque = cb_opaque;
  }
  return t;
}

static void timer_free(void *timer, void *opaque) {
  struct stimer *t = timer;
  if (!t) return;
  loop_del(t->tfd);
  close(t->tfd);
  /* an event for it may be pending in this batch */
  t->h.fn = timer_dead;
  loop_defer_free(t);
}

/* expire_time: milliseconds on the clock_get_ns() clock */
static void timer_mod(void *timer, int64_t expire_ms, void *opaque) {
  struct stimer *t = timer;
  if (!t) return;
  if (expire_ms < 1) expire_ms = 1;
  struct itimerspec its = {.it_value = {.tv_sec = expire_ms / 1000, .tv_nsec = (expire_ms % 1000) * 1000000}};
  timerfd_settime(t->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* a host socket for the container's SYN being taken */
static void register_poll_fd(int fd, void *opaque) { tcp_reap_fd_opened(fd); }
/* slirp closes the fd right after: leave epoll now, before the number is
 * reused by a socket of ours */
static void unregister_poll_fd(int fd, void *opaque) {
  sfd_forget(fd);
  tcp_reap_fd_closed(fd);
}
static void notify(void *opaque) {}

static void tap_event(struct handler *h, uint32_t ev) {
  static uint8_t buf[65536 + 64];
  /* bounded: other fds get their turn */
  for (int i = 0; i < 64; i++) {
    ssize_t n = read(tap, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      errmsg("tap read: %s", strerror(errno));
      loop_quit(1);
      return;
    }
    if (n == 0 || (size_t)n > frame_max) continue;
    if (hook && hook(buf, (size_t)n)) continue;
    mss_clamp(buf, (size_t)n, mss_max);
    tcp_reap_guest(buf, (size_t)n);
    slirp_input(slirp, buf, (int)n);
    tcp_reap_guest_done();
  }
}

static const SlirpCb callbacks = {
    .send_packet = send_packet,
    .guest_error = guest_error,
    .clock_get_ns = clock_get_ns,
    .timer_new = timer_new,
    .timer_free = timer_free,
    .timer_mod = timer_mod,
    .register_poll_fd = register_poll_fd,
    .unregister_poll_fd = unregister_poll_fd,
    .notify = notify,
    .timer_new_opaque = timer_new_opaque,
};

/* (slirp's own fds come through here too as they enter epoll: tcp_reap
 * hears of closed ones from unregister_poll_fd, which libslirp calls
 * before it closes any TCP socket) */
static void fd_reused(int fd) { sfd_forget(fd); }

int sg_start(const struct options *o, int tapfd, frame_hook h) {
  tap = tapfd;
  hook = h;
  frame_max = (size_t)o->mtu + 14;
  loop_fd_reused = fd_reused;
  SlirpConfig cfg = {
      .version = 4,
      .in_enabled = true,
      .vnetwork = o->net,
      .vnetmask = o->mask,
      .vhost = o->gateway,
      .in6_enabled = o->ipv6,
      .vprefix_len = 64,
      .vnameserver = o->dns,
      .if_mtu = (size_t)o->mtu,
      .if_mru = (size_t)o->mtu,
      .disable_host_loopback = !o->allow_host_loopback,
      .disable_dns = o->disable_dns,
      .outbound_addr = o->have_outbound ? (struct sockaddr_in *)&o->outbound : NULL,
      .outbound_addr6 = o->have_outbound6 ? (struct sockaddr_in6 *)&o->outbound6 : NULL,
  };
  cfg.vdhcp_start.s_addr = htonl(ntohl(o->net.s_addr) | 15);
  inet_pton(AF_INET6, V6_PREFIX, &cfg.vprefix_addr6);
  inet_pton(AF_INET6, V6_GATEWAY, &cfg.vhost6);
  inet_pton(AF_INET6, V6_DNS, &cfg.vnameserver6);
  slirp = slirp_new(&cfg, &callbacks, NULL);
  if (!slirp) return -1;
  tap_handler.fn = tap_event;
  return loop_add(tap, EPOLLIN, &tap_handler);
}

void sg_stop(void) {
  if (slirp) slirp_cleanup(slirp);
  slirp = NULL;
}
