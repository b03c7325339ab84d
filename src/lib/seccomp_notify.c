/* seccomp_notify.c: SCMP_ACT_NOTIFY's other half.  The filtered process
 * cannot reach listenerPath (a host path, after pivot_root), so it passes
 * the listener fd to urun, which hands it on as config-linux.md describes:
 * one message, the containerProcessState JSON with the fd in SCM_RIGHTS. */
#define _GNU_SOURCE
#include "seccomp_notify.h"

#include <errno.h>
#include <unistd.h>

#include "json.h"
#include "sync.h"

urun_error *seccomp_notify_send(const struct spec_seccomp *seccomp, pid_t pid, const struct state *st,
                                enum container_status status, int listener) {
  _cleanup_json_writer_ json_writer *w = json_writer_new(false);
  if (!w) return urun_error_code(ENOMEM, "seccomp listener");
  json_begin_object(w);
  json_kv_string(w, "ociVersion", URUN_OCI_VERSION);
  static const char *const fds[] = {"seccompFd", NULL};
  json_kv_strings(w, "fds", fds);
  json_kv_int(w, "pid", pid);
  if (seccomp->listener_metadata) json_kv_string(w, "metadata", seccomp->listener_metadata);
  json_key(w, "state");
  state_write_json(w, st, status);
  json_end_object(w);
  size_t len;
  const char *doc = json_writer_buffer(w, &len);
  if (!doc) return urun_error_code(ENOMEM, "seccomp listener");
  return urun_error_wrap(send_fd_to_socket_path(seccomp->listener_path, "listenerPath", doc, len, listener),
                         "config.json: .linux.seccomp");
}

urun_error *seccomp_install_and_hand_over(struct seccomp_program *filter, int sync_sock) {
  int listener;
  urun_error *e = seccomp_install(filter, &listener);
  seccomp_program_free(filter);
  if (e || listener < 0) return e;
  e = sync_send_fd(sync_sock, SYNC_SECCOMP, listener);
  close(listener); /* the agent holds it now, not the container */
  TRY(e);
  return sync_expect(sync_sock, SYNC_SECCOMP_DONE, NULL);
}
