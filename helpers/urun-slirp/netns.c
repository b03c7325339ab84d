/* netns.c: join the container's namespaces, create and configure the tap. */
#define _GNU_SOURCE
#include "netns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "netlink.h"
#include "sandbox.h"
#include "sockreq.h"

static int open_ns(const char *path, const char *what) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) errmsg("%s %s: %s", what, path, strerror(errno));
  return fd;
}

/* Joining our own user namespace fails (EINVAL): skip it then. */
static bool same_ns(int fd, const char *self) {
  struct stat a, b;
  return fstat(fd, &a) == 0 && stat(self, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

static int write_sysctl(const char *path, const char *value) {
  _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
  return fd < 0 ? -1 : write_all(fd, value, strlen(value));
}

static int create_tap(const char *name, char *actual) {
  _cleanup_close_ int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    /* missing: most often a container urun runs in, which was not given it */
    errmsg("/dev/net/tun: %s%s", strerror(errno),
           errno == EACCES   ? " (it must be usable by the caller, mode 0666; run 'urun check')"
           : errno == ENOENT ? " (inside a container: start that container with --device /dev/net/tun; run 'urun check')"
                             : "");
    return -1;
  }
  struct ifreq ifr = {.ifr_flags = IFF_TAP | IFF_NO_PI};
  snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    errmsg("cannot create tap device %s: %s", name, strerror(errno));
    return -1;
  }
  snprintf(actual, IFNAMSIZ, "%s", ifr.ifr_name);
  return steal_fd(&fd);
}

/* Replies to sockets bound to a client's address (sockreq.c) carry
 * SOURCE_MARK: route them to the local stack, not out through the tap.
 * Accepted TCP sockets inherit the mark of the SYN (tcp_fwmark_accept). */
static bool setup_keep_source(int nl, int lo, bool ipv6) {
  static const struct in6_addr any6;
  static const struct in_addr any4;
  /* EEXIST: a helper ran here before; the rule and route outlive it */
  int rc = nl_rule_add_fwmark(nl, AF_INET, SOURCE_MARK, SOURCE_TABLE, SOURCE_RULE_PRIORITY);
  if (rc < 0 && rc != -EEXIST) return false;
  rc = nl_route_add(nl, AF_INET, SOURCE_TABLE, RTN_LOCAL, &any4, 0, NULL, lo);
  if ((rc < 0 && rc != -EEXIST) || write_sysctl("/proc/sys/net/ipv4/tcp_fwmark_accept", "1") < 0) return false;
  if (ipv6) {
    /* IPv6 is best effort: IPv4 sources are kept without it */
    rc = nl_rule_add_fwmark(nl, AF_INET6, SOURCE_MARK, SOURCE_TABLE, SOURCE_RULE_PRIORITY);
    if (rc == 0 || rc == -EEXIST) nl_route_add(nl, AF_INET6, SOURCE_TABLE, RTN_LOCAL, &any6, 0, NULL, lo);
  }
  return true;
}

static int configure(const struct options *o, const char *tap, bool *keep_source) {
  _cleanup_close_ int nl = nl_open();
  if (nl < 0) {
    errmsg("netlink: %s", strerror(-nl));
    return -1;
  }
  int lo = (int)if_nametoindex("lo"), ifi = (int)if_nametoindex(tap);
  char path[128];
  int rc;
  if (o->ipv6) {
    /* the address is usable at once, not after duplicate detection */
    snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/accept_dad", tap);
    write_sysctl(path, "0");
  }
  if ((rc = nl_link_set(nl, lo, true, 0)) < 0) {
    errmsg("cannot bring up lo: %s", strerror(-rc));
    return -1;
  }
  if ((rc = nl_link_set(nl, ifi, true, o->mtu)) < 0) {
    errmsg("cannot set %s up with MTU %d: %s", tap, o->mtu, strerror(-rc));
    return -1;
  }
  if ((rc = nl_addr_add(nl, ifi, AF_INET, &o->guest, o->prefix)) < 0) {
    errmsg("cannot add address to %s: %s", tap, strerror(-rc));
    return -1;
  }
  if ((rc = nl_route_add(nl, AF_INET, RT_TABLE_MAIN, RTN_UNICAST, NULL, 0, &o->gateway, ifi)) < 0) {
    errmsg("cannot add the default route: %s", strerror(-rc));
    return -1;
  }
  *keep_source = setup_keep_source(nl, lo, o->ipv6);
  return 0;
}

static int send_fd(int sock, int fd) {
  char byte = 1;
  char control[CMSG_SPACE(sizeof(int))];
  memset(control, 0, sizeof(control));
  struct iovec iov = {.iov_base = &byte, .iov_len = 1};
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof(control)};
  struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof(int));
  return sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

static int recv_fd(int sock) {
  char byte;
  char control[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {.iov_base = &byte, .iov_len = 1};
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof(control)};
  ssize_t n;
  do n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n <= 0) return -1;
  struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
  if (!c || c->cmsg_type != SCM_RIGHTS) return -1;
  int fd;
  memcpy(&fd, CMSG_DATA(c), sizeof(int));
  return fd;
}

static void child(const struct options *o, int userns, int netns, int sock, pid_t parent) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(1);
  signal(SIGPIPE, SIG_IGN);
  if (userns >= 0 && setns(userns, CLONE_NEWUSER) < 0) {
    errmsg("cannot join the user namespace: %s", strerror(errno));
    _exit(1);
  }
  if (setns(netns, CLONE_NEWNET) < 0) {
    errmsg("cannot join the network namespace: %s", strerror(errno));
    _exit(1);
  }
  close(userns);
  close(netns);
  char name[IFNAMSIZ];
  _cleanup_close_ int tap = create_tap(o->tapname, name);
  bool keep_source = false;
  if (tap < 0 || configure(o, name, &keep_source) < 0) _exit(1);
  if (send_fd(sock, tap) < 0) _exit(1);
  close(steal_fd(&tap));
  /* from now on: make sockets, nothing else */
  uint64_t keep = 1ULL << CAP_NET_ADMIN | 1ULL << CAP_NET_BIND_SERVICE;
  if (sandbox_mounts(false, NULL) < 0 || helper_drop_caps(keep) < 0 || sandbox_seccomp(PROFILE_NSCHILD) < 0) {
    errmsg("namespace side: cannot sandbox: %s", strerror(errno));
    _exit(1);
  }
  sockreq_serve(sock, keep_source);
}

int nschild_start(const struct options *o, struct nschild *c) {
  _cleanup_close_ int userns = -1, netns = -1;
  char path[64];
  if (o->pid) {
    snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)o->pid);
    if ((netns = open_ns(path, "network namespace")) < 0) return -1;
    snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)o->pid);
    if ((userns = open_ns(o->userns_path ? o->userns_path : path, "user namespace")) < 0) return -1;
  } else {
    if ((netns = open_ns(o->netns_path, "network namespace")) < 0) return -1;
    if (o->userns_path && (userns = open_ns(o->userns_path, "user namespace")) < 0) return -1;
  }
  if (userns >= 0 && same_ns(userns, "/proc/self/ns/user")) {
    close(userns);
    userns = -1;
  }
  int sp[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
    errmsg("socketpair: %s", strerror(errno));
    return -1;
  }
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    errmsg("fork: %s", strerror(errno));
    close(sp[0]);
    close(sp[1]);
    return -1;
  }
  if (pid == 0) {
    close(sp[0]);
    child(o, userns, netns, sp[1], parent);
    _exit(1);
  }
  close(sp[1]);
  int tap = recv_fd(sp[0]);
  if (tap < 0) {
    /* the child said why */
    close(sp[0]);
    waitpid(pid, NULL, 0);
    return -1;
  }
  fcntl(sp[0], F_SETFL, O_NONBLOCK);
  c->pid = pid;
  c->chan = sp[0];
  c->tap = tap;
  return 0;
}
