/* netns.h: the child that lives in the container's namespaces. */
#ifndef URUN_SLIRP_NETNS_H
#define URUN_SLIRP_NETNS_H

#include <sys/types.h>

#include "options.h"

struct nschild {
  pid_t pid;
  int chan; /* socket request channel (non-blocking), see sockreq.h */
  int tap;  /* the tap device, opened inside (non-blocking) */
};

/* Fork the child: it joins the namespaces, creates and configures the tap,
 * passes it back, sandboxes itself and serves socket requests.
 * On failure the child has said why; returns -1. */
int nschild_start(const struct options *o, struct nschild *c);

#endif
