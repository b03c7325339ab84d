/* seccomp_filter.h: linux.seccomp compiled with libseccomp, installed by urun.
 *
 * The filter is compiled to classic BPF once (at create, so errors show
 * there) and installed with seccomp(2) directly, which lets urun pass every
 * filter flag the kernel knows whatever the libseccomp version. */
#ifndef URUN_SECCOMP_FILTER_H
#define URUN_SECCOMP_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "spec.h"

struct seccomp_program {
  void *filter;     /* struct sock_filter[] */
  size_t len;       /* instructions */
  unsigned int flags;
  bool notify;      /* uses SCMP_ACT_NOTIFY: install returns a listener fd */
};

/* Check names (actions, operators, architectures, flags) by JSON path. */
urun_error *seccomp_check(const struct spec_seccomp *s);
urun_error *seccomp_compile(const struct spec_seccomp *s, struct seccomp_program *ret);
/* Install on the calling thread; needs no_new_privs or CAP_SYS_ADMIN.
 * *ret_listener is the notify fd (or -1). */
/* Does a seccomp filter already hold this process (before the container's
 * own is loaded: an outer runtime's, e.g. the CI container urun runs in)? */
bool seccomp_filtered_already(void);
/* The text of the hint for a syscall such a filter refused. */
#define SECCOMP_OUTER_FIX "start the container urun runs in with --security-opt seccomp=unconfined (or, " \
  "with podman, --cap-add SYS_ADMIN, which its profile reads as leave to use namespaces)"
#define SECCOMP_OUTER_HINT "a seccomp filter around urun refuses it: " SECCOMP_OUTER_FIX
urun_error *seccomp_install(const struct seccomp_program *p, int *ret_listener);
void seccomp_program_free(struct seccomp_program *p);
/* Names this build knows, for `features`; NULL past the end. */
const char *seccomp_action_name(size_t i);
const char *seccomp_operator_name(size_t i);
const char *seccomp_flag_name(size_t i);
/* ... of those, the ones this kernel takes (features' supportedFlags) */
const char *seccomp_supported_flag_name(size_t i);
/* the runtime-spec's architectures this libseccomp knows */
const char *seccomp_arch_name(size_t i);

#endif
