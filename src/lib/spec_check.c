/* spec_check.c: refuse clearly what cannot be honoured; see spec_check.h. */
#define _GNU_SOURCE
#include "spec_check.h"

#include <string.h>

#include "caps.h"
#include "labels.h"
#include "mount.h"
#include "process.h"
#include "seccomp_filter.h"

#define NOT_YET "is not supported by this build yet"
static urun_error *unsupported(const char *path, const char *why) {
  return urun_error_new("config.json: %s: %s", path, why);
}

static urun_error *check_process(const struct spec_process *p, bool terminal_ok) {
  if (p->terminal && !terminal_ok)
    return unsupported(".process.terminal",
                       "a terminal needs --console-socket (or `urun run` in the foreground)");
  TRY(process_check(p));
  return caps_check(&p->capabilities);
}

static bool has_namespace(const struct spec *s, const char *type) {
  return spec_find_namespace(s, type) != NULL;
}

static urun_error *check_linux(const struct spec *s) {
  const struct spec_linux *l = &s->linux_;
  if (s->hostname && *s->hostname) {
    /* a joined one (path) is set too, as runc does: it is the container's */
    if (!spec_find_namespace(s, "uts"))
      return unsupported(".hostname", "setting the hostname needs a uts namespace in .linux.namespaces");
  }
  if (s->domainname && *s->domainname) {
    if (!spec_find_namespace(s, "uts"))
      return unsupported(".domainname", "setting the domainname needs a uts namespace in .linux.namespaces");
  }
  if (l->time_offsets_len && !has_namespace(s, "time"))
    return unsupported(".linux.timeOffsets", "needs a time namespace");
  TRY(seccomp_check(&l->seccomp));
  if (l->net_devices_len) return unsupported(".linux.netDevices", NOT_YET);
  if (l->intel_rdt.present) return unsupported(".linux.intelRdt", "Intel RDT " NOT_YET);
  if (l->rootfs_propagation && !mount_propagation_flags(l->rootfs_propagation))
    return urun_error_new("config.json: .linux.rootfsPropagation: unknown propagation \"%s\"",
                          l->rootfs_propagation);
  for (size_t i = 0; i < l->sysctl.len; i++) {
    const char *k = l->sysctl.keys[i];
    if (strchr(k, '/') || strstr(k, ".."))
      return urun_error_new("config.json: .linux.sysctl: invalid key \"%s\"", k);
  }
  return NULL;
}

urun_error *spec_check(const struct spec *s, bool terminal_ok) {
  if (!s->root_path || !*s->root_path) return unsupported(".root.path", "required field is missing");
  if (!s->has_process) return unsupported(".process", "required field is missing");
  TRY(check_process(&s->process, terminal_ok));
  TRY(mount_check_config(s));
  TRY(check_linux(s));
  return labels_prepare(&s->process, s->linux_.mount_label);
}

urun_error *spec_check_ids(const struct spec *s, const struct userns_plan *plan) {
  if (!plan->create) return NULL;
  if (!userns_is_mapped(&plan->uid_maps, s->process.user.uid))
    return urun_error_new("config.json: .process.user.uid: %u is not mapped in the container's user "
                          "namespace",
                          s->process.user.uid);
  if (!userns_is_mapped(&plan->gid_maps, s->process.user.gid))
    return urun_error_new("config.json: .process.user.gid: %u is not mapped in the container's user "
                          "namespace",
                          s->process.user.gid);
  for (size_t i = 0; i < s->process.user.additional_gids_len; i++)
    if (!userns_is_mapped(&plan->gid_maps, s->process.user.additional_gids[i]))
      return urun_error_new("config.json: .process.user.additionalGids[%zu]: %u is not mapped in the "
                            "container's user namespace",
                            i, s->process.user.additional_gids[i]);
  return NULL;
}
