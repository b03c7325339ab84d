/* options.c: parse urun-slirp's command line (slirp4netns-compatible names). */
#include "options.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
  OPT_CIDR = 256,
  OPT_DISABLE_HOST_LOOPBACK,
  OPT_ALLOW_HOST_LOOPBACK,
  OPT_DISABLE_DNS,
  OPT_OUTBOUND,
  OPT_OUTBOUND6,
  OPT_USERNS_PATH,
  OPT_NETNS_TYPE,
  OPT_DNS_UPSTREAM,
  OPT_DISABLE_IPV6,
  OPT_STOP_PIDFD,
  OPT_NOOP,
};

static const struct option longopts[] = {
    {"help", no_argument, NULL, 'h'},
    {"configure", no_argument, NULL, 'c'},
    {"mtu", required_argument, NULL, 'm'},
    {"cidr", required_argument, NULL, OPT_CIDR},
    {"enable-ipv6", no_argument, NULL, '6'},
    {"disable-ipv6", no_argument, NULL, OPT_DISABLE_IPV6},
    {"disable-host-loopback", no_argument, NULL, OPT_DISABLE_HOST_LOOPBACK},
    {"allow-host-loopback", no_argument, NULL, OPT_ALLOW_HOST_LOOPBACK},
    {"disable-dns", no_argument, NULL, OPT_DISABLE_DNS},
    {"outbound-addr", required_argument, NULL, OPT_OUTBOUND},
    {"outbound-addr6", required_argument, NULL, OPT_OUTBOUND6},
    {"api-socket", required_argument, NULL, 'a'},
    {"ready-fd", required_argument, NULL, 'r'},
    {"exit-fd", required_argument, NULL, 'e'},
    {"stop-pidfd", required_argument, NULL, OPT_STOP_PIDFD},
    {"userns-path", required_argument, NULL, OPT_USERNS_PATH},
    {"netns-type", required_argument, NULL, OPT_NETNS_TYPE},
    {"dns-upstream", required_argument, NULL, OPT_DNS_UPSTREAM},
    {"publish", required_argument, NULL, 'p'},
    /* slirp4netns switches that are always on here */
    {"enable-sandbox", no_argument, NULL, OPT_NOOP},
    {"enable-seccomp", no_argument, NULL, OPT_NOOP},
    {0, 0, 0, 0},
};

static void usage(void) {
  printf("Usage: " PROG " [OPTIONS] PID|PATH [TAPNAME]\n"
         "Give the network namespace of process PID (or at PATH with --netns-type=path)\n"
         "a tap device (default tap0) connected to the host through libslirp.\n\n"
         "  -m, --mtu N               MTU (576..65520, default 65520)\n"
         "      --cidr A.B.C.D/N      network (default 10.0.2.0/24: gateway .2, DNS .3, container .100)\n"
         "  -6, --enable-ipv6         IPv6 fd00::/64 by SLAAC (default)\n"
         "      --disable-ipv6        no IPv6\n"
         "      --allow-host-loopback the gateway address reaches the host's 127.0.0.1\n"
         "      --disable-host-loopback  it does not (default)\n"
         "      --disable-dns         no DNS server at .3\n"
         "      --dns-upstream A[:P]  forward DNS there instead of resolv.conf's servers (repeatable)\n"
         "      --outbound-addr A|IF  source address of outbound IPv4 connections (or IF's)\n"
         "      --outbound-addr6 A|IF source address of outbound IPv6 connections (or IF's)\n"
         "  -p, --publish [HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|udp]  forward a port (repeatable)\n"
         "  -a, --api-socket PATH     JSON API on a unix socket (add/list/remove_hostfwd)\n"
         "  -r, --ready-fd N          write \"1\" to fd N once the network is up\n"
         "  -e, --exit-fd N           exit when fd N is closed or readable\n"
         "      --stop-pidfd N        fd N is a pidfd of the container's init: exit when it exits, and\n"
         "                            kill it (SIGKILL) should the helper be killed\n"
         "      --netns-type=pid|path the first argument is a pid (default) or a netns path\n"
         "      --userns-path PATH    user namespace to join before the network namespace\n");
}

/* A number for an option: whole string, within range, else exit. */
static long number(const char *opt, const char *s, long min, long max, const char *expect) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < min || v > max) die("%s: expected %s, got '%s'", opt, expect, s);
  return v;
}

static void parse_cidr(struct options *o, const char *s) {
  static const char expect[] = "--cidr: expected an IPv4 network like 10.0.2.0/24 (prefix 8..25), got '%s'";
  char buf[32];
  const char *slash = strchr(s, '/');
  if (!slash || (size_t)(slash - s) >= sizeof(buf)) die(expect, s);
  memcpy(buf, s, slash - s);
  buf[slash - s] = '\0';
  char *end;
  errno = 0;
  long prefix = strtol(slash + 1, &end, 10);
  if (errno || end == slash + 1 || *end || prefix < 8 || prefix > 25) die(expect, s);
  struct in_addr net;
  if (inet_pton(AF_INET, buf, &net) != 1) die(expect, s);
  uint32_t mask = prefix ? 0xffffffffu << (32 - prefix) : 0;
  if (ntohl(net.s_addr) & ~mask) die("--cidr: %s has host bits set", s);
  o->net = net;
  o->prefix = (int)prefix;
  o->mask.s_addr = htonl(mask);
}

/* The address of interface NAME in FAMILY (IPv6: a global one before a
 * link-local one); false when it has none. Read now, before the sandbox
 * takes netlink away. */
static bool interface_addr(const char *name, int family, void *out) {
  struct ifaddrs *list;
  if (getifaddrs(&list) < 0) die("getifaddrs: %s", strerror(errno));
  bool found = false;
  for (struct ifaddrs *i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != family || strcmp(i->ifa_name, name)) continue;
    if (family == AF_INET) {
      ((struct sockaddr_in *)out)->sin_addr = ((struct sockaddr_in *)i->ifa_addr)->sin_addr;
      found = true;
      break;
    }
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)i->ifa_addr;
    bool link_local = IN6_IS_ADDR_LINKLOCAL(&a->sin6_addr);
    if (found && link_local) continue;
    struct sockaddr_in6 *o = out;
    o->sin6_addr = a->sin6_addr;
    /* a link-local source only works on its own link */
    o->sin6_scope_id = link_local ? a->sin6_scope_id : 0;
    found = true;
    if (!link_local) break;
  }
  freeifaddrs(list);
  return found;
}

static bool is_interface(const char *name) {
  struct if_nameindex *list = if_nameindex();
  if (!list) die("if_nameindex: %s", strerror(errno));
  bool found = false;
  for (struct if_nameindex *i = list; i->if_index && !found; i++) found = !strcmp(i->if_name, name);
  if_freenameindex(list);
  return found;
}

/* An address, or an interface name standing for its address (as slirp4netns). */
static void parse_outbound(struct options *o, const char *s, bool v6) {
  const char *opt = v6 ? "--outbound-addr6" : "--outbound-addr", *fam = v6 ? "IPv6" : "IPv4";
  int family = v6 ? AF_INET6 : AF_INET;
  void *sa = v6 ? (void *)&o->outbound6 : (void *)&o->outbound;
  memset(sa, 0, v6 ? sizeof(o->outbound6) : sizeof(o->outbound));
  void *bin = v6 ? (void *)&o->outbound6.sin6_addr : (void *)&o->outbound.sin_addr;
  if (inet_pton(family, s, bin) != 1) {
    if (strlen(s) >= IF_NAMESIZE || !is_interface(s))
      die("%s: expected an %s address or an interface name, got '%s'", opt, fam, s);
    if (!interface_addr(s, family, sa)) die("%s: interface %s has no %s address", opt, s, fam);
  }
  ((struct sockaddr *)sa)->sa_family = (sa_family_t)family;
  if (v6) o->have_outbound6 = true;
  else o->have_outbound = true;
}

/* ADDR, ADDR:PORT, [V6ADDR] or [V6ADDR]:PORT; port 53 by default. */
static void parse_dns_upstream(struct options *o, const char *s) {
  if (o->n_dns_upstream == MAX_DNS_UPSTREAMS) die("--dns-upstream: at most %d servers", MAX_DNS_UPSTREAMS);
  char host[64];
  int port = 53;
  const char *colon = strrchr(s, ':');
  const char *close = strchr(s, ']');
  bool has_port = colon && (s[0] == '[' ? close && colon > close : strchr(s, ':') == colon);
  size_t hl = has_port ? (size_t)(colon - s) : strlen(s);
  if (hl >= sizeof(host)) die("--dns-upstream: expected ADDR[:PORT], got '%s'", s);
  memcpy(host, s, hl);
  host[hl] = '\0';
  if (has_port && (port = parse_port(colon + 1)) < 0) die("--dns-upstream: bad port in '%s'", s);
  if (!addr_parse(host, port, &o->dns_upstream[o->n_dns_upstream]))
    die("--dns-upstream: expected a numeric ADDR[:PORT], got '%s'", s);
  o->n_dns_upstream++;
}

const char *portspec_parse(const char *s, struct portspec *p) {
  char buf[128];
  if (strlen(s) >= sizeof(buf)) return "too long";
  strcpy(buf, s);
  p->proto = IPPROTO_TCP;
  char *slash = strchr(buf, '/');
  if (slash) {
    *slash = '\0';
    if (!strcmp(slash + 1, "udp")) p->proto = IPPROTO_UDP;
    else if (strcmp(slash + 1, "tcp")) return "protocol must be tcp or udp";
  }
  char *last = strrchr(buf, ':');
  if (!last) return "expected [HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|udp]";
  *last = '\0';
  if ((p->guest_port = parse_port(last + 1)) < 0) return "container port must be 1..65535";
  const char *hostip = "0.0.0.0", *hostport = buf;
  char *sep = strrchr(buf, ':');
  /* an IPv6 host address needs brackets: [::1]:8080:80 */
  if (sep && (buf[0] != '[' || sep > strchr(buf, ']'))) {
    *sep = '\0';
    hostip = buf;
    hostport = sep + 1;
  } else if (buf[0] == '[') {
    return "expected [HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|udp]";
  }
  int port = parse_port(hostport);
  if (port < 0) return "host port must be 1..65535";
  if (!addr_parse(hostip, port, &p->host)) return "host address must be a numeric IPv4 or [IPv6] address";
  return NULL;
}

static void add_port(struct options *o, const char *s) {
  struct portspec p;
  const char *why = portspec_parse(s, &p);
  if (why) die("-p %s: %s", s, why);
  struct portspec *n = realloc(o->ports, (o->nports + 1) * sizeof(*n));
  if (!n) die("out of memory");
  o->ports = n;
  o->ports[o->nports++] = p;
}

static uint32_t host_part(const struct options *o, uint32_t n) { return htonl(ntohl(o->net.s_addr) | n); }

void options_parse(struct options *o, int argc, char **argv) {
  memset(o, 0, sizeof(*o));
  o->mtu = 65520;
  o->ipv6 = true;
  o->ready_fd = o->exit_fd = o->stop_pidfd = -1;
  o->tapname = "tap0";
  parse_cidr(o, "10.0.2.0/24");
  bool by_path = false;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "+:hcm:6a:r:e:p:", longopts, NULL)) != -1) {
    switch (c) {
    case 'h': usage(); exit(0);
    case 'c': case OPT_NOOP: break; /* always configured and sandboxed */
    case 'm': o->mtu = (int)number("--mtu", optarg, 576, 65520, "576..65520"); break;
    case OPT_CIDR: parse_cidr(o, optarg); break;
    case '6': o->ipv6 = true; break;
    case OPT_DISABLE_IPV6: o->ipv6 = false; break;
    case OPT_DISABLE_HOST_LOOPBACK: o->allow_host_loopback = false; break;
    case OPT_ALLOW_HOST_LOOPBACK: o->allow_host_loopback = true; break;
    case OPT_DISABLE_DNS: o->disable_dns = true; break;
    case OPT_OUTBOUND: parse_outbound(o, optarg, false); break;
    case OPT_OUTBOUND6: parse_outbound(o, optarg, true); break;
    case 'a': o->api_socket = optarg; break;
    case 'r': o->ready_fd = (int)number("--ready-fd", optarg, 0, 1 << 20, "a file descriptor number"); break;
    case 'e': o->exit_fd = (int)number("--exit-fd", optarg, 0, 1 << 20, "a file descriptor number"); break;
    case OPT_STOP_PIDFD:
      o->stop_pidfd = (int)number("--stop-pidfd", optarg, 0, 1 << 20, "a file descriptor number");
      break;
    case OPT_USERNS_PATH: o->userns_path = optarg; break;
    case OPT_NETNS_TYPE:
      if (!strcmp(optarg, "path")) by_path = true;
      else if (!strcmp(optarg, "pid")) by_path = false;
      else die("--netns-type: expected pid or path, got '%s'", optarg);
      break;
    case OPT_DNS_UPSTREAM: parse_dns_upstream(o, optarg); break;
    case 'p': add_port(o, optarg); break;
    case ':': die("%s: missing argument", argv[optind - 1]);
    default:
      if (optopt && optopt < 256 && optopt != '?') die("unknown option -%c (see --help)", optopt);
      die("unknown option %s (see --help)", argv[optind - 1]);
    }
  }
  int rest = argc - optind;
  if (rest < 1 || rest > 2) die("expected PID|PATH [TAPNAME] (see --help)");
  const char *target = argv[optind];
  if (rest == 2) o->tapname = argv[optind + 1];
  if (!*o->tapname || strlen(o->tapname) >= 16 || strchr(o->tapname, '/'))
    die("TAPNAME: expected an interface name of 1..15 characters, got '%s'", o->tapname);
  if (by_path) {
    o->netns_path = target;
  } else {
    o->pid = (pid_t)number("PID", target, 1, 1 << 30, "a process id (or use --netns-type=path)");
  }
  if (o->stop_pidfd >= 0 && o->stop_pidfd == o->ready_fd) die("--stop-pidfd and --ready-fd must differ");
  if (o->exit_fd < 0) o->exit_fd = o->stop_pidfd; /* init's end ends the helper too */
  if (o->exit_fd >= 0 && o->exit_fd == o->ready_fd) die("--exit-fd and --ready-fd must differ");
  /* IPv6 needs 1280; below that the container gets IPv4 only */
  if (o->mtu < 1280) o->ipv6 = false;
  o->gateway.s_addr = host_part(o, 2);
  o->dns.s_addr = host_part(o, 3);
  o->guest.s_addr = host_part(o, 100);
}

void options_free(struct options *o) {
  free(o->ports);
  o->ports = NULL;
}
