/* sockreq.h: sockets made inside the container's network namespace.
 *
 * A socket belongs to the network namespace its creator was in. The helper
 * itself stays in the host's; a child process that joined the container's
 * namespaces creates connected sockets on request and passes them back over
 * a SOCK_SEQPACKET pair (SCM_RIGHTS). */
#ifndef URUN_SLIRP_SOCKREQ_H
#define URUN_SLIRP_SOCKREQ_H

#include <stdbool.h>
#include <stdint.h>

#include "util.h"

/* Firewall mark and routing table that bring replies to a socket bound to
 * a client's (foreign) address back to it; see netns.c. */
#define SOURCE_MARK 0x75727370u
#define SOURCE_TABLE 7572u
#define SOURCE_RULE_PRIORITY 100u

/* Parent side: FD (non-blocking, connecting) or a negative errno. */
typedef void (*sockreq_cb)(void *ctx, int fd, int err);
int sockreq_init(int sock);
/* SRC: the client address to keep, or NULL. 0 or -errno. */
int sockreq_send(int type, const struct addr *src, const struct addr *dst, sockreq_cb cb, void *ctx);
/* A spare TCP socket of FAMILY made in the namespace (TRANSPARENT: ready to
 * be bound to a foreign address), or -1 when none is at hand; asks for more. */
int sockreq_take(int family, bool transparent);
/* Start keeping spares of that kind. */
void sockreq_spares(int family, bool transparent);
/* CTX is going away: its pending answer is dropped (the fd closed). */
void sockreq_cancel(void *ctx);

/* Child side: answer requests until the parent goes away; then exit. */
void sockreq_serve(int sock, bool keep_source) __attribute__((noreturn));

#endif
