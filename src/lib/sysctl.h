/* sysctl.h: linux.sysctl, which may change only the container's own
 * namespaces, never the host's kernel settings. */
#ifndef URUN_SYSCTL_H
#define URUN_SYSCTL_H

#include "error.h"
#include "spec.h"

/* The config.json namespace type ("ipc", "network", "uts") a sysctl belongs
 * to, or NULL for one that is not namespaced (it is the host's). */
const char *sysctl_namespace_of(const char *key);

/* Refuse, by name and JSON path, every sysctl that would be written outside
 * a namespace of the container's own: one that is not namespaced, one whose
 * namespace .linux.namespaces does not give the container, or gives it as
 * the caller's own (a path to the runtime's namespace). */
urun_error *sysctl_check(const struct spec *s);

/* In the container, after sysctl_check: write them through `procfd` (a
 * /proc where what /proc/sys shows follows the writer's namespaces). */
urun_error *sysctl_write_all(const struct spec *s, int procfd);

#endif
