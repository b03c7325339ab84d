/* relay.c: zero-copy TCP relay: socket -> pipe -> socket via splice(), as
 * rootlesskit's builtin port driver does; the data never enters user space. */
#define _GNU_SOURCE
#include "relay.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loop.h"

#define PIPE_SIZE (1024 * 1024)

struct relay;

struct end {
  struct handler h;
  struct relay *r;
  int fd;
  /* edge-triggered readiness: set by an event, cleared by EAGAIN, so a
   * wakeup splices only where something can move */
  bool readable, writable;
};

/* One direction: from end[i] through pipe into end[1 - i]. */
struct dir {
  int pipe[2];
  size_t pending; /* bytes in the pipe */
  size_t cap;
  bool grown; /* asked for PIPE_SIZE already */
  bool eof;  /* source said EOF */
  bool shut; /* EOF passed on (shutdown SHUT_WR of the target) */
};

struct relay {
  struct end end[2];
  struct dir dir[2];
  bool dead;
};

/* Empty pipes of finished relays, for the next ones: a connection a
 * request otherwise made and closed two pipes (eight system calls of the
 * thirty its setup and end cost). */
#define PIPE_POOL 64
static struct pooled {
  int fd[2];
  size_t cap;
} pipe_pool[PIPE_POOL];
static int npooled;

/* A pipe for D: from the pool, or new with its real size (a user over
 * pipe-user-pages-soft gets 8 KiB, and pump() must not take a full pipe
 * for an empty socket; grow() enlarges a full one).  0 or -1. */
static int pipe_get(struct dir *d) {
  if (npooled) {
    struct pooled *p = &pipe_pool[--npooled];
    d->pipe[0] = p->fd[0];
    d->pipe[1] = p->fd[1];
    d->cap = p->cap;
    d->grown = p->cap >= PIPE_SIZE;
    return 0;
  }
  if (pipe2(d->pipe, O_NONBLOCK | O_CLOEXEC) < 0) return -1;
  int sz = fcntl(d->pipe[1], F_GETPIPE_SZ);
  d->cap = sz > 0 ? (size_t)sz : 4096;
  return 0;
}

/* D's pipe back to the pool when it is empty (nothing of this connection
 * can reach the next), else closed. */
static void pipe_put(struct dir *d) {
  if (d->pipe[0] < 0) return;
  if (d->pending == 0 && npooled < PIPE_POOL) {
    pipe_pool[npooled++] = (struct pooled){.fd = {d->pipe[0], d->pipe[1]}, .cap = d->cap};
  } else {
    close(d->pipe[0]);
    close(d->pipe[1]);
  }
  d->pipe[0] = d->pipe[1] = -1;
}

static void relay_close(struct relay *r) {
  r->dead = true;
  /* the sockets are ours alone: closing them takes them out of epoll */
  for (int i = 0; i < 2; i++) {
    close(r->end[i].fd);
    pipe_put(&r->dir[i]);
  }
  loop_defer_free(r);
}

/* A full pipe grows to PIPE_SIZE once: fewer wakeups for a stream, and
 * none of the cost (two fcntl, the kernel's ring) for the many short
 * connections that never fill 64 KiB. */
static void grow(struct dir *d) {
  if (d->cap >= PIPE_SIZE || d->grown) return;
  d->grown = true;
  int sz = fcntl(d->pipe[1], F_SETPIPE_SZ, PIPE_SIZE);
  if (sz > 0) d->cap = (size_t)sz;
}

/* Move what can move now in direction I; false on a fatal error. */
static bool pump(struct relay *r, int i) {
  struct dir *d = &r->dir[i];
  struct end *src = &r->end[i], *dst = &r->end[1 - i];
  for (;;) {
    bool moved = false;
    if (src->readable && !d->eof && d->pending < d->cap) {
      ssize_t n = splice(src->fd, NULL, d->pipe[1], NULL, d->cap - d->pending, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
      if (n > 0) {
        d->pending += (size_t)n;
        moved = true;
        if (d->pending >= d->cap) grow(d);
      } else if (n == 0) {
        d->eof = true;
      } else if (errno == EAGAIN) {
        src->readable = false;
      } else if (errno != EINTR) {
        return false;
      }
    }
    if (dst->writable && d->pending > 0) {
      ssize_t n = splice(d->pipe[0], NULL, dst->fd, NULL, d->pending, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
      if (n > 0) {
        d->pending -= (size_t)n;
        moved = true;
      } else if (n < 0 && errno == EAGAIN) {
        dst->writable = false;
      } else if (n < 0 && errno != EINTR) {
        return false;
      }
    }
    if (!moved) break;
  }
  if (d->eof && d->pending == 0 && !d->shut) {
    shutdown(dst->fd, SHUT_WR);
    d->shut = true;
  }
  return true;
}

static void relay_event(struct handler *h, uint32_t ev) {
  struct end *e = (struct end *)h;
  struct relay *r = e->r;
  if (r->dead) return;
  int me = e == &r->end[0] ? 0 : 1;
  /* errors and hangups show up as a failed or empty splice */
  if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) e->readable = true;
  if (ev & (EPOLLOUT | EPOLLHUP | EPOLLERR)) e->writable = true;
  /* data in moves out through the other end; room out lets the other
   * end's direction go on */
  bool ok = true;
  if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) ok = pump(r, me);
  if (ok && (ev & (EPOLLOUT | EPOLLHUP | EPOLLERR))) ok = pump(r, 1 - me);
  if (!ok || (ev & EPOLLERR)) {
    relay_close(r);
    return;
  }
  /* a hung-up socket takes no more data: once its side is read, done */
  if (((ev & EPOLLHUP) && r->dir[me].eof) || (r->dir[0].shut && r->dir[1].shut)) relay_close(r);
}

int relay_start(int a, int b) {
  struct relay *r = calloc(1, sizeof(*r));
  if (!r) goto fail;
  int fds[2] = {a, b};
  for (int i = 0; i < 2; i++) r->dir[i].pipe[0] = r->dir[i].pipe[1] = -1;
  for (int i = 0; i < 2; i++) {
    if (pipe_get(&r->dir[i]) < 0) goto fail;
    /* a new socket may already hold data or room: the first edge may be gone */
    r->end[i] = (struct end){.h.fn = relay_event, .r = r, .fd = fds[i], .readable = true, .writable = true};
  }
  /* Edge-triggered, both ways, registered once: pump() moves all it can on
   * every wakeup, so no epoll_ctl per burst of data. */
  for (int i = 0; i < 2; i++) {
    if (loop_add(fds[i], EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, &r->end[i].h) < 0) {
      if (i == 1) loop_del(fds[0]);
      goto fail;
    }
  }
  return 0;
fail:
  close(a);
  close(b);
  if (r) {
    for (int i = 0; i < 2; i++) pipe_put(&r->dir[i]);
    free(r);
  }
  return -1;
}
