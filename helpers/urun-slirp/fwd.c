/* fwd.c: listeners in the host namespace, TCP connection setup, UDP flows. */
#define _GNU_SOURCE
#include "fwd.h"

#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"
#include "relay.h"
#include "sockreq.h"

#define UDP_IDLE_SEC 60
#define UDP_QUEUE 8
#define UDP_MAX_FLOWS 1024

struct uflow;

struct fwd {
  struct handler h;
  struct fwd_info info;
  int fd; /* listening TCP socket or bound UDP socket */
  struct uflow *flows;
  size_t nflows;
  struct fwd *next;
  bool dead;
};

/* A TCP client while the child makes its socket in the container. */
struct tconn {
  int client;
};

/* Datagram queued while a UDP flow waits for its socket. */
struct dgram {
  size_t len;
  uint8_t data[];
};

/* One UDP client of a forward, with its own socket in the container. */
struct uflow {
  struct handler h;
  struct fwd *f;
  struct addr client;
  int fd; /* -1 while requested */
  time_t last;
  struct dgram *queue[UDP_QUEUE];
  int nqueue;
  struct uflow *next;
  bool dead;
};

static const struct options *opts;
static struct fwd *fwds;
static int next_id = 1;
static int unpriv_start = 1024;
static int sweep_fd = -1;
static struct handler sweep_handler;

static time_t now_sec(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec;
}

/* Worth keeping as the source inside: an address the container could not
 * mistake for one of its own or of the slirp network. */
static bool keep_source(const struct addr *client, const struct fwd *f) {
  if (addr_family(client) != addr_family(&f->info.guest) || addr_is_loopback(client)) return false;
  if (addr_family(client) == AF_INET) {
    const struct sockaddr_in *c = (const struct sockaddr_in *)&client->ss;
    const struct sockaddr_in *g = (const struct sockaddr_in *)&f->info.guest.ss;
    return (c->sin_addr.s_addr & opts->mask.s_addr) != opts->net.s_addr && g->sin_addr.s_addr == opts->guest.s_addr;
  }
  return false; /* the guest's IPv6 address is its own (SLAAC): not kept */
}

static void tconn_free(struct tconn *t) {
  sockreq_cancel(t);
  if (t->client >= 0) close(t->client);
  free(t);
}

/* The relay starts while the socket still connects: it reads and writes once
 * the connection is up, and a refused one ends the client's too. */
static void tconn_got_socket(void *ctx, int fd, int err) {
  struct tconn *t = ctx;
  if (fd >= 0) {
    relay_start(t->client, fd);
    t->client = -1;
  }
  tconn_free(t);
}

/* A descriptor kept in reserve: out of descriptors, the forward gives it up
 * for a moment to take the waiting connection and close it at once (the
 * client sees a reset at once, not a timeout), instead of leaving it in the
 * backlog with the listening socket readable for ever. */
static int reserve_fd = -1;

static void refuse_one(int listen_fd) {
  if (reserve_fd >= 0) close(reserve_fd);
  int c = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
  if (c >= 0) close(c);
  reserve_fd = fcntl(loop_fd(), F_DUPFD_CLOEXEC, 0);
}

static void tcp_accept(struct fwd *f) {
  for (int i = 0; i < 64; i++) {
    struct addr client = {.len = sizeof(client.ss)};
    int c = accept4(f->fd, (struct sockaddr *)&client.ss, &client.len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (c < 0 && (errno == EMFILE || errno == ENFILE)) {
      refuse_one(f->fd);
      continue;
    }
    if (c < 0) return; /* EAGAIN, or a client gone before accept */
    addr_unmap_v4(&client);
    bool keep = keep_source(&client, f);
    /* a spare connects at once; without one (or if the client's address is
     * taken inside) the child makes the socket */
    int g = sockreq_take(addr_family(&f->info.guest), keep);
    if (g >= 0 && keep && bind(g, (const struct sockaddr *)&client.ss, client.len) < 0) {
      close(g);
      g = -1;
    }
    if (g >= 0) {
      if (connect(g, (const struct sockaddr *)&f->info.guest.ss, f->info.guest.len) < 0 && errno != EINPROGRESS) {
        close(g);
        close(c);
      } else {
        relay_start(c, g);
      }
      continue;
    }
    struct tconn *t = calloc(1, sizeof(*t));
    if (!t) {
      close(c);
      continue;
    }
    t->client = c;
    if (sockreq_send(SOCK_STREAM, keep ? &client : NULL, &f->info.guest, tconn_got_socket, t) < 0) {
      close(c);
      free(t);
    }
  }
}

static void uflow_free(struct uflow *u) {
  u->dead = true;
  sockreq_cancel(u);
  if (u->fd >= 0) {
    loop_del(u->fd);
    close(u->fd);
  }
  for (int i = 0; i < u->nqueue; i++) free(u->queue[i]);
  struct uflow **p = &u->f->flows;
  while (*p && *p != u) p = &(*p)->next;
  if (*p) *p = u->next;
  u->f->nflows--;
  loop_defer_free(u);
}

/* Container to client: replies go out from the forward's own socket. */
static void uflow_event(struct handler *h, uint32_t ev) {
  struct uflow *u = (struct uflow *)h;
  static uint8_t buf[65536];
  if (u->dead) return;
  for (int i = 0; i < 64; i++) {
    ssize_t n = recv(u->fd, buf, sizeof(buf), 0);
    if (n < 0) {
      if (errno != EAGAIN && errno != EINTR && errno != ECONNREFUSED) uflow_free(u);
      return;
    }
    u->last = now_sec();
    sendto(u->f->fd, buf, (size_t)n, MSG_DONTWAIT, (struct sockaddr *)&u->client.ss, u->client.len);
  }
}

static void uflow_got_socket(void *ctx, int fd, int err) {
  struct uflow *u = ctx;
  if (fd < 0) {
    uflow_free(u);
    return;
  }
  u->fd = fd;
  u->h.fn = uflow_event;
  if (loop_add(fd, EPOLLIN, &u->h) < 0) {
    uflow_free(u);
    return;
  }
  for (int i = 0; i < u->nqueue; i++) {
    send(fd, u->queue[i]->data, u->queue[i]->len, MSG_DONTWAIT);
    free(u->queue[i]);
  }
  u->nqueue = 0;
}

static struct uflow *uflow_find(struct fwd *f, const struct addr *client) {
  for (struct uflow *u = f->flows; u; u = u->next)
    if (u->client.len == client->len && !memcmp(&u->client.ss, &client->ss, client->len)) return u;
  if (f->nflows >= UDP_MAX_FLOWS) return NULL;
  struct uflow *u = calloc(1, sizeof(*u));
  if (!u) return NULL;
  *u = (struct uflow){.f = f, .client = *client, .fd = -1, .last = now_sec(), .next = f->flows};
  f->flows = u;
  f->nflows++;
  /* UDP keeps no source address: replies could not be routed back */
  if (sockreq_send(SOCK_DGRAM, NULL, &f->info.guest, uflow_got_socket, u) < 0) {
    uflow_free(u);
    return NULL;
  }
  return u;
}

static void udp_receive(struct fwd *f) {
  static uint8_t buf[65536];
  for (int i = 0; i < 64; i++) {
    struct addr client = {.len = sizeof(client.ss)};
    ssize_t n = recvfrom(f->fd, buf, sizeof(buf), 0, (struct sockaddr *)&client.ss, &client.len);
    if (n < 0) return;
    struct uflow *u = uflow_find(f, &client);
    if (!u) continue;
    u->last = now_sec();
    if (u->fd >= 0) {
      send(u->fd, buf, (size_t)n, MSG_DONTWAIT);
    } else if (u->nqueue < UDP_QUEUE) {
      struct dgram *d = malloc(sizeof(*d) + (size_t)n);
      if (!d) continue;
      d->len = (size_t)n;
      memcpy(d->data, buf, (size_t)n);
      u->queue[u->nqueue++] = d;
    }
  }
}

static void fwd_event(struct handler *h, uint32_t ev) {
  struct fwd *f = (struct fwd *)h;
  if (f->dead) return;
  if (f->info.proto == IPPROTO_TCP) tcp_accept(f);
  else udp_receive(f);
}

static void sweep(struct handler *h, uint32_t ev) {
  uint64_t n;
  if (read(sweep_fd, &n, sizeof(n)) < 0) return;
  time_t now = now_sec();
  for (struct fwd *f = fwds; f; f = f->next) {
    struct uflow *u = f->flows;
    while (u) {
      struct uflow *next = u->next;
      if (now - u->last > UDP_IDLE_SEC) uflow_free(u);
      u = next;
    }
  }
}

static int read_unpriv_start(void) {
  _cleanup_fclose_ FILE *f = fopen("/proc/sys/net/ipv4/ip_unprivileged_port_start", "re");
  int v = 1024;
  if (f && fscanf(f, "%d", &v) != 1) v = 1024;
  return v;
}

void fwd_init(const struct options *o) {
  opts = o;
  reserve_fd = fcntl(loop_fd(), F_DUPFD_CLOEXEC, 0); /* any descriptor will do */
  unpriv_start = read_unpriv_start();
  sweep_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  struct itimerspec its = {.it_interval = {.tv_sec = 5}, .it_value = {.tv_sec = 5}};
  sweep_handler.fn = sweep;
  if (sweep_fd >= 0 && timerfd_settime(sweep_fd, 0, &its, NULL) == 0) loop_add(sweep_fd, EPOLLIN, &sweep_handler);
}

int fwd_add(int proto, const struct addr *host, const struct addr *guest, char *err, size_t errlen) {
  char h[INET6_ADDRSTRLEN];
  const char *pname = proto == IPPROTO_TCP ? "tcp" : "udp";
  addr_host_str(host, h, sizeof(h));
  int port = addr_port(host);
  for (struct fwd *f = fwds; f; f = f->next) {
    if (f->info.proto == proto && f->info.host.len == host->len && !memcmp(&f->info.host.ss, &host->ss, host->len)) {
      snprintf(err, errlen, "%s %s:%d is already forwarded (id %d)", pname, h, port, f->info.id);
      return -1;
    }
  }
  _cleanup_close_ int fd = socket(addr_family(host), (proto == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM) |
                                                         SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    snprintf(err, errlen, "socket: %s", strerror(errno));
    return -1;
  }
  int one = 1;
  if (proto == IPPROTO_TCP) {
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    /* a relay passes on what came when it came: Nagle's wait for an ACK
     * (which the other end may delay 40 ms) is the client's to choose at
     * its end, not ours to add; accepted sockets inherit it */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  if (bind(fd, (const struct sockaddr *)&host->ss, host->len) < 0) {
    if (errno == EACCES && port < unpriv_start)
      snprintf(err, errlen, "cannot bind %s %s:%d: ports below %d need privilege (sysctl net.ipv4.ip_unprivileged_port_start)",
               pname, h, port, unpriv_start);
    else
      snprintf(err, errlen, "cannot bind %s %s:%d: %s", pname, h, port, strerror(errno));
    return -1;
  }
  /* a burst of clients waits in the queue, not in SYN retries (the kernel
   * caps it at net.core.somaxconn) */
  if (proto == IPPROTO_TCP && listen(fd, SOMAXCONN) < 0) {
    snprintf(err, errlen, "cannot listen on %s:%d: %s", h, port, strerror(errno));
    return -1;
  }
  struct fwd *f = calloc(1, sizeof(*f));
  if (!f) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  f->h.fn = fwd_event;
  f->info = (struct fwd_info){.id = next_id, .proto = proto, .host = *host, .guest = *guest};
  if (proto == IPPROTO_TCP) {
    sockreq_spares(addr_family(guest), false);
    if (addr_family(guest) == AF_INET) sockreq_spares(AF_INET, true);
  }
  if (loop_add(fd, EPOLLIN, &f->h) < 0) {
    snprintf(err, errlen, "epoll: %s", strerror(errno));
    free(f);
    return -1;
  }
  f->fd = steal_fd(&fd);
  /* keep them in id order for listing */
  struct fwd **p = &fwds;
  while (*p) p = &(*p)->next;
  *p = f;
  return next_id++;
}

int fwd_remove(int id) {
  for (struct fwd **p = &fwds; *p; p = &(*p)->next) {
    struct fwd *f = *p;
    if (f->info.id != id) continue;
    *p = f->next;
    while (f->flows) uflow_free(f->flows);
    f->dead = true;
    loop_del(f->fd);
    close(f->fd);
    loop_defer_free(f);
    return 0;
  }
  return -1;
}

struct fwd_info *fwd_list(size_t *n) {
  *n = 0;
  for (struct fwd *f = fwds; f; f = f->next) (*n)++;
  struct fwd_info *v = calloc(*n ? *n : 1, sizeof(*v));
  if (!v) {
    *n = 0;
    return NULL;
  }
  size_t i = 0;
  for (struct fwd *f = fwds; f; f = f->next) v[i++] = f->info;
  return v;
}
