/* api.h: the JSON API socket (slirp4netns-compatible requests).
 *
 * A unix stream socket; each request is one JSON object, ended by a newline
 * or by the client shutting down its writing side; each answer is one line:
 *   {"execute":"add_hostfwd","arguments":{"proto":"tcp","host_addr":"0.0.0.0",
 *    "host_port":8080,"guest_port":80}}          -> {"return":{"id":1}}
 *   {"execute":"list_hostfwd"}                    -> {"return":{"entries":[...]}}
 *   {"execute":"remove_hostfwd","arguments":{"id":1}} -> {"return":{}}
 * Failures: {"error":{"desc":"..."}}. */
#ifndef URUN_SLIRP_API_H
#define URUN_SLIRP_API_H

#include "options.h"

/* Listen on PATH (a dead socket left there is replaced); -1 after a message. */
int api_init(const struct options *o, const char *path);
/* Remove the socket file (works from the sandbox: the directory is held). */
void api_cleanup(void);

#endif
