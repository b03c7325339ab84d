/* cgroup_devices.h: the eBPF device filter of cgroup v2. */
#ifndef URUN_CGROUP_DEVICES_H
#define URUN_CGROUP_DEVICES_H
#include "error.h"
#include "spec.h"

/* Attach a program enforcing linux.resources.devices (plus runc's default
 * nodes; not linux.devices, which the rules must allow) to the group open
 * at `cgroup_fd`; exec'd processes join the group, and obey it too.
 * Needs CAP_SYS_ADMIN on the host; nothing to do without device rules. */
urun_error *cgroup_devices_attach(int cgroup_fd, const struct spec *s);

#endif
