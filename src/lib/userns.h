/* userns.h: the id maps of a new user namespace, and who may write them. */
#ifndef URUN_USERNS_H
#define URUN_USERNS_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "spec.h"

enum rootless_mode { ROOTLESS_AUTO, ROOTLESS_TRUE, ROOTLESS_FALSE };

struct userns_plan {
  bool create;                       /* clone a new user namespace */
  struct spec_id_mappings uid_maps;  /* owned copies */
  struct spec_id_mappings gid_maps;
  bool use_helpers;                  /* newuidmap/newgidmap; else write /proc directly */
  bool deny_setgroups;               /* single own-gid mapping by an unprivileged caller */
};

/* True when euid 0 in the initial user namespace. */
bool running_as_real_root(void);
/* True when this process may write any id map (root with CAP_SETUID and
 * CAP_SETGID); false for a user, and for root of a container without them. */
bool userns_can_map_any(void);
/* True when this process runs inside a non-initial user namespace. */
bool in_user_namespace(void);
/* Decide the maps from the config, the caller and the rootless mode; check
 * that an unprivileged caller may write them (own id, /etc/subuid ranges
 * through libsubid, newuidmap/newgidmap present). */
urun_error *userns_plan_make(const struct spec *spec, enum rootless_mode mode,
                             struct userns_plan *ret);
void userns_plan_free(struct userns_plan *p);
/* Write the maps of process `pid` (already in its new user namespace). */
urun_error *userns_write_maps(pid_t pid, const struct userns_plan *p);
/* Map a container id to the host (for checks); -1 when unmapped. */
long userns_to_host(const struct spec_id_mappings *m, uint32_t id);
bool userns_is_mapped(const struct spec_id_mappings *m, uint32_t id);

#endif
