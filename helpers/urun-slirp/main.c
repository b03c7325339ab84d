/* urun-slirp: user-mode networking for a container's network namespace.
 *
 * main.c: the order of setup (everything that needs the host's files or
 * privileges happens before the sandbox) and the loop. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api.h"
#include "dns.h"
#include "fwd.h"
#include "loop.h"
#include "netns.h"
#include "options.h"
#include "sandbox.h"
#include "slirp_glue.h"
#include "sockreq.h"
#include "watchdog.h"

/* An fd whose readiness ends the helper: the target's pidfd, --exit-fd,
 * or the signalfd for SIGTERM/SIGINT/SIGHUP. */
struct watch {
  struct handler h;
  int fd;
};

static struct watch pid_watch = {.fd = -1}, exit_watch = {.fd = -1}, sig_watch = {.fd = -1};

static void watch_event(struct handler *h, uint32_t ev) {
  struct watch *w = (struct watch *)h;
  loop_del(w->fd);
  loop_quit(0);
}

static int watch(struct watch *w, int fd) {
  w->h.fn = watch_event;
  w->fd = fd;
  /* EPOLLIN covers a pidfd whose process exited and data on --exit-fd;
   * a closed pipe end shows as EPOLLHUP, always reported */
  return loop_add(fd, EPOLLIN, &w->h);
}

static void start_forwards(const struct options *o) {
  for (size_t i = 0; i < o->nports; i++) {
    char err[256];
    struct addr guest = {.len = sizeof(struct sockaddr_in)};
    struct sockaddr_in *g = (struct sockaddr_in *)&guest.ss;
    g->sin_family = AF_INET;
    g->sin_addr = o->guest;
    g->sin_port = htons(o->ports[i].guest_port);
    if (fwd_add(o->ports[i].proto, &o->ports[i].host, &guest, err, sizeof(err)) < 0) die("-p: %s", err);
  }
}

static void signal_ready(int fd) {
  if (fd < 0) return;
  if (write_all(fd, "1", 1) < 0) errmsg("--ready-fd %d: %s", fd, strerror(errno));
  close(fd);
}

/* Everything the host side needs from now on is open: shut the rest out. */
static void sandbox(const struct options *o) {
  static char resolv[512];
  dns_resolv_conf(o, resolv, sizeof(resolv));
  const char *files[] = {"/etc/resolv.conf", resolv, NULL};
  bool root = geteuid() == 0;
  /* root keeps binding low ports for API forwards; nobody keeps more */
  uint64_t keep = root ? 1ULL << CAP_NET_BIND_SERVICE : 0;
  if (sandbox_mounts(!root, files) < 0) die("cannot sandbox (mount namespace): %s", strerror(errno));
  if (helper_drop_caps(keep) < 0) die("cannot drop capabilities: %s", strerror(errno));
  if (sandbox_seccomp(PROFILE_MAIN) < 0) die("cannot load the seccomp filter: %s", strerror(errno));
}

/* Every forwarded connection holds six descriptors (two sockets, two
 * pipes): the usual soft limit of 1024 runs out at ~170 connections, and
 * then accept fails and clients wait in the backlog until they time out.
 * The hard limit is ours to take. */
static void raise_fd_limit(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

/* libslirp allocates each connection's socket buffers and frees them when
 * it closes: with glibc's defaults every short connection grew the heap
 * with brk, faulted the new pages in and trimmed them off again.  A heap
 * that keeps what it had costs a few MiB at most and none of that. */
static void keep_heap(void) {
  mallopt(M_TRIM_THRESHOLD, 16 * 1024 * 1024);
  mallopt(M_TOP_PAD, 1024 * 1024);
  mallopt(M_MMAP_THRESHOLD, 1024 * 1024);
}

int main(int argc, char **argv) {
  struct options o;
  helper_prog = PROG;
  options_parse(&o, argc, argv);
  signal(SIGPIPE, SIG_IGN);
  if (o.ready_fd >= 0 && fcntl(o.ready_fd, F_GETFD) < 0) die("--ready-fd %d: not an open file descriptor", o.ready_fd);
  if (o.stop_pidfd >= 0) watchdog_check_pidfd(o.stop_pidfd);
  if (o.exit_fd >= 0 && fcntl(o.exit_fd, F_GETFD) < 0) die("--exit-fd %d: not an open file descriptor", o.exit_fd);
  if (loop_init() < 0) die("epoll: %s", strerror(errno));
  raise_fd_limit();
  keep_heap();
  dns_find_upstreams(&o);
  fwd_init(&o);

  if (o.pid) {
    int pfd = (int)syscall(SYS_pidfd_open, o.pid, 0);
    if (pfd < 0) die("process %d: %s", (int)o.pid, strerror(errno));
    if (watch(&pid_watch, pfd) < 0) die("epoll: %s", strerror(errno));
  }
  if (o.exit_fd >= 0 && watch(&exit_watch, o.exit_fd) < 0) die("--exit-fd %d: %s", o.exit_fd, strerror(errno));
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGHUP);
  sigprocmask(SIG_BLOCK, &sigs, NULL);
  int sfd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
  if (sfd < 0 || watch(&sig_watch, sfd) < 0) die("signalfd: %s", strerror(errno));

  /* host-side sockets first: a busy port fails before the namespace work */
  start_forwards(&o);
  if (o.api_socket && api_init(&o, o.api_socket) < 0) exit(1);

  struct nschild child;
  if (nschild_start(&o, &child) < 0) {
    api_cleanup();
    exit(1);
  }
  if (sockreq_init(child.chan) < 0 || dns_init(&o) < 0 || sg_start(&o, child.tap, dns_frame) < 0) {
    errmsg("cannot start: %s", strerror(errno));
    kill(child.pid, SIGKILL);
    api_cleanup();
    exit(1);
  }
  /* after the namespace child: only this process may hold the pipe's
   * write end; before the sandbox: the watchdog stays in our user
   * namespace, the parent of the container's, to signal init there */
  if (o.stop_pidfd >= 0 && watchdog_start(o.stop_pidfd) < 0) {
    kill(child.pid, SIGKILL);
    api_cleanup();
    exit(1);
  }
  sandbox(&o);
  signal_ready(o.ready_fd);

  int status = 0;
  while (!loop_quitting(&status)) {
    int timeout = -1;
    sg_before_wait(&timeout);
    if (!loop_run_once(timeout)) {
      errmsg("epoll_wait: %s", strerror(errno));
      status = 1;
      break;
    }
    sg_after_wait();
  }
  api_cleanup();
  kill(child.pid, SIGKILL);
  waitpid(child.pid, NULL, 0);
  sg_stop();
  options_free(&o);
  return status;
}
