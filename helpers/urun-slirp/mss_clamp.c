/* mss_clamp.c: lower the MSS that TCP SYNs between the container and libslirp
 * announce, as a router's MSS clamping does.
 *
 * libslirp 4.7 has no TCP window scaling, so its window is at most 65,535
 * bytes, and Linux sends segments of at most half the peer's largest window.
 * With the tap's MTU of 65520 two 32 KiB segments fill the window: the sender
 * waits while the helper reads, hands the data to the host socket and acks.
 * Three segments a window keep both sides busy at once (measured with
 * iperf3: see the man page). */
#include "mss_clamp.h"

#include "frame.h"

#include <string.h>

#define TCP_OPT_END 0
#define TCP_OPT_NOP 1
#define TCP_OPT_MSS 2

/* Where the MSS option's value of a SYN in F sits (0: none); *TCP: where
 * its TCP header does. */
static size_t mss_at(const uint8_t *f, size_t len, size_t *tcp) {
  size_t t = *tcp = frame_tcp_at(f, len);
  if (!t || !(f[t + 13] & TCP_FLAG_SYN)) return 0;
  size_t end = t + (size_t)(f[t + 12] >> 4) * 4;
  if (end < t + 20 || end > len) return 0;
  for (size_t o = t + 20; o < end;) {
    if (f[o] == TCP_OPT_END) break;
    if (f[o] == TCP_OPT_NOP) {
      o++;
      continue;
    }
    if (o + 1 >= end || f[o + 1] < 2 || o + f[o + 1] > end) break;
    if (f[o] == TCP_OPT_MSS && f[o + 1] == 4) return o + 2;
    o += f[o + 1];
  }
  return 0;
}

bool mss_clamp_wanted(const uint8_t *frame, size_t len, uint16_t max) {
  size_t t, at = mss_at(frame, len, &t);
  return at && get16(frame + at) > max;
}

/* RFC 1624: HC' = ~(~HC + ~m + m'). A field at an odd offset from the TCP
 * header adds its bytes swapped to the sum. */
static uint16_t csum_replace(uint16_t check, uint16_t old, uint16_t new) {
  uint32_t sum = (uint16_t)~check + (uint16_t)~old + (uint32_t) new;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

static uint16_t swap16(uint16_t v) { return (uint16_t)(v << 8 | v >> 8); }

bool mss_clamp(uint8_t *frame, size_t len, uint16_t max) {
  size_t t, at = mss_at(frame, len, &t);
  if (!at) return false;
  uint16_t old = get16(frame + at);
  if (old <= max) return false;
  uint16_t check = get16(frame + t + 16);
  bool odd = (at - t) & 1;
  put16(frame + t + 16, odd ? csum_replace(check, swap16(old), swap16(max)) : csum_replace(check, old, max));
  put16(frame + at, max);
  return true;
}
