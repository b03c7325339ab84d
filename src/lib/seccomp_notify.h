/* seccomp_notify.h: hand a seccomp listener fd to the agent at listenerPath. */
#ifndef URUN_SECCOMP_NOTIFY_H
#define URUN_SECCOMP_NOTIFY_H
#include <sys/types.h>

#include "error.h"
#include "seccomp_filter.h"
#include "spec.h"
#include "state.h"

/* Send the runtime-spec containerProcessState (pid of the filtered process,
 * listenerMetadata, the container's state) with the listener fd to the unix
 * socket at seccomp->listener_path. */
urun_error *seccomp_notify_send(const struct spec_seccomp *seccomp, pid_t pid, const struct state *st,
                                enum container_status status, int listener);

/* Child side: install `filter` (then freed) and, when it made a listener,
 * pass the fd to urun over `sync_sock` (SYNC_SECCOMP) and wait until it
 * went on to the agent (SYNC_SECCOMP_DONE). */
urun_error *seccomp_install_and_hand_over(struct seccomp_program *filter, int sync_sock);

#endif
