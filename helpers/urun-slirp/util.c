/* util.c: address parsing and formatting. */
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool addr_parse(const char *host, int port, struct addr *out) {
  memset(out, 0, sizeof(*out));
  char buf[INET6_ADDRSTRLEN + 2];
  size_t n = strlen(host);
  if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
    if (n - 2 >= sizeof(buf)) return false;
    memcpy(buf, host + 1, n - 2);
    buf[n - 2] = '\0';
    host = buf;
  }
  struct sockaddr_in *in = (struct sockaddr_in *)&out->ss;
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&out->ss;
  if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    out->len = sizeof(*in);
    return true;
  }
  if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    out->len = sizeof(*in6);
    return true;
  }
  return false;
}

const char *addr_host_str(const struct addr *a, char *buf, size_t size) {
  const void *p = a->ss.ss_family == AF_INET ? (const void *)&((const struct sockaddr_in *)&a->ss)->sin_addr
                                             : (const void *)&((const struct sockaddr_in6 *)&a->ss)->sin6_addr;
  if (!inet_ntop(a->ss.ss_family, p, buf, size)) snprintf(buf, size, "?");
  return buf;
}

int addr_port(const struct addr *a) {
  return ntohs(a->ss.ss_family == AF_INET ? ((const struct sockaddr_in *)&a->ss)->sin_port
                                          : ((const struct sockaddr_in6 *)&a->ss)->sin6_port);
}

void addr_set_port(struct addr *a, int port) {
  if (a->ss.ss_family == AF_INET) ((struct sockaddr_in *)&a->ss)->sin_port = htons(port);
  else ((struct sockaddr_in6 *)&a->ss)->sin6_port = htons(port);
}

int addr_family(const struct addr *a) { return a->ss.ss_family; }

void addr_unmap_v4(struct addr *a) {
  if (a->ss.ss_family != AF_INET6) return;
  struct sockaddr_in6 in6 = *(struct sockaddr_in6 *)&a->ss;
  if (!IN6_IS_ADDR_V4MAPPED(&in6.sin6_addr)) return;
  struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = in6.sin6_port};
  memcpy(&in.sin_addr, &in6.sin6_addr.s6_addr[12], 4);
  memset(&a->ss, 0, sizeof(a->ss));
  memcpy(&a->ss, &in, sizeof(in));
  a->len = sizeof(in);
}

bool addr_is_loopback(const struct addr *a) {
  if (a->ss.ss_family == AF_INET)
    return (ntohl(((const struct sockaddr_in *)&a->ss)->sin_addr.s_addr) >> 24) == 127;
  return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)&a->ss)->sin6_addr);
}

int parse_port(const char *s) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < 1 || v > 65535) return -1;
  return (int)v;
}
