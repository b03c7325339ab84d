/* spec_default.h: the config.json `urun spec` writes. */
#ifndef URUN_SPEC_DEFAULT_H
#define URUN_SPEC_DEFAULT_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* A runc-style default config; `rootless` maps the caller to root in a new
 * user namespace, drops the network namespace and binds /sys read-only. */
urun_error *spec_default_json(bool rootless, char **ret, size_t *ret_len);

#endif
