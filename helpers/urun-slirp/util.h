/* util.h: shared helpers of urun-slirp: errors, cleanup, addresses. */
#ifndef URUN_SLIRP_UTIL_H
#define URUN_SLIRP_UTIL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "cleanup.h"
#include "helper_util.h"

#define PROG "urun-slirp"

/* An address with its length, as bind/connect take it. */
struct addr {
  struct sockaddr_storage ss;
  socklen_t len;
};

/* Parse a numeric IPv4/IPv6 address (brackets allowed for IPv6) and port. */
bool addr_parse(const char *host, int port, struct addr *out);
/* Address text without port ("10.0.2.100", "::1"). */
const char *addr_host_str(const struct addr *a, char *buf, size_t size);
int addr_port(const struct addr *a);
void addr_set_port(struct addr *a, int port);
int addr_family(const struct addr *a);
/* ::ffff:a.b.c.d becomes a.b.c.d: dual-stack listeners report those. */
void addr_unmap_v4(struct addr *a);
bool addr_is_loopback(const struct addr *a);

/* Port text to number: 1..65535 or -1. */
int parse_port(const char *s);

#endif
