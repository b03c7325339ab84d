/* frame.c: headers of Ethernet frames carrying TCP (see frame.h). */
#include "frame.h"

#include <net/ethernet.h>
#include <netinet/in.h>
#include <stdbool.h>

size_t frame_tcp_at(const uint8_t *f, size_t len) {
  if (len < ETH_HLEN) return 0;
  uint16_t type = get16(f + 12);
  const uint8_t *ip = f + ETH_HLEN;
  size_t iplen = len - ETH_HLEN;
  size_t hl;
  if (type == ETHERTYPE_IP) {
    if (iplen < 20 || ip[0] >> 4 != 4) return 0;
    hl = (size_t)(ip[0] & 0xf) * 4;
    if (hl < 20 || ip[9] != IPPROTO_TCP || (get16(ip + 6) & 0x1fff)) return 0;
  } else if (type == ETHERTYPE_IPV6) {
    if (iplen < 40 || ip[0] >> 4 != 6 || ip[6] != IPPROTO_TCP) return 0;
    hl = 40;
  } else {
    return 0;
  }
  if (iplen < hl + 20) return 0;
  return ETH_HLEN + hl;
}

size_t frame_tcp_payload(const uint8_t *f, size_t len, size_t tcp) {
  const uint8_t *ip = f + ETH_HLEN;
  size_t end = ip[0] >> 4 == 4 ? ETH_HLEN + get16(ip + 2) : ETH_HLEN + 40 + get16(ip + 4);
  size_t data = tcp + (size_t)(f[tcp + 12] >> 4) * 4;
  if (end > len || data > end) return 0;
  return end - data;
}

static uint32_t sum_bytes(uint32_t sum, const uint8_t *p, size_t n) {
  for (size_t i = 0; i + 1 < n; i += 2) sum += get16(p + i);
  if (n & 1) sum += (uint32_t)p[n - 1] << 8;
  return sum;
}

static uint16_t fold(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

void frame_fill_checksums(uint8_t *f, size_t len, size_t tcp) {
  uint8_t *ip = f + ETH_HLEN;
  bool v4 = ip[0] >> 4 == 4;
  size_t seg = len - tcp;
  uint32_t sum = v4 ? sum_bytes(0, ip + 12, 8) : sum_bytes(0, ip + 8, 32);
  sum += IPPROTO_TCP + (uint32_t)seg;
  put16(f + tcp + 16, 0);
  put16(f + tcp + 16, fold(sum_bytes(sum, f + tcp, seg)));
  if (v4) {
    put16(ip + 10, 0);
    put16(ip + 10, fold(sum_bytes(0, ip, tcp - ETH_HLEN)));
  }
}
