/* labels.h: security labels of the container's process and mounts.
 *
 * AppArmor (.process.apparmorProfile, libapparmor) and SELinux
 * (.process.selinuxLabel, .linux.mountLabel, libselinux); each library is
 * loaded only when a config asks for a label.  Where SELinux is not enabled
 * its labels are ignored, as crun does; an AppArmor profile where AppArmor
 * is not enabled is refused, as runc refuses it. */
#ifndef URUN_LABELS_H
#define URUN_LABELS_H

#include <stdbool.h>

#include "error.h"
#include "spec.h"

/* In urun, before init (or exec's process) is cloned: decide what applies
 * on this host and load the libraries; the children inherit both. */
urun_error *labels_prepare(const struct spec_process *p, const char *mount_label);
/* In the child, before execve: the profile and label for the exec. */
urun_error *labels_apply_on_exec(const struct spec_process *p);
/* The SELinux mount label applies (for the context= option of mounts). */
bool labels_selinux_active(void);

#endif
