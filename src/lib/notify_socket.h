/* notify_socket.h: NOTIFY_SOCKET passed through to the container. */
#ifndef URUN_NOTIFY_SOCKET_H
#define URUN_NOTIFY_SOCKET_H
#include "error.h"
#include "spec.h"

/* Where the container finds the caller's socket. */
#define NOTIFY_SOCKET_IN_CONTAINER "/run/notify/notify.sock"

/* When urun itself runs with NOTIFY_SOCKET (systemd, podman's sd-notify
 * proxy), bind the socket into the container and point the process's
 * NOTIFY_SOCKET at it, so sd_notify(3) in the container reaches the
 * caller directly.  Changes `s` (a mount and an env entry); no-op without
 * NOTIFY_SOCKET. */
urun_error *notify_socket_pass_through(struct spec *s);

#endif
