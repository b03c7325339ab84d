/* caps.c: capabilities; see caps.h. */
#define _GNU_SOURCE
#include "caps.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "log.h"

static urun_error *parse_cap(const char *set, size_t i, const char *name, cap_value_t *ret) {
  if (cap_from_name(name, ret) < 0 || *ret < 0 || (unsigned)*ret >= (unsigned)cap_max_bits())
    return urun_error_new("config.json: .process.capabilities.%s[%zu]: unknown capability \"%s\"", set, i,
                          name);
  return NULL;
}

static urun_error *check_list(const char *set, const struct str_list *l) {
  for (size_t i = 0; i < l->len; i++) {
    cap_value_t v;
    TRY(parse_cap(set, i, l->items[i], &v));
  }
  return NULL;
}

static bool list_has(const struct str_list *l, cap_value_t cap) {
  for (size_t i = 0; i < l->len; i++) {
    cap_value_t v;
    if (cap_from_name(l->items[i], &v) == 0 && v == cap) return true;
  }
  return false;
}

/* The kernel raises an ambient capability only when it is permitted and
 * inheritable too.  buildah and `runc spec` list ambient ones without
 * inheritable ones: runtime-spec says a runtime SHOULD NOT fail on what it
 * cannot grant, and runc and crun leave them out, so do we. */
static bool ambient_raisable(const struct spec_capabilities *c, cap_value_t cap) {
  return list_has(&c->inheritable, cap) && list_has(&c->permitted, cap);
}

static void warn_unraisable_ambient(const struct spec_capabilities *c) {
  for (size_t i = 0; i < c->ambient.len; i++) {
    cap_value_t v;
    if (cap_from_name(c->ambient.items[i], &v) < 0 || ambient_raisable(c, v)) continue;
    bool inh = list_has(&c->inheritable, v), prm = list_has(&c->permitted, v);
    log_quiet_warning("config.json: .process.capabilities.ambient[%zu]: %s is left out: it is not %s%s%s", i,
                      c->ambient.items[i], inh ? "" : "inheritable", !inh && !prm ? " nor " : "",
                      prm ? "" : "permitted");
  }
}

urun_error *caps_check(const struct spec_capabilities *c) {
  if (!c->present) return NULL;
  TRY(check_list("bounding", &c->bounding));
  TRY(check_list("effective", &c->effective));
  TRY(check_list("inheritable", &c->inheritable));
  TRY(check_list("permitted", &c->permitted));
  TRY(check_list("ambient", &c->ambient));
  warn_unraisable_ambient(c);
  return NULL;
}

/* Without .process.capabilities every set is empty, as runc makes it: the
 * runtime's own capabilities (all of root's) and its caller's inheritable
 * ones never pass to the container unasked. */
urun_error *caps_drop_bounding(const struct spec_capabilities *c) {
  for (cap_value_t cap = 0; (unsigned)cap < (unsigned)cap_max_bits(); cap++) {
    if (list_has(&c->bounding, cap)) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL) {
      char *name = cap_to_name(cap);
      urun_error *e = urun_error_errno("drop %s from the bounding set", name ? name : "capability");
      cap_free(name);
      return e;
    }
  }
  return NULL;
}

static urun_error *fill(cap_t caps, cap_flag_t flag, const struct str_list *l) {
  for (size_t i = 0; i < l->len; i++) {
    cap_value_t v;
    if (cap_from_name(l->items[i], &v) < 0) continue; /* checked at create */
    if (cap_set_flag(caps, flag, 1, &v, CAP_SET) < 0) return urun_error_errno("capability %s", l->items[i]);
  }
  return NULL;
}

urun_error *caps_apply(const struct spec_capabilities *c) {
  /* from nothing: inheritable is what the config lists, never the caller's */
  cap_t caps = cap_init();
  if (!caps) return urun_error_errno("capabilities");
  urun_error *e = fill(caps, CAP_EFFECTIVE, &c->effective);
  if (!e) e = fill(caps, CAP_PERMITTED, &c->permitted);
  if (!e) e = fill(caps, CAP_INHERITABLE, &c->inheritable);
  if (!e && cap_set_proc(caps) < 0) e = urun_error_errno("set capabilities");
  cap_free(caps);
  if (e) return e;
  /* One prctl: libcap's cap_reset_ambient asks about every capability first.
   * EINVAL: a kernel without ambient capabilities (before 4.3). */
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
    return urun_error_errno("reset ambient capabilities");
  for (size_t i = 0; i < c->ambient.len; i++) {
    cap_value_t v;
    if (cap_from_name(c->ambient.items[i], &v) < 0 || !ambient_raisable(c, v)) continue; /* warned at check */
    if (cap_set_ambient(v, CAP_SET) < 0) return urun_error_errno("raise ambient capability %s", c->ambient.items[i]);
  }
  return NULL;
}

bool caps_bounding_has(const struct spec_capabilities *c, const char *name) {
  for (size_t i = 0; i < c->bounding.len; i++)
    if (!strcasecmp(c->bounding.items[i], name)) return true;
  return false;
}
