/* dns.h: the DNS server at the slirp network's .3 (and fd00::3).
 *
 * The helper answers guest UDP queries itself instead of leaving them to
 * libslirp: libslirp can only forward to port 53 of the first nameserver of
 * /etc/resolv.conf, which is systemd-resolved's 127.0.0.53 stub on many
 * hosts and not readable once sandboxed. Here every query goes to the
 * upstream list (--dns-upstream ADDR[:PORT], else resolv.conf, else
 * systemd-resolved's real servers), with failover between them. */
#ifndef URUN_SLIRP_DNS_H
#define URUN_SLIRP_DNS_H

#include <stddef.h>
#include <stdint.h>

#include "options.h"

/* Fill o->dns_upstream from the host's configuration unless given. */
void dns_find_upstreams(struct options *o);
/* resolv.conf text for libslirp's own (TCP) DNS forwarding in the sandbox. */
void dns_resolv_conf(const struct options *o, char *buf, size_t size);
int dns_init(const struct options *o);
/* Frame hook: true when FRAME was a query to the DNS address (consumed). */
int dns_frame(const uint8_t *frame, size_t len);

#endif
