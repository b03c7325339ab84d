/* options.h: urun-slirp's command line. */
#ifndef URUN_SLIRP_OPTIONS_H
#define URUN_SLIRP_OPTIONS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <sys/types.h>

#include "util.h"

#define MAX_DNS_UPSTREAMS 3
/* IPv6: libslirp's usual prefix; the guest takes its address by SLAAC */
#define V6_PREFIX "fd00::"
#define V6_GATEWAY "fd00::2"
#define V6_DNS "fd00::3"

/* One -p forward: host address:port to the container's port. */
struct portspec {
  int proto; /* IPPROTO_TCP or IPPROTO_UDP */
  struct addr host;
  int guest_port;
};

struct options {
  pid_t pid;               /* target by pid, or 0 with netns_path */
  const char *netns_path;  /* --netns-type=path */
  const char *userns_path; /* --userns-path */
  const char *tapname;
  int mtu;
  /* the slirp network and the fixed addresses in it */
  struct in_addr net, mask, gateway, dns, guest;
  int prefix;
  bool ipv6;
  bool allow_host_loopback;
  bool disable_dns;
  bool have_outbound, have_outbound6;
  struct sockaddr_in outbound;
  struct sockaddr_in6 outbound6;
  const char *api_socket;
  int ready_fd, exit_fd;
  int stop_pidfd; /* --stop-pidfd: the watchdog's, or -1 */
  struct addr dns_upstream[MAX_DNS_UPSTREAMS];
  int n_dns_upstream;
  struct portspec *ports;
  size_t nports;
};

/* Parse argv; on bad input print one line and exit 1 (--help exits 0). */
void options_parse(struct options *o, int argc, char **argv);
void options_free(struct options *o);
/* "[HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|udp]"; NULL or a reason. */
const char *portspec_parse(const char *s, struct portspec *p);

#endif
