/* netlink.c: build rtnetlink requests by hand (no libmnl/libnl dependency:
 * five message kinds do not justify one). */
#include "netlink.h"

#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct req {
  struct nlmsghdr h;
  char buf[512];
};

int nl_open(void) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return -errno;
  struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
  if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
    int e = errno;
    close(fd);
    return -e;
  }
  return fd;
}

static void *tail(struct req *r) { return (char *)r + NLMSG_ALIGN(r->h.nlmsg_len); }

static void put_attr(struct req *r, int type, const void *data, size_t len) {
  struct rtattr *a = tail(r);
  a->rta_type = type;
  a->rta_len = RTA_LENGTH(len);
  memcpy(RTA_DATA(a), data, len);
  r->h.nlmsg_len = NLMSG_ALIGN(r->h.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

static void put_u32(struct req *r, int type, uint32_t v) { put_attr(r, type, &v, sizeof(v)); }

static void *start(struct req *r, int type, int flags, size_t hdrlen) {
  memset(r, 0, sizeof(*r));
  r->h.nlmsg_type = type;
  r->h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
  r->h.nlmsg_len = NLMSG_LENGTH(hdrlen);
  r->h.nlmsg_seq = 1;
  return NLMSG_DATA(&r->h);
}

/* Send one request and wait for its acknowledgement. */
static int transact(int fd, struct req *r) {
  if (send(fd, r, r->h.nlmsg_len, 0) < 0) return -errno;
  char buf[4096];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_type == NLMSG_ERROR) return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
    }
  }
}

static size_t addr_len(int family) { return family == AF_INET ? 4 : 16; }

int nl_link_set(int fd, int ifindex, bool up, int mtu) {
  struct req r;
  struct ifinfomsg *ifi = start(&r, RTM_NEWLINK, 0, sizeof(*ifi));
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = ifindex;
  ifi->ifi_change = IFF_UP;
  ifi->ifi_flags = up ? IFF_UP : 0;
  if (mtu > 0) put_u32(&r, IFLA_MTU, (uint32_t)mtu);
  return transact(fd, &r);
}

int nl_addr_add(int fd, int ifindex, int family, const void *addr, int prefix) {
  struct req r;
  struct ifaddrmsg *ifa = start(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, sizeof(*ifa));
  ifa->ifa_family = family;
  ifa->ifa_prefixlen = prefix;
  ifa->ifa_index = ifindex;
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  put_attr(&r, IFA_LOCAL, addr, addr_len(family));
  put_attr(&r, IFA_ADDRESS, addr, addr_len(family));
  return transact(fd, &r);
}

int nl_route_add(int fd, int family, uint32_t table, int type, const void *dst, int dst_len,
                 const void *gw, int oif) {
  struct req r;
  struct rtmsg *rt = start(&r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, sizeof(*rt));
  rt->rtm_family = family;
  rt->rtm_dst_len = dst_len;
  rt->rtm_table = table < 256 ? table : RT_TABLE_UNSPEC;
  rt->rtm_protocol = RTPROT_STATIC;
  rt->rtm_scope = type == RTN_LOCAL ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE;
  rt->rtm_type = type;
  put_u32(&r, RTA_TABLE, table);
  if (dst) put_attr(&r, RTA_DST, dst, addr_len(family));
  if (gw) put_attr(&r, RTA_GATEWAY, gw, addr_len(family));
  if (oif > 0) put_u32(&r, RTA_OIF, (uint32_t)oif);
  return transact(fd, &r);
}

int nl_rule_add_fwmark(int fd, int family, uint32_t mark, uint32_t table, uint32_t priority) {
  struct req r;
  struct fib_rule_hdr *fr = start(&r, RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, sizeof(*fr));
  fr->family = family;
  fr->action = FR_ACT_TO_TBL;
  fr->table = table < 256 ? table : RT_TABLE_UNSPEC;
  put_u32(&r, FRA_TABLE, table);
  put_u32(&r, FRA_FWMARK, mark);
  put_u32(&r, FRA_FWMASK, 0xffffffff);
  put_u32(&r, FRA_PRIORITY, priority);
  return transact(fd, &r);
}
