/* netlink.h: the few rtnetlink requests that configure the container side. */
#ifndef URUN_SLIRP_NETLINK_H
#define URUN_SLIRP_NETLINK_H

#include <stdbool.h>
#include <stdint.h>

/* Each returns 0 or -errno; fd is a NETLINK_ROUTE socket from nl_open(). */
int nl_open(void);
int nl_link_set(int fd, int ifindex, bool up, int mtu);
int nl_addr_add(int fd, int ifindex, int family, const void *addr, int prefix);
/* A route: TYPE is RTN_UNICAST or RTN_LOCAL; GW and DST may be NULL. */
int nl_route_add(int fd, int family, uint32_t table, int type, const void *dst, int dst_len,
                 const void *gw, int oif);
/* Policy rule: packets carrying MARK use TABLE. */
int nl_rule_add_fwmark(int fd, int family, uint32_t mark, uint32_t table, uint32_t priority);

#endif
