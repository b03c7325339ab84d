/* dns.c: relay guest DNS queries to the upstream servers. */
#include "dns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/ethernet.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"
#include "slirp_glue.h"

#define MAX_QUERIES 256
#define QUERY_TIMEOUT_MS 2000

/* One query in flight: what is needed to answer the guest. */
struct query {
  struct handler h;
  int fd; /* connected to the current upstream; -1 when free */
  int upstream;
  int64_t deadline;
  int family;
  uint8_t guest_mac[6], our_mac[6];
  uint8_t guest_ip[16], our_ip[16];
  uint16_t guest_port;
  uint8_t *payload; /* kept for resending to the next upstream */
  size_t len;
};

static const struct options *opts;
static struct query queries[MAX_QUERIES];
static int sweep_fd = -1;
static struct handler sweep_handler;
static struct in6_addr dns6;

static void add_upstream(struct options *o, const char *host) {
  if (o->n_dns_upstream == MAX_DNS_UPSTREAMS) return;
  /* scoped link-local servers (fe80::1%eth0) do not parse: skipped */
  if (addr_parse(host, 53, &o->dns_upstream[o->n_dns_upstream])) o->n_dns_upstream++;
}

/* nameserver lines of FILE; true when it names the resolved stub. */
static bool read_resolv_conf(struct options *o, const char *file) {
  _cleanup_fclose_ FILE *f = fopen(file, "re");
  bool stub = false;
  char line[256];
  while (f && fgets(line, sizeof(line), f)) {
    char host[128];
    if (sscanf(line, " nameserver %127s", host) != 1) continue;
    if (!strcmp(host, "127.0.0.53") || !strcmp(host, "127.0.0.54")) stub = true;
    else add_upstream(o, host);
  }
  return stub;
}

void dns_find_upstreams(struct options *o) {
  if (o->n_dns_upstream || o->disable_dns) return;
  bool stub = read_resolv_conf(o, "/etc/resolv.conf");
  /* systemd-resolved's stub: ask its upstream servers directly; the stub
   * itself when that file is missing or names no other */
  if (stub && o->n_dns_upstream == 0) read_resolv_conf(o, "/run/systemd/resolve/resolv.conf");
  if (stub && o->n_dns_upstream == 0) add_upstream(o, "127.0.0.53");
}

void dns_resolv_conf(const struct options *o, char *buf, size_t size) {
  size_t used = 0;
  buf[0] = '\0';
  for (int i = 0; i < o->n_dns_upstream && used < size; i++) {
    char h[INET6_ADDRSTRLEN];
    int n = snprintf(buf + used, size - used, "nameserver %s\n", addr_host_str(&o->dns_upstream[i], h, sizeof(h)));
    if (n > 0) used += (size_t)n;
  }
}

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void query_free(struct query *q) {
  if (q->fd < 0) return;
  loop_del(q->fd);
  close(q->fd);
  q->fd = -1;
  free(q->payload);
  q->payload = NULL;
}

static uint32_t sum16(const void *data, size_t len, uint32_t sum) {
  const uint8_t *p = data;
  for (; len > 1; p += 2, len -= 2) sum += (uint32_t)p[0] << 8 | p[1];
  if (len) sum += (uint32_t)p[0] << 8;
  return sum;
}

static uint16_t fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

/* Frame the upstream's answer as coming from the DNS address, port 53. */
static void answer(struct query *q, const uint8_t *data, size_t len) {
  static uint8_t frame[14 + 40 + 8 + 65536];
  size_t iphl = q->family == AF_INET ? 20 : 40;
  size_t room = (size_t)opts->mtu - iphl - 8;
  uint8_t trunc[12];
  if (len > room) {
    /* too big for one packet: say "truncated" so the guest asks over TCP */
    if (len < 12) return;
    memcpy(trunc, data, 12);
    trunc[2] |= 0x02;
    memset(trunc + 4, 0, 8);
    data = trunc;
    len = 12;
  }
  struct ether_header *eth = (struct ether_header *)frame;
  memcpy(eth->ether_dhost, q->guest_mac, 6);
  memcpy(eth->ether_shost, q->our_mac, 6);
  eth->ether_type = htons(q->family == AF_INET ? ETHERTYPE_IP : ETHERTYPE_IPV6);
  uint8_t *ip = frame + 14;
  struct udphdr *udp = (struct udphdr *)(ip + iphl);
  udp->uh_sport = htons(53);
  udp->uh_dport = q->guest_port;
  udp->uh_ulen = htons((uint16_t)(8 + len));
  udp->uh_sum = 0;
  memcpy((uint8_t *)udp + 8, data, len);
  uint32_t pseudo;
  if (q->family == AF_INET) {
    struct iphdr *h = (struct iphdr *)ip;
    memset(h, 0, 20);
    h->version = 4;
    h->ihl = 5;
    h->tot_len = htons((uint16_t)(20 + 8 + len));
    h->frag_off = htons(IP_DF);
    h->ttl = 64;
    h->protocol = IPPROTO_UDP;
    memcpy(&h->saddr, q->our_ip, 4);
    memcpy(&h->daddr, q->guest_ip, 4);
    h->check = htons(fold(sum16(h, 20, 0)));
    pseudo = sum16(q->our_ip, 4, sum16(q->guest_ip, 4, 0));
  } else {
    struct ip6_hdr *h = (struct ip6_hdr *)ip;
    memset(h, 0, 40);
    h->ip6_flow = htonl(6u << 28);
    h->ip6_plen = htons((uint16_t)(8 + len));
    h->ip6_nxt = IPPROTO_UDP;
    h->ip6_hlim = 64;
    memcpy(&h->ip6_src, q->our_ip, 16);
    memcpy(&h->ip6_dst, q->guest_ip, 16);
    pseudo = sum16(q->our_ip, 16, sum16(q->guest_ip, 16, 0));
  }
  pseudo += IPPROTO_UDP + 8 + (uint32_t)len;
  uint16_t c = fold(sum16(udp, 8 + len, pseudo));
  udp->uh_sum = htons(c ? c : 0xffff);
  sg_tap_write(frame, 14 + iphl + 8 + len);
}

static void query_event(struct handler *h, uint32_t ev) {
  struct query *q = (struct query *)h;
  static uint8_t buf[65536];
  if (q->fd < 0) return;
  ssize_t n = recv(q->fd, buf, sizeof(buf), 0);
  if (n < 0 && errno == EAGAIN) return;
  /* a refused upstream: let the sweep try the next one */
  if (n < 0) {
    q->deadline = 0;
    return;
  }
  if (n >= 2 && q->len >= 2 && !memcmp(buf, q->payload, 2)) {
    answer(q, buf, (size_t)n);
    query_free(q);
  }
}

static int query_send(struct query *q) {
  const struct addr *up = &opts->dns_upstream[q->upstream];
  int fd = socket(up->ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (connect(fd, (const struct sockaddr *)&up->ss, up->len) < 0 || send(fd, q->payload, q->len, 0) < 0 ||
      loop_add(fd, EPOLLIN, &q->h) < 0) {
    close(fd);
    return -1;
  }
  q->fd = fd;
  q->deadline = now_ms() + QUERY_TIMEOUT_MS;
  return 0;
}

/* Once a second: unanswered queries move to the next upstream or go. */
static void sweep(struct handler *h, uint32_t ev) {
  uint64_t n;
  if (read(sweep_fd, &n, sizeof(n)) < 0) return;
  int64_t now = now_ms();
  for (int i = 0; i < MAX_QUERIES; i++) {
    struct query *q = &queries[i];
    if (q->fd < 0 || q->deadline > now) continue;
    loop_del(q->fd);
    close(q->fd);
    q->fd = -1;
    while (++q->upstream < opts->n_dns_upstream && query_send(q) < 0) {
    }
    if (q->fd < 0) {
      free(q->payload);
      q->payload = NULL;
    }
  }
}

int dns_init(const struct options *o) {
  opts = o;
  for (int i = 0; i < MAX_QUERIES; i++) {
    queries[i].fd = -1;
    queries[i].h.fn = query_event;
  }
  inet_pton(AF_INET6, V6_DNS, &dns6);
  sweep_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (sweep_fd < 0) return -1;
  struct itimerspec its = {.it_interval = {.tv_sec = 1}, .it_value = {.tv_sec = 1}};
  sweep_handler.fn = sweep;
  if (timerfd_settime(sweep_fd, 0, &its, NULL) < 0 || loop_add(sweep_fd, EPOLLIN, &sweep_handler) < 0) return -1;
  return 0;
}

int dns_frame(const uint8_t *frame, size_t len) {
  if (opts->disable_dns || len < 14) return 0;
  const struct ether_header *eth = (const struct ether_header *)frame;
  const uint8_t *ip = frame + 14;
  size_t iplen = len - 14, hl;
  int family;
  const uint8_t *src, *dst;
  if (eth->ether_type == htons(ETHERTYPE_IP)) {
    if (iplen < 20) return 0;
    const struct iphdr *h = (const struct iphdr *)ip;
    hl = h->ihl * 4u;
    /* fragments go to libslirp, which reassembles */
    if (h->version != 4 || hl < 20 || iplen < hl + 8 || h->protocol != IPPROTO_UDP ||
        (ntohs(h->frag_off) & (IP_MF | IP_OFFMASK)) || h->daddr != opts->dns.s_addr)
      return 0;
    if (ntohs(h->tot_len) < hl + 8 || ntohs(h->tot_len) > iplen) return 0;
    iplen = ntohs(h->tot_len);
    family = AF_INET;
    src = (const uint8_t *)&h->saddr;
    dst = (const uint8_t *)&h->daddr;
  } else if (eth->ether_type == htons(ETHERTYPE_IPV6) && opts->ipv6) {
    if (iplen < 48) return 0;
    const struct ip6_hdr *h = (const struct ip6_hdr *)ip;
    if (h->ip6_nxt != IPPROTO_UDP || memcmp(&h->ip6_dst, &dns6, 16)) return 0;
    hl = 40;
    if ((size_t)ntohs(h->ip6_plen) + 40 > iplen) return 0;
    iplen = (size_t)ntohs(h->ip6_plen) + 40;
    family = AF_INET6;
    src = (const uint8_t *)&h->ip6_src;
    dst = (const uint8_t *)&h->ip6_dst;
  } else {
    return 0;
  }
  const struct udphdr *udp = (const struct udphdr *)(ip + hl);
  if (udp->uh_dport != htons(53)) return 0;
  size_t ulen = ntohs(udp->uh_ulen);
  if (ulen < 8 + 12 || hl + ulen > iplen) return 1; /* not a DNS message: dropped */
  if (opts->n_dns_upstream == 0) return 1;
  struct query *q = NULL;
  for (int i = 0; i < MAX_QUERIES && !q; i++)
    if (queries[i].fd < 0) q = &queries[i];
  if (!q) return 1; /* too many in flight: the guest retries */
  size_t alen = family == AF_INET ? 4 : 16;
  q->family = family;
  memcpy(q->guest_mac, eth->ether_shost, 6);
  memcpy(q->our_mac, eth->ether_dhost, 6);
  memcpy(q->guest_ip, src, alen);
  memcpy(q->our_ip, dst, alen);
  q->guest_port = udp->uh_sport;
  q->len = ulen - 8;
  q->payload = malloc(q->len);
  if (!q->payload) return 1;
  memcpy(q->payload, (const uint8_t *)udp + 8, q->len);
  for (q->upstream = 0; q->upstream < opts->n_dns_upstream; q->upstream++)
    if (query_send(q) == 0) return 1;
  free(q->payload);
  q->payload = NULL;
  return 1;
}
