/* relay.h: move bytes between two connected TCP sockets with splice(). */
#ifndef URUN_SLIRP_RELAY_H
#define URUN_SLIRP_RELAY_H

/* Take ownership of both (non-blocking) sockets and relay until both
 * directions are closed; 0 or -1 (both closed then). */
int relay_start(int a, int b);

#endif
