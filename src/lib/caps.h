/* caps.h: the five capability sets of process.capabilities (libcap). */
#ifndef URUN_CAPS_H
#define URUN_CAPS_H

#include <stdbool.h>

#include "error.h"
#include "spec.h"

/* Every name must be known to this kernel/libcap; errors name the set.
 * An ambient capability that is not also inheritable and permitted cannot
 * be raised: it is left out with a warning (the log, or --debug). */
urun_error *caps_check(const struct spec_capabilities *c);
/* Without .process.capabilities every set is empty (as runc).
 * Drop from the bounding set what the config does not list (needs
 * CAP_SETPCAP: do it before changing uid). */
urun_error *caps_drop_bounding(const struct spec_capabilities *c);
/* After setuid (with keepcaps): set effective, permitted, inheritable, then raise the ambient
 * capabilities that are inheritable and permitted too. */
urun_error *caps_apply(const struct spec_capabilities *c);

/* Whether the bounding set keeps capability NAME ("CAP_SYS_PTRACE"). */
bool caps_bounding_has(const struct spec_capabilities *c, const char *name);

#endif
