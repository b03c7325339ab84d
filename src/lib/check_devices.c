/* check_devices.c: /dev/net/tun (urun-slirp's networking) and /dev/fuse
 * (the overlay helper), each opened for real and closed again (opening
 * the tun device makes no interface until TUNSETIFF). */
#define _GNU_SOURCE
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "userns.h"

static void device(struct check_report *r, const char *name, const char *path, const char *what,
                   const char *module) {
  int fd = open(path, O_RDWR | O_CLOEXEC);
  if (fd >= 0) {
    close(fd);
    check_add(r, name, CHECK_OK, false, NULL, "%s can be opened (%s)", path, what);
    return;
  }
  int err = errno;
  char found[512], fix[512];
  struct stat st;
  if (err == ENOENT)
    snprintf(found, sizeof(found), "%s is missing: no %s", path, what);
  else if (stat(path, &st) == 0)
    snprintf(found, sizeof(found), "%s (mode %04o, uid %u): %s: no %s", path, st.st_mode & 07777,
             (unsigned)st.st_uid, strerror(err), what);
  else
    snprintf(found, sizeof(found), "%s: %s: no %s", path, strerror(err), what);
  /* inside a container the device is the outer runtime's to give */
  if (in_user_namespace())
    snprintf(fix, sizeof(fix), "start the outer container with --device %s (usable by you on the host: mode 0666)",
             path);
  else if (err == ENOENT)
    snprintf(fix, sizeof(fix), "as root: modprobe %s", module);
  else
    snprintf(fix, sizeof(fix),
             "as root: chmod 0666 %s (udev's default on a desktop; keep it with a udev rule "
             "KERNEL==\"%s\", MODE=\"0666\")",
             path, module);
  check_add(r, name, CHECK_FAIL, false, fix, "%s", found);
}

void check_devices(struct check_report *r) {
  device(r, "tun", "/dev/net/tun", "networking for --net slirp", "tun");
  device(r, "fuse", "/dev/fuse", "fuse-overlay where the kernel's overlayfs cannot be mounted", "fuse");
}
