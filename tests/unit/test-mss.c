/* test-mss.c: urun-slirp's MSS clamping of TCP SYNs, checked against a
 * checksum computed from scratch. */
#include <arpa/inet.h>
#include <stdint.h>

#include "../../helpers/urun-slirp/mss_clamp.h"
#include "unit.h"

static uint32_t add_bytes(uint32_t sum, const uint8_t *p, size_t n) {
  for (size_t i = 0; i + 1 < n; i += 2) sum += (uint32_t)(p[i] << 8 | p[i + 1]);
  if (n & 1) sum += (uint32_t)p[n - 1] << 8;
  return sum;
}

/* The TCP checksum over the pseudo-header and segment: 0 when valid. */
static uint16_t tcp_sum(const uint8_t *f, size_t len, bool v6) {
  const uint8_t *ip = f + 14;
  size_t hl = v6 ? 40 : (size_t)(ip[0] & 0xf) * 4;
  size_t tl = len - 14 - hl;
  uint32_t sum = v6 ? add_bytes(0, ip + 8, 32) : add_bytes(0, ip + 12, 8);
  sum += IPPROTO_TCP + (uint32_t)tl;
  sum = add_bytes(sum, ip + hl, tl);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

/* A SYN with options OPT (padded to 4 bytes by the caller), checksum set. */
static size_t make_syn(uint8_t *f, bool v6, const uint8_t *opt, size_t optlen, uint8_t flags) {
  memset(f, 0, 128);
  f[12] = v6 ? 0x86 : 0x08;
  f[13] = v6 ? 0xdd : 0x00;
  uint8_t *ip = f + 14;
  size_t hl = v6 ? 40 : 20, tl = 20 + optlen;
  if (v6) {
    ip[0] = 0x60;
    ip[4] = 0;
    ip[5] = (uint8_t)tl;
    ip[6] = IPPROTO_TCP;
    ip[23] = 1;
    ip[39] = 2;
  } else {
    ip[0] = 0x45;
    ip[3] = (uint8_t)(hl + tl);
    ip[9] = IPPROTO_TCP;
    memcpy(ip + 12, "\x0a\x00\x02\x64\x0a\x00\x02\x02", 8);
  }
  uint8_t *t = ip + hl;
  t[0] = 0x9c; t[1] = 0x40; t[2] = 0x00; t[3] = 0x50;
  t[12] = (uint8_t)((5 + optlen / 4) << 4);
  t[13] = flags;
  t[14] = 0xff; t[15] = 0xff;
  memcpy(t + 20, opt, optlen);
  size_t len = 14 + hl + tl;
  uint16_t c = tcp_sum(f, len, v6);
  t[16] = (uint8_t)(c >> 8);
  t[17] = (uint8_t)c;
  return len;
}

static uint16_t mss_of(const uint8_t *f, size_t at) { return (uint16_t)(f[at] << 8 | f[at + 1]); }

static void test_clamp(void) {
  uint8_t f[128];
  /* MSS first (even offset), then SACK-permitted and window scale */
  static const uint8_t even[] = {2, 4, 0xff, 0xc8, 4, 2, 1, 3, 3, 7, 0, 0};
  /* one NOP first: the MSS value sits at an odd offset */
  static const uint8_t odd[] = {1, 2, 4, 0xff, 0xc8, 1, 1, 0};
  for (int v6 = 0; v6 <= 1; v6++) {
    size_t tcp = 14 + (v6 ? 40 : 20);
    size_t len = make_syn(f, v6, even, sizeof(even), 0x02);
    CHECK(tcp_sum(f, len, v6) == 0);
    CHECK(mss_clamp_wanted(f, len, 21800));
    CHECK(mss_clamp(f, len, 21800));
    CHECK(mss_of(f, tcp + 22) == 21800);
    CHECK(tcp_sum(f, len, v6) == 0);
    CHECK(!mss_clamp_wanted(f, len, 21800));
    CHECK(!mss_clamp(f, len, 21800));

    len = make_syn(f, v6, odd, sizeof(odd), 0x12); /* SYN-ACK */
    CHECK(mss_clamp(f, len, 1000));
    CHECK(mss_of(f, tcp + 23) == 1000);
    CHECK(tcp_sum(f, len, v6) == 0);

    /* a smaller MSS, a plain ACK and a frame cut short stay as they are */
    len = make_syn(f, v6, even, sizeof(even), 0x02);
    CHECK(!mss_clamp(f, len, 65535));
    len = make_syn(f, v6, even, sizeof(even), 0x10);
    CHECK(!mss_clamp_wanted(f, len, 100) && !mss_clamp(f, len, 100));
    len = make_syn(f, v6, even, sizeof(even), 0x02);
    CHECK(!mss_clamp(f, tcp + 22, 100));
    CHECK(!mss_clamp(f, 10, 100));
  }
  /* options that lie about their length end the walk */
  static const uint8_t bad[] = {8, 0, 2, 4, 0xff, 0xc8, 0, 0};
  size_t len = make_syn(f, false, bad, sizeof(bad), 0x02);
  CHECK(!mss_clamp(f, len, 100));
  static const uint8_t overrun[] = {3, 40, 2, 4};
  len = make_syn(f, false, overrun, sizeof(overrun), 0x02);
  CHECK(!mss_clamp(f, len, 100));
  /* a UDP packet is not touched */
  len = make_syn(f, false, even, sizeof(even), 0x02);
  f[14 + 9] = IPPROTO_UDP;
  CHECK(!mss_clamp_wanted(f, len, 100));
}

int main(void) {
  test_clamp();
  return unit_finish();
}
