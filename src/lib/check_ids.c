/* check_ids.c: subordinate ids (through libsubid, as create reads them),
 * newuidmap/newgidmap (present, setuid or with file capabilities, and a
 * real trial map), setgroups. */
#define _GNU_SOURCE
#include "check.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <fcntl.h>
#include <sched.h>
#include <shadow/subid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "lazy_libs.h"
#include "userns.h"

#define WANTED_IDS 65536UL

/* Is `name` a group of /etc/group? */
static bool local_group(const char *name) {
  _cleanup_fclose_ FILE *f = fopen("/etc/group", "re");
  struct group *g;
  while (f && (g = fgetgrent(f)))
    if (!strcmp(g->gr_name, name)) return true;
  return false;
}

/* Another user's range that shares ids with `x`: every user of
 * /etc/passwd is asked for its ranges (libsubid, as newuidmap reads them);
 * a few dozen file reads.  Files, not NSS: in a static urun, NSS lookups
 * that fall through to libnss_systemd crash (getpwent, and the getgrnam
 * libsubid makes for a gid owner: asked only for names /etc/group has). */
static bool overlaps(bool uid, const struct subid_range *x, unsigned long *ret_id, uid_t *ret_other) {
  _cleanup_fclose_ FILE *f = fopen("/etc/passwd", "re");
  struct passwd *pw;
  bool found = false;
  while (f && !found && (pw = fgetpwent(f))) {
    if (pw->pw_uid == getuid() || (!uid && !local_group(pw->pw_name))) continue;
    struct subid_range *theirs = NULL;
    int n = uid ? subid_get_uid_ranges(pw->pw_name, &theirs) : subid_get_gid_ranges(pw->pw_name, &theirs);
    for (int i = 0; i < n && !found; i++) {
      unsigned long lo = theirs[i].start > x->start ? theirs[i].start : x->start;
      unsigned long a_end = x->start + x->count, b_end = theirs[i].start + theirs[i].count;
      if (lo < (a_end < b_end ? a_end : b_end)) {
        found = true;
        *ret_id = lo;
        *ret_other = pw->pw_uid;
      }
    }
    if (theirs) subid_api.lib_free(theirs);
  }
  return found;
}

/* A free range of 65536 for the fix: the first at or above 100000 that no
 * other user's range touches. */
static unsigned long free_start(bool uid) {
  unsigned long id;
  uid_t other;
  for (unsigned long s = 100000; s < 100000 + 256 * WANTED_IDS; s += WANTED_IDS)
    if (!overlaps(uid, &(struct subid_range){.start = s, .count = WANTED_IDS}, &id, &other)) return s;
  return 100000;
}

static void subids(struct check_report *r, bool uid, struct subid_range **ret_first) {
  const char *name = uid ? "subuid" : "subgid";
  const char *file = uid ? "/etc/subuid" : "/etc/subgid";
  const char *opt = uid ? "--add-subuids" : "--add-subgids";
  if (r->root) {
    check_add(r, name, CHECK_OK, false, NULL, "root writes any id map itself: %s is not needed", file);
    return;
  }
  urun_error *e = subid_load();
  if (e) {
    check_add(r, name, CHECK_FAIL, false, "apt install libsubid4 (Debian/Ubuntu; shadow's libsubid elsewhere)",
              "%s", e->message);
    urun_error_free(e);
    return;
  }
  _cleanup_subid_ranges_ struct subid_range *ranges = NULL;
  int n = userns_sub_ranges(uid, &ranges);
  const char *user = check_user_name();
  if (n <= 0) {
    unsigned long s = free_start(uid);
    check_add_fix(r, name, CHECK_FAIL, false,
                  "no subordinate ids: containers can map only your own id (no second user in them)",
                  "as root: usermod %s %lu-%lu %s", opt, s, s + WANTED_IDS - 1, user);
    return;
  }
  unsigned long total = 0;
  for (int i = 0; i < n; i++) total += ranges[i].count;
  for (int i = 0; i < n; i++) {
    unsigned long id;
    uid_t other;
    if (overlaps(uid, &ranges[i], &id, &other)) {
      char found[256];
      snprintf(found, sizeof(found), "%s's range %lu-%lu overlaps uid %u's (id %lu): their containers share ids",
               user, ranges[i].start, ranges[i].start + ranges[i].count - 1, (unsigned)other, id);
      unsigned long s = free_start(uid);
      check_add_fix(r, name, CHECK_FAIL, false, found,
                    "as root: give each user a range of its own in %s, e.g. usermod --del-%s %lu-%lu %s %lu-%lu %s",
                    file, uid ? "subuids" : "subgids", ranges[i].start, ranges[i].start + ranges[i].count - 1, opt,
                    s, s + WANTED_IDS - 1, user);
      return;
    }
  }
  if (total < WANTED_IDS) {
    char found[256];
    snprintf(found, sizeof(found), "%lu subordinate ids: fewer than the 65536 most images expect", total);
    unsigned long s = free_start(uid);
    check_add_fix(r, name, CHECK_WARN, false, found, "as root: usermod %s %lu-%lu %s", opt, s, s + WANTED_IDS - 1,
                  user);
    return;
  }
  check_add(r, name, CHECK_OK, false, NULL, "%lu ids from %lu (%s)", total, ranges[0].start, file);
  *ret_first = malloc(sizeof(**ret_first));
  if (*ret_first) **ret_first = ranges[0];
}

/* Present, setuid root or with file capabilities, and urun may gain
 * their rights: reported either way; true when usable. */
static bool map_helper(struct check_report *r, const char *helper) {
  const char *found = userns_find_helper(helper);
  if (!found) {
    check_add(r, helper, CHECK_FAIL, false, "apt install uidmap (shadow's newuidmap/newgidmap)",
              "%s not found: containers can map only your own id", helper);
    return false;
  }
  char path[256];
  snprintf(path, sizeof(path), "%s", found);
  struct stat st;
  bool setuid_root = stat(path, &st) == 0 && (st.st_mode & S_ISUID) && st.st_uid == 0;
  bool fcaps = getxattr(path, "security.capability", NULL, 0) > 0;
  if (!setuid_root && !fcaps) {
    char what[400];
    snprintf(what, sizeof(what), "%s has neither the setuid bit nor file capabilities", path);
    check_add_fix(r, helper, CHECK_FAIL, false, what,
                  "as root: chmod u+s %s (or setcap cap_set%cid=ep %s, or reinstall the uidmap package)", path,
                  helper[3] == 'u' ? 'u' : 'g', path);
    return false;
  }
  if (proc_status_number("NoNewPrivs") == 1) {
    check_add(r, helper, CHECK_FAIL, false,
              "run urun without no_new_privs (a container's noNewPrivileges: false, or no NoNewPrivileges= in "
              "the systemd unit)",
              "%s is %s, but urun runs with no_new_privs: it cannot gain its rights", path,
              setuid_root ? "setuid root" : "given file capabilities");
    return false;
  }
  check_add(r, helper, CHECK_OK, false, NULL, "%s: %s", path, setuid_root ? "setuid root" : "file capabilities");
  return true;
}

struct helper_maps {
  struct spec_id_mapping uid[2], gid[2];
};

static urun_error *map_with_helpers(pid_t pid, void *arg) {
  struct helper_maps *m = arg;
  struct spec_id_mappings u = {.items = m->uid, .len = 2}, g = {.items = m->gid, .len = 2};
  TRY(userns_run_map_helper(pid, "newgidmap", &g, true));
  return userns_run_map_helper(pid, "newuidmap", &u, true);
}

static void helpers_trial(struct check_report *r, const struct subid_range *su, const struct subid_range *sg) {
  struct helper_maps m = {
      .uid = {{0, (uint32_t)geteuid(), 1}, {1, (uint32_t)su->start, 1}},
      .gid = {{0, (uint32_t)getegid(), 1}, {1, (uint32_t)sg->start, 1}},
  };
  struct check_trial t;
  check_trial_run(CLONE_NEWUSER, map_with_helpers, &m, NULL, NULL, &t);
  if (t.unshare_errno)
    check_add(r, "idmap_trial", CHECK_WARN, false, "see the userns line above",
              "no trial of newuidmap: unshare(CLONE_NEWUSER): %s", strerror(t.unshare_errno));
  else if (t.map_failed)
    check_add(r, "idmap_trial", CHECK_FAIL, false,
              "check your ranges in /etc/subuid and /etc/subgid, and that newuidmap/newgidmap come from the "
              "uidmap package",
              "newuidmap/newgidmap refused a trial map: %s", t.note);
  else
    check_add(r, "idmap_trial", CHECK_OK, false, NULL,
              "newuidmap and newgidmap mapped a trial namespace (0 -> %u, 1 -> %lu)", (unsigned)geteuid(),
              su->start);
}

static void setgroups_allowed(struct check_report *r) {
  char v[32];
  if (!check_read_line("/proc/self/setgroups", v, sizeof(v)) || strcmp(v, "deny"))
    check_add(r, "setgroups", CHECK_OK, false, NULL, "setgroups is allowed");
  else
    check_add(r, "setgroups", CHECK_WARN, false,
              "start the outer container with its gid map written by newgidmap (not a single-id map with "
              "setgroups denied)",
              "setgroups is denied in the user namespace urun runs in: containers get no supplementary groups "
              "and newgidmap cannot map");
}

void check_ids(struct check_report *r) {
  _cleanup_free_ struct subid_range *su = NULL, *sg = NULL;
  subids(r, true, &su);
  subids(r, false, &sg);
  if (!r->root) {
    bool nu = map_helper(r, "newuidmap");
    bool ng = map_helper(r, "newgidmap");
    if (nu && ng && su && sg && r->userns_ok) helpers_trial(r, su, sg);
  }
  setgroups_allowed(r);
}
