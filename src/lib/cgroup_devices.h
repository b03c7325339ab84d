/* cgroup_devices.h: the eBPF device filter of cgroup v2. */
#ifndef URUN_CGROUP_DEVICES_H
#define URUN_CGROUP_DEVICES_H
#include "error.h"
#include "spec.h"

/* Attach a program enforcing linux.resources.devices (plus the default
 * nodes and linux.devices, as runc) to the group open at `cgroup_fd`.
 * Needs CAP_SYS_ADMIN on the host; nothing to do without device rules. */
urun_error *cgroup_devices_attach(int cgroup_fd, const struct spec *s);

#endif
