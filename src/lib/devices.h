/* devices.h: /dev inside the container. */
#ifndef URUN_DEVICES_H
#define URUN_DEVICES_H

#include <stdbool.h>

#include "error.h"
#include "spec.h"

/* Populate the container's /dev (a fresh tmpfs, or the rootfs's own /dev):
 * the standard nodes (mknod where allowed, else bind mounts of the host's),
 * the standard symlinks, and linux.devices. */
urun_error *devices_setup_dev(int rootfd, const struct spec *spec, bool in_userns);
/* Only linux.devices (when /dev is a bind mount from the config). */
urun_error *devices_create_config(int rootfd, const struct spec *spec, bool in_userns);

#endif
