/* sync.h: messages between urun and the container's init during create. */
#ifndef URUN_SYNC_H
#define URUN_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

enum sync_type {
  SYNC_MAPS_DONE = 1, /* parent -> init: id maps written, cgroup joined */
  SYNC_READY,         /* init -> parent: set up, about to wait on exec.fifo; value: mount ns inode */
  SYNC_ERROR,         /* init -> parent: setup failed (code + text) */
  SYNC_ACK,           /* parent -> init: state recorded */
  SYNC_DETACHED,      /* init -> parent: no longer tied to the parent's life */
  SYNC_PID,           /* stage -> parent: the pid of init (joined pid namespace) */
  SYNC_CONSOLE,       /* init -> parent: the pty master, as an fd */
  SYNC_HOOKS,         /* init -> parent: mounts done, run prestart/createRuntime */
  SYNC_HOOKS_DONE,    /* parent -> init: done; text is the state for createContainer */
  SYNC_SECCOMP,       /* init -> parent: the seccomp listener fd, for listenerPath */
  SYNC_SECCOMP_DONE,  /* parent -> init: it went to the listener */
  SYNC_CGROUP_DONE,   /* parent -> exec stage: it is in the container's cgroup */
};

struct sync_msg {
  uint32_t type; /* type, code and value: the header on the wire */
  int32_t code;
  int64_t value;
  int fd; /* received fd or -1 (not on the wire); before the text, so a
           * short message touches one page of this 64 KiB struct */
  char text[65536]; /* error text, or a state document for hooks */
};

urun_error *sync_send(int fd, enum sync_type type, int code, int64_t value, const char *text);
/* Send `len` bytes of `data` with one fd attached (SCM_RIGHTS). */
urun_error *send_with_fd(int sock, const void *data, size_t len, int fd);
/* Connect to the unix stream socket at `path` and send `data` with `fd`;
 * `label` names it in errors (e.g. "--console-socket"). */
urun_error *send_fd_to_socket_path(const char *path, const char *label, const void *data, size_t len, int fd);
/* Send a message carrying one fd (SCM_RIGHTS). */
urun_error *sync_send_fd(int sock, enum sync_type type, int fd);
/* Receive one message; EOF is an error saying init exited during setup. */
urun_error *sync_recv(int fd, struct sync_msg *ret);
/* Receive and require a type; a SYNC_ERROR becomes the returned error. */
urun_error *sync_expect(int fd, enum sync_type type, struct sync_msg *ret);
/* Send an error message to the parent (init side). */
void sync_send_error(int fd, const urun_error *e);

#endif
