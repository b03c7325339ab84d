/* spec_check.h: what this build can honour of a parsed config.
 *
 * The parser accepts every field of the runtime-spec; this refuses, by JSON
 * path, what urun cannot do (yet, or on this host), so nothing the config
 * asks for is ever dropped silently. */
#ifndef URUN_SPEC_CHECK_H
#define URUN_SPEC_CHECK_H

#include <stdbool.h>

#include "error.h"
#include "spec.h"
#include "userns.h"

/* `terminal_ok`: a pty has somewhere to go (--console-socket, or run in the
 * foreground). */
urun_error *spec_check(const struct spec *s, bool terminal_ok);
/* process.user and the devices' owners must exist in the user namespace. */
urun_error *spec_check_ids(const struct spec *s, const struct userns_plan *plan);

#endif
