/* fwd.h: port forwards from the host into the container.
 *
 * Not through libslirp: the helper listens in the host's network
 * namespace and, per TCP connection or UDP client, gets a socket made
 * inside the container's namespace (sockreq.h) connected to the container's
 * port. TCP bytes move with splice(); the client's address is kept when the
 * namespace side allows it (sockreq.c). */
#ifndef URUN_SLIRP_FWD_H
#define URUN_SLIRP_FWD_H

#include <stddef.h>

#include "options.h"

struct fwd_info {
  int id;
  int proto; /* IPPROTO_TCP or IPPROTO_UDP */
  struct addr host, guest;
};

void fwd_init(const struct options *o);
/* Listen on HOST for GUEST; the new id, or -1 with a reason in ERR. */
int fwd_add(int proto, const struct addr *host, const struct addr *guest, char *err, size_t errlen);
int fwd_remove(int id);
/* All forwards in id order (malloc'd array, *n entries). */
struct fwd_info *fwd_list(size_t *n);

#endif
