/* loop.c: epoll dispatch with deferred frees. */
#include "loop.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "util.h"

static int epfd = -1;
static void **deferred;
static size_t ndeferred, capdeferred;
static bool quitting;
static int quit_status;
void (*loop_fd_reused)(int fd);

int loop_init(void) {
  epfd = epoll_create1(EPOLL_CLOEXEC);
  return epfd < 0 ? -1 : 0;
}

int loop_fd(void) { return epfd; }

int loop_add(int fd, uint32_t events, struct handler *h) {
  if (loop_fd_reused) loop_fd_reused(fd);
  struct epoll_event ev = {.events = events, .data.ptr = h};
  return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

int loop_mod(int fd, uint32_t events, struct handler *h) {
  struct epoll_event ev = {.events = events, .data.ptr = h};
  return epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
}

void loop_del(int fd) { epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL); }

void loop_defer_free(void *p) {
  if (ndeferred == capdeferred) {
    size_t cap = capdeferred ? capdeferred * 2 : 16;
    void **n = realloc(deferred, cap * sizeof(*n));
    if (!n) {
      /* cannot defer: leaking one object beats a use after free */
      return;
    }
    deferred = n;
    capdeferred = cap;
  }
  deferred[ndeferred++] = p;
}

bool loop_run_once(int timeout) {
  struct epoll_event ev[64];
  int n = epoll_wait(epfd, ev, 64, timeout);
  if (n < 0) return errno == EINTR;
  for (int i = 0; i < n; i++) {
    struct handler *h = ev[i].data.ptr;
    h->fn(h, ev[i].events);
  }
  for (size_t i = 0; i < ndeferred; i++) free(deferred[i]);
  ndeferred = 0;
  return true;
}

void loop_quit(int status) {
  if (quitting) return;
  quitting = true;
  quit_status = status;
}

bool loop_quitting(int *status) {
  if (quitting && status) *status = quit_status;
  return quitting;
}
