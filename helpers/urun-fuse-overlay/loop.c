/* loop.c: the session's loop. One thread reads the requests and serves
 * them in order; a request that may take long (fsync, fallocate,
 * copy_file_range, a write of 64 KiB or more while others wait) goes to a
 * worker thread, so that it holds up no other request.
 *
 * Not libfuse's multithreaded loop: there every thread waits in read(2) on
 * /dev/fuse and the kernel wakes the one that has waited longest, so each
 * request of a process working through files one by one went to another
 * thread, often on the other CPU, which doubled the helper's CPU time per
 * request (urun-fuse-overlay(1), bench/results/README.md). Here the reader
 * is woken by the kernel as with one thread; a hand-off costs one wake-up
 * of a worker, paid only where the request's own work is far larger.
 *
 * Between requests the reader keeps asking for the next one for a short
 * while before it sleeps (SPIN_NS). */
#define _GNU_SOURCE
#include "loop.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fuse.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#define MAX_WORKERS 8
#define SLOW_DATA (64 * 1024)
/* A process working through files sends its next request microseconds
 * after the reply. A reader asleep by then is woken from an idle CPU, and
 * that wake-up, not the work, was most of a request's time (a pipe round
 * trip between two CPUs: 38 us asleep, 13-18 us with one side asking, on the
 * test machine, bench/wakeup.c). Past this much idle time, the reader sleeps: a quiet
 * mount costs nothing, a busy one at most this much CPU per pause. */
#define SPIN_NS (100 * 1000L)

struct job {
  struct fuse_buf buf;
  struct job *next;
};

static struct {
  struct fuse_session *se;
  pthread_mutex_t lock;
  pthread_cond_t work;
  struct job *head, *tail, *spare;
  int queued, idle, nworkers;
  bool stopping;
  pthread_t workers[MAX_WORKERS];
} pool = {.lock = PTHREAD_MUTEX_INITIALIZER, .work = PTHREAD_COND_INITIALIZER};

/* Another request is waiting to be read. */
static bool others_waiting(void) {
  struct pollfd p = {.fd = fuse_session_fd(pool.se), .events = POLLIN};
  return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

/* The request in BUF may take long: its data is large, or it waits on the disk. */
static bool is_slow(const struct fuse_buf *buf) {
  /* spliced in: the data is in this thread's pipe, it cannot move */
  if ((buf->flags & FUSE_BUF_IS_FD) || buf->size < sizeof(struct fuse_in_header)) return false;
  const struct fuse_in_header *in = buf->mem;
  const void *arg = in + 1;
  size_t argsize = buf->size - sizeof(*in);
  switch (in->opcode) {
  case FUSE_WRITE:
    /* only when it would hold up another request: a lone stream of writes
     * pays no hand-over (reads stay here: readahead keeps several queued,
     * and serving them on two threads cost more CPU than it saved) */
    return argsize >= sizeof(struct fuse_write_in) && ((const struct fuse_write_in *)arg)->size >= SLOW_DATA &&
           others_waiting();
  case FUSE_FSYNC:
  case FUSE_FALLOCATE:
  case FUSE_COPY_FILE_RANGE:
    return true;
  default:
    return false;
  }
}

static void *worker(void *unused) {
  (void)unused;
  pthread_mutex_lock(&pool.lock);
  for (;;) {
    while (!pool.head && !pool.stopping) {
      pool.idle++;
      pthread_cond_wait(&pool.work, &pool.lock);
      pool.idle--;
    }
    struct job *j = pool.head;
    if (!j) break; /* stopping, and nothing left to serve */
    pool.head = j->next;
    if (!pool.head) pool.tail = NULL;
    pool.queued--;
    pthread_mutex_unlock(&pool.lock);
    fuse_session_process_buf(pool.se, &j->buf);
    pthread_mutex_lock(&pool.lock);
    j->next = pool.spare;
    pool.spare = j;
  }
  pthread_mutex_unlock(&pool.lock);
  return NULL;
}

/* A worker for J: false when none can be had (J is then served here). */
static bool hand_off(struct job *j) {
  bool ok = true;
  pthread_mutex_lock(&pool.lock);
  if (pool.idle > pool.queued) {
    pthread_cond_signal(&pool.work);
  } else if (pool.nworkers < MAX_WORKERS) {
    /* signals stay with the reader: they end its read(2) */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    ok = pthread_create(&pool.workers[pool.nworkers], NULL, worker, NULL) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (ok) pool.nworkers++;
  } else {
    ok = pool.queued < MAX_WORKERS; /* every worker busy: queue a few, then serve in order */
  }
  if (ok) {
    j->next = NULL;
    if (pool.tail) pool.tail->next = j;
    else pool.head = j;
    pool.tail = j;
    pool.queued++;
  }
  pthread_mutex_unlock(&pool.lock);
  return ok;
}

/* A buffer for the next request: a spare one, or a new one libfuse fills. */
static struct job *next_job(void) {
  pthread_mutex_lock(&pool.lock);
  struct job *j = pool.spare;
  if (j) pool.spare = j->next;
  pthread_mutex_unlock(&pool.lock);
  return j ? j : calloc(1, sizeof(*j));
}

static void put_spare(struct job *j) {
  pthread_mutex_lock(&pool.lock);
  j->next = pool.spare;
  pool.spare = j;
  pthread_mutex_unlock(&pool.lock);
}

static void free_jobs(struct job *j) {
  while (j) {
    struct job *next = j->next;
    free(j->buf.mem);
    free(j);
    j = next;
  }
}

static long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000L + t.tv_nsec;
}

/* Asking again only helps where the requester runs on another CPU. */
static bool may_spin(void) {
  cpu_set_t set;
  return sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 1;
}

/* The next request into BUF: asked for without waiting until SPIN_NS past
 * IDLE_SINCE (when SPIN), then slept for. As fuse_session_receive_buf. */
static int receive(struct fuse_session *se, struct fuse_buf *buf, bool spin, long idle_since) {
  for (;;) {
    int res = fuse_session_receive_buf(se, buf);
    if (res != -EAGAIN) return res;
    if (fuse_session_exited(se)) return 0;
    if (spin && now_ns() - idle_since < SPIN_NS) continue;
    /* a signal ends the wait; the unmount wakes it with POLLERR */
    struct pollfd p = {.fd = fuse_session_fd(se), .events = POLLIN};
    if (poll(&p, 1, -1) < 0 && errno == EINTR) return -EINTR;
    spin = false; /* woken: a request is there, or the device is gone */
  }
}

int loop_run(struct fuse_session *se, bool threaded) {
  pool.se = se;
  struct job *cur = next_job();
  int res = cur ? 0 : -ENOMEM;
  int fd = fuse_session_fd(se);
  bool spin = may_spin() && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0;
  long idle_since = now_ns();
  while (cur && !fuse_session_exited(se)) {
    res = receive(se, &cur->buf, spin, idle_since);
    if (res == -EINTR) continue;
    if (res <= 0) break;
    if (threaded && is_slow(&cur->buf)) {
      struct job *j = next_job(); /* the buffer for the next request, before this one goes */
      if (j && hand_off(cur)) {
        cur = j;
        idle_since = now_ns();
        continue;
      }
      if (j) put_spare(j);
    }
    fuse_session_process_buf(se, &cur->buf);
    idle_since = now_ns();
  }
  /* the workers serve what is queued, then end */
  pthread_mutex_lock(&pool.lock);
  pool.stopping = true;
  pthread_cond_broadcast(&pool.work);
  pthread_mutex_unlock(&pool.lock);
  for (int i = 0; i < pool.nworkers; i++) pthread_join(pool.workers[i], NULL);
  if (cur) {
    free(cur->buf.mem);
    free(cur);
  }
  free_jobs(pool.spare);
  fuse_session_reset(se);
  return res < 0 ? res : 0;
}
