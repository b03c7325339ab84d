/* tools.c: the test program's host-side and protocol helpers: the other end
 * of the sockets urun talks to (console socket, seccomp listener,
 * NOTIFY_SOCKET), so tests need nothing beyond busybox and this program. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "tools.h"

static int unix_socket(int type, const char *path, struct sockaddr_un *addr) {
  memset(addr, 0, sizeof(*addr));
  addr->sun_family = AF_UNIX;
  if (strlen(path) >= sizeof(addr->sun_path)) {
    fprintf(stderr, "testprog: %s: path too long\n", path);
    return -1;
  }
  strcpy(addr->sun_path, path);
  int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
  if (fd < 0) perror("testprog: socket");
  return fd;
}

/* Bind and listen at PATH, accept one connection. */
static int accept_one(const char *path) {
  struct sockaddr_un addr;
  int l = unix_socket(SOCK_STREAM, path, &addr);
  if (l < 0) return -1;
  if (bind(l, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(l, 1) < 0) {
    perror("testprog: bind");
    return -1;
  }
  int c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
  close(l);
  if (c < 0) perror("testprog: accept");
  return c;
}

/* One message with its SCM_RIGHTS fds: returns the data length, fills fds. */
static ssize_t recv_with_fds(int sock, char *buf, size_t len, int *fds, int max_fds, int *nfds) {
  char control[CMSG_SPACE(sizeof(int) * 8)];
  struct iovec iov = {.iov_base = buf, .iov_len = len};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof(control)};
  ssize_t n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  *nfds = 0;
  if (n < 0) return -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    int count = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
    for (int i = 0; i < count; i++) {
      int fd;
      memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      if (*nfds < max_fds) fds[(*nfds)++] = fd;
      else close(fd);
    }
  }
  return n;
}

/* console-recv PATH OUT: take the pty master from a --console-socket
 * connection, write "fds N" then everything read from it to OUT. */
static int console_recv(const char *path, const char *out) {
  int c = accept_one(path);
  if (c < 0) return 1;
  char buf[4096];
  int fds[8], nfds;
  if (recv_with_fds(c, buf, sizeof(buf), fds, 8, &nfds) < 0) {
    perror("testprog: recvmsg");
    return 1;
  }
  FILE *f = fopen(out, "we");
  if (!f) return 1;
  fprintf(f, "fds %d\n", nfds);
  fflush(f);
  if (nfds < 1) return fclose(f), 1;
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof(buf))) > 0) {
    fwrite(buf, 1, (size_t)n, f);
    fflush(f);
  }
  return fclose(f) ? 1 : 0;
}

/* seccomp-agent PATH OUT: receive the container process state and the
 * listener fd, write the state and one "syscall NR" line per notification
 * to OUT, and answer each with success (0) without running it. */
static int seccomp_agent(const char *path, const char *out) {
  int c = accept_one(path);
  if (c < 0) return 1;
  static char buf[65536];
  int fds[8], nfds;
  ssize_t n = recv_with_fds(c, buf, sizeof(buf) - 1, fds, 8, &nfds);
  if (n < 0) {
    perror("testprog: recvmsg");
    return 1;
  }
  buf[n] = '\0';
  FILE *f = fopen(out, "we");
  if (!f) return 1;
  fprintf(f, "%s\nfds %d\n", buf, nfds);
  fflush(f);
  if (nfds != 1) return fclose(f), 1;
  for (;;) {
    struct pollfd p = {.fd = fds[0], .events = POLLIN};
    if (poll(&p, 1, -1) < 0 && errno != EINTR) break;
    if (p.revents & POLLHUP) break; /* every filtered process is gone */
    struct seccomp_notif req;
    memset(&req, 0, sizeof(req));
    if (ioctl(fds[0], SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
      if (errno == EINTR || errno == ENOENT) continue;
      break;
    }
    fprintf(f, "syscall %d\n", req.data.nr);
    fflush(f);
    struct seccomp_notif_resp resp = {.id = req.id, .val = 0, .error = 0, .flags = 0};
    ioctl(fds[0], SECCOMP_IOCTL_NOTIF_SEND, &resp);
  }
  return fclose(f) ? 1 : 0;
}

/* dgram-recv PATH [N]: bind a datagram socket, print the first N messages
 * (default 1), one per line. */
static int dgram_recv(const char *path, int count) {
  struct sockaddr_un addr;
  int s = unix_socket(SOCK_DGRAM, path, &addr);
  if (s < 0) return 1;
  if (bind(s, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
    perror("testprog: bind");
    return 1;
  }
  for (int i = 0; i < count; i++) {
    char buf[4096];
    ssize_t n = recv(s, buf, sizeof(buf) - 1, 0);
    if (n < 0) return 1;
    buf[n] = '\0';
    printf("%s\n", buf);
    fflush(stdout);
  }
  return 0;
}

/* sd-notify TEXT: what sd_notify(3) does, to $NOTIFY_SOCKET. */
static int sd_notify_send(const char *text) {
  const char *path = getenv("NOTIFY_SOCKET");
  if (!path) {
    fprintf(stderr, "testprog: NOTIFY_SOCKET is not set\n");
    return 1;
  }
  struct sockaddr_un addr;
  int s = unix_socket(SOCK_DGRAM, path, &addr);
  if (s < 0) return 1;
  if (sendto(s, text, strlen(text), 0, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
    fprintf(stderr, "testprog: send to %s: %s\n", path, strerror(errno));
    return 1;
  }
  return 0;
}

/* try-syscalls: a few syscalls a seccomp profile tells apart, one
 * "name=ok|ERRNO" word each, e.g. "unshare=EPERM". */
static void report(const char *name, long r) {
  int err = errno;
  const char *what = r >= 0 ? "ok" : err == EPERM ? "EPERM" : err == ENOSYS ? "ENOSYS" : err == EINVAL ? "EINVAL" : "other";
  printf("%s=%s ", name, what);
}

static int try_syscalls(void) {
  report("getpid", syscall(SYS_getpid));
  report("unshare", syscall(SYS_unshare, 0));
  report("keyctl", syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* session */, 0));
  report("personality", syscall(SYS_personality, 0xffffffffUL));
  report("clone3", syscall(SYS_clone3, NULL, 0));
  long fd = syscall(SYS_socket, 40 /* AF_VSOCK */, SOCK_STREAM, 0);
  if (fd < 0 && errno != EPERM) fd = 0; /* no vsock here: only EPERM is the filter */
  report("vsock", fd);
  printf("\n");
  return 0;
}

/* alloc MIB: take and touch MIB MiB, one at a time, saying how far it got
 * (a memory limit's OOM kill stops it part way), then exit 0. */
static int alloc(long mib) {
  for (long i = 0; i < mib; i++) {
    char *p = malloc(1 << 20);
    if (!p) {
      printf("malloc failed at %ld MiB\n", i);
      return 1;
    }
    memset(p, 1, 1 << 20);
    if (i % 16 == 0) printf("allocated %ld MiB\n", i);
  }
  printf("allocated all %ld MiB\n", mib);
  return 0;
}

/* forks N SECS: fork N children that sleep SECS, print how many forks
 * succeeded (a pids limit stops them), then sleep SECS too. */
static int forks(long n, unsigned secs) {
  long ok = 0;
  for (long i = 0; i < n; i++) {
    pid_t p = fork();
    if (p == 0) {
      sleep(secs);
      _exit(0);
    }
    if (p > 0) ok++;
  }
  printf("forked %ld of %ld\n", ok, n);
  sleep(secs);
  return 0;
}

/* sched-info: what the process settings left: "policy P nice N ioprio C/L
 * mempolicy M nodes 0xMASK cpus 0xMASK prio R" (R: the real-time priority). */
static int sched_info(void) {
  int policy = (int)syscall(SYS_sched_getscheduler, 0);
  errno = 0;
  int nice = getpriority(PRIO_PROCESS, 0);
  long io = syscall(SYS_ioprio_get, 1, 0);
  int mpol = -1;
  unsigned long nodes[16] = {0};
  syscall(SYS_get_mempolicy, &mpol, nodes, sizeof(nodes) * 8, NULL, 0);
  unsigned long cpus[16] = {0};
  syscall(SYS_sched_getaffinity, 0, sizeof(cpus), cpus);
  int prio[8] = {0}; /* struct sched_param, with room */
  syscall(SYS_sched_getparam, 0, prio);
  printf("policy %d nice %d ioprio %ld/%ld mempolicy %d nodes %#lx cpus %#lx prio %d\n", policy, nice, io >> 13, io & 7,
         mpol, nodes[0], cpus[0], prio[0]);
  return 0;
}

int tool_main(const char *mode, int argc, char **argv) {
  if (!strcmp(mode, "sched-info")) return sched_info();
  if (!strcmp(mode, "forks") && argc > 3) return forks(atol(argv[2]), (unsigned)atoi(argv[3]));
  if (!strcmp(mode, "alloc") && argc > 2) return alloc(atol(argv[2]));
  if (!strcmp(mode, "try-syscalls")) return try_syscalls();
  if (!strcmp(mode, "console-recv") && argc > 3) return console_recv(argv[2], argv[3]);
  if (!strcmp(mode, "seccomp-agent") && argc > 3) return seccomp_agent(argv[2], argv[3]);
  if (!strcmp(mode, "dgram-recv") && argc > 2) return dgram_recv(argv[2], argc > 3 ? atoi(argv[3]) : 1);
  if (!strcmp(mode, "sd-notify") && argc > 2) return sd_notify_send(argv[2]);
  return attack_main(mode, argc, argv);
}
