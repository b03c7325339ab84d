/* loop.h: the helper's single epoll loop. */
#ifndef URUN_SLIRP_LOOP_H
#define URUN_SLIRP_LOOP_H

#include <stdbool.h>
#include <stdint.h>

/* Every registered fd carries a handler; objects embed it first. */
struct handler {
  void (*fn)(struct handler *h, uint32_t events);
};

int loop_init(void);
int loop_fd(void);
/* Register, change or drop an fd (EPOLLIN/EPOLLOUT..., level triggered). */
int loop_add(int fd, uint32_t events, struct handler *h);
int loop_mod(int fd, uint32_t events, struct handler *h);
void loop_del(int fd);
/* Free P after the current batch of events: a later event of the same
 * batch may still point at it (handlers check their own "dead" flag). */
void loop_defer_free(void *p);
/* Wait up to TIMEOUT ms (-1: forever) and dispatch; false on epoll failure. */
bool loop_run_once(int timeout);
/* Ask the loop to end with STATUS (first caller wins). */
void loop_quit(int status);
bool loop_quitting(int *status);

/* Called when an fd number is handed to loop_add: the slirp glue forgets a
 * stale registration of the same number. */
extern void (*loop_fd_reused)(int fd);

#endif
