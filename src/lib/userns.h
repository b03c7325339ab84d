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
/* newuidmap/newgidmap where the system keeps them; NULL when absent. */
const char *userns_find_helper(const char *name);
/* Run newuidmap or newgidmap for `pid` with the maps `m`; `quiet` sends the
 * helper's own message to /dev/null (urun check reports instead). */
urun_error *userns_run_map_helper(pid_t pid, const char *helper, const struct spec_id_mappings *m, bool quiet);
/* The caller's subordinate ranges (libsubid: /etc/subuid or SSSD): their
 * number, or -1 when libsubid or the user's name is missing; *ret goes back
 * through userns_free_ranges (libsubid's own free). */
struct subid_range;
int userns_sub_ranges(bool uid, struct subid_range **ret);
void userns_free_ranges(struct subid_range **r);
#define _cleanup_subid_ranges_ __attribute__((cleanup(userns_free_ranges)))
/* Map a container id to the host (for checks); -1 when unmapped. */
long userns_to_host(const struct spec_id_mappings *m, uint32_t id);
bool userns_is_mapped(const struct spec_id_mappings *m, uint32_t id);

#endif
