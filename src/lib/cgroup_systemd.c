/* cgroup_systemd.c: a transient scope with Delegate=yes, asked of systemd
 * over D-Bus (sd-bus): the user's instance for a user, the system one for root. */
#define _GNU_SOURCE
#include "config.h"

#include "cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "cgroup_stats.h"
#include "fsutil.h"
#include "journal.h"
#include "log.h"

#ifndef HAVE_SYSTEMD
bool cgroup_systemd_available(bool user_bus) { return false; }
urun_error *cgroup_systemd_start(struct cgroup_plan *p, const struct spec *s, pid_t pid) {
  return urun_error_new("cgroup: this urun was built without sd-bus (libsystemd)");
}
urun_error *cgroup_systemd_stop(const char *unit, bool user_bus) { return NULL; }
urun_error *cgroup_systemd_stop_if_empty(const char *unit, bool user_bus) { return NULL; }
urun_error *cgroup_systemd_update(const char *unit, bool user_bus, const struct spec_resources *res) {
  return urun_error_new("cgroup: this urun was built without sd-bus (libsystemd)");
}
urun_error *cgroup_systemd_attach(const char *unit, bool user_bus, const char *subgroup, pid_t pid) {
  return urun_error_new("cgroup: this urun was built without sd-bus (libsystemd)");
}
#else
#include <systemd/sd-bus.h>

#include "lazy_libs.h"

static void bus_unrefp(sd_bus **b) { if (*b) sd_bus_flush_close_unref(*b); }
static void msg_unrefp(sd_bus_message **m) { if (*m) sd_bus_message_unref(*m); }
#define _cleanup_bus_ __attribute__((cleanup(bus_unrefp)))
#define _cleanup_msg_ __attribute__((cleanup(msg_unrefp)))

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"

/* Every use of sd-bus starts here: libsystemd is loaded on the way. */
static int open_bus(bool user_bus, sd_bus **ret) {
  urun_error *le = sdbus_load();
  if (le) {
    log_debug("cgroup: no systemd driver: %s", le->message);
    urun_error_free(le);
    return -ELIBACC;
  }
  return user_bus ? sd_bus_open_user(ret) : sd_bus_open_system(ret);
}

bool cgroup_systemd_available(bool user_bus) {
  _cleanup_bus_ sd_bus *bus = NULL;
  if (open_bus(user_bus, &bus) < 0) return false;
  /* a bus without systemd behind it is no use: ask for its version */
  char *v = NULL;
  int r = sd_bus_get_property_string(bus, SD_DEST, SD_PATH, SD_MANAGER, "Version", NULL, &v);
  if (v) sdbus_api.lib_free(v);
  return r >= 0;
}

static urun_error *bus_error(int r, const sd_bus_error *e, const char *what) {
  if (e && sd_bus_error_is_set(e)) return urun_error_new("systemd: %s: %s", what, e->message);
  return urun_error_code(-r, "systemd: %s", what);
}

/* "0-3,7" -> little-endian bitmask bytes, as AllowedCPUs wants. */
static urun_error *cpu_mask(const char *list, uint8_t **ret, size_t *ret_len) {
  size_t cap = 0;
  uint8_t *mask = NULL;
  _cleanup_free_ char *copy = strdup(list);
  if (!copy) return urun_error_code(ENOMEM, "cpu list");
  char *save = NULL;
  for (char *part = strtok_r(copy, ",", &save); part; part = strtok_r(NULL, ",", &save)) {
    unsigned a, b;
    int n = sscanf(part, "%u-%u", &a, &b);
    if (n == 1) b = a;
    if (n < 1 || b < a || b > 8191) {
      free(mask);
      return urun_error_new("invalid cpu list \"%s\"", list);
    }
    if (b / 8 + 1 > cap) {
      size_t ncap = b / 8 + 1;
      uint8_t *m = realloc(mask, ncap);
      if (!m) {
        free(mask);
        return urun_error_code(ENOMEM, "cpu list");
      }
      memset(m + cap, 0, ncap - cap);
      mask = m;
      cap = ncap;
    }
    for (unsigned i = a; i <= b; i++) mask[i / 8] |= (uint8_t)(1u << (i % 8));
  }
  *ret = mask;
  *ret_len = cap;
  return NULL;
}

/* A property of type "ay" holding the bitmask of a cpu or node list. */
static urun_error *append_mask(sd_bus_message *m, const char *name, const char *list) {
  uint8_t *mask = NULL;
  size_t len = 0;
  TRY(cpu_mask(list, &mask, &len));
  int r = sd_bus_message_open_container(m, 'r', "sv");
  if (r >= 0) r = sd_bus_message_append(m, "s", name);
  if (r >= 0) r = sd_bus_message_open_container(m, 'v', "ay");
  if (r >= 0) r = sd_bus_message_append_array(m, 'y', mask, len);
  if (r >= 0) r = sd_bus_message_close_container(m);
  if (r >= 0) r = sd_bus_message_close_container(m);
  free(mask);
  return r < 0 ? urun_error_code(-r, "systemd: %s", name) : NULL;
}

static urun_error *append_resource_properties(sd_bus_message *m, const struct spec_resources *res);

static urun_error *append_properties(sd_bus_message *m, const struct spec *s, const char *slice,
                                     pid_t pid) {
  int r = 0;
  _cleanup_free_ char *desc = NULL;
  if (asprintf(&desc, "urun container") < 0) return urun_error_code(ENOMEM, "systemd");
  r |= sd_bus_message_append(m, "(sv)", "Description", "s", desc);
  if (slice && *slice) r |= sd_bus_message_append(m, "(sv)", "Slice", "s", slice);
  r |= sd_bus_message_append(m, "(sv)", "Delegate", "b", 1);
  r |= sd_bus_message_append(m, "(sv)", "PIDs", "au", 1, (uint32_t)pid);
  r |= sd_bus_message_append(m, "(sv)", "CollectMode", "s", "inactive-or-failed");
  r |= sd_bus_message_append(m, "(sv)", "DefaultDependencies", "b", 0);
  if (r < 0) return urun_error_code(-r, "systemd: build StartTransientUnit");
  return append_resource_properties(m, &s->linux_.resources);
}

/* The limits systemd has properties for; the rest is written to files. */
static urun_error *append_resource_properties(sd_bus_message *m, const struct spec_resources *res) {
  int r = 0;
  if (res->present) {
    const struct spec_memory *mem = &res->memory;
    if (mem->has_limit && mem->limit > 0) r |= sd_bus_message_append(m, "(sv)", "MemoryMax", "t", (uint64_t)mem->limit);
    if (mem->has_reservation && mem->reservation > 0)
      r |= sd_bus_message_append(m, "(sv)", "MemoryLow", "t", (uint64_t)mem->reservation);
    if (mem->has_swap && mem->swap > 0 && mem->has_limit && mem->limit > 0 && mem->swap >= mem->limit)
      r |= sd_bus_message_append(m, "(sv)", "MemorySwapMax", "t", (uint64_t)(mem->swap - mem->limit));
    if (res->has_pids_limit && res->pids_limit > 0)
      r |= sd_bus_message_append(m, "(sv)", "TasksMax", "t", (uint64_t)res->pids_limit);
    const struct spec_cpu *c = &res->cpu;
    if (c->has_shares && c->shares) {
      uint64_t sh = c->shares < 2 ? 2 : c->shares > 262144 ? 262144 : c->shares;
      r |= sd_bus_message_append(m, "(sv)", "CPUWeight", "t", 1 + ((sh - 2) * 9999) / 262142);
    }
    if (c->has_quota && c->quota > 0) {
      uint64_t period = c->has_period && c->period ? c->period : 100000;
      uint64_t per_sec = (uint64_t)c->quota * 1000000 / period;
      if (per_sec % 10000) per_sec = (per_sec / 10000 + 1) * 10000; /* systemd rounds to 1% */
      r |= sd_bus_message_append(m, "(sv)", "CPUQuotaPerSecUSec", "t", per_sec);
      r |= sd_bus_message_append(m, "(sv)", "CPUQuotaPeriodUSec", "t", period);
    }
    if (c->cpus && *c->cpus) TRY(append_mask(m, "AllowedCPUs", c->cpus));
    if (c->mems && *c->mems) TRY(append_mask(m, "AllowedMemoryNodes", c->mems));
    if (res->block_io.has_weight) {
      uint64_t w = res->block_io.weight < 10 ? 10 : res->block_io.weight > 1000 ? 1000 : res->block_io.weight;
      r |= sd_bus_message_append(m, "(sv)", "IOWeight", "t", 1 + ((w - 10) * 9999) / 990);
    }
  }
  if (r < 0) return urun_error_code(-r, "systemd: resource properties");
  return NULL;
}

struct job_wait {
  const char *job;
  bool done;
  char result[64];
};

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *err) {
  struct job_wait *w = userdata;
  uint32_t id;
  const char *path, *unit, *result;
  if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0) return 0;
  if (w->job && !strcmp(path, w->job)) {
    w->done = true;
    snprintf(w->result, sizeof(w->result), "%s", result);
  }
  return 0;
}

/* Unit and slice from cgroupsPath "slice:prefix:name" (podman's form). */
static urun_error *unit_names(const struct spec *s, const char *id, bool user_bus, char **ret_unit,
                              char **ret_slice) {
  const char *cp = s->linux_.cgroups_path;
  char *slice = NULL, *unit = NULL;
  int r;
  if (cp && cp[0] != '/' && strchr(cp, ':')) {
    const char *a = strchr(cp, ':'), *b = strchr(a + 1, ':');
    if (!b) return urun_error_new("config.json: .linux.cgroupsPath: expected slice:prefix:name, not \"%s\"", cp);
    slice = strndup(cp, (size_t)(a - cp));
    _cleanup_free_ char *prefix = strndup(a + 1, (size_t)(b - a - 1));
    const char *name = b + 1;
    r = prefix && *prefix ? asprintf(&unit, "%s-%s.scope", prefix, name) : asprintf(&unit, "%s.scope", name);
    if (r < 0) unit = NULL;
  } else {
    if (asprintf(&unit, "urun-%s.scope", id) < 0) unit = NULL;
  }
  if (!slice || !*slice) {
    free(slice);
    slice = strdup(user_bus ? "user.slice" : "system.slice");
  }
  if (!unit || !slice) {
    free(unit);
    free(slice);
    return urun_error_code(ENOMEM, "systemd");
  }
  *ret_unit = unit;
  *ret_slice = slice;
  return NULL;
}

static urun_error *unit_cgroup(sd_bus *bus, const char *unit, char **ret) {
  sd_bus_error err = SD_BUS_ERROR_NULL;
  _cleanup_msg_ sd_bus_message *reply = NULL;
  int r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "GetUnit", &err, &reply, "s", unit);
  if (r < 0) {
    urun_error *e = bus_error(r, &err, "GetUnit");
    sd_bus_error_free(&err);
    return e;
  }
  const char *path;
  if ((r = sd_bus_message_read(reply, "o", &path)) < 0) return urun_error_code(-r, "systemd: GetUnit");
  char *cg = NULL;
  r = sd_bus_get_property_string(bus, SD_DEST, path, "org.freedesktop.systemd1.Scope", "ControlGroup", &err, &cg);
  if (r < 0) {
    urun_error *e = bus_error(r, &err, "ControlGroup");
    sd_bus_error_free(&err);
    return e;
  }
  /* ours from here: the string is libsystemd's, freed by its free */
  *ret = strdup(cg);
  sdbus_api.lib_free(cg);
  return *ret ? NULL : urun_error_code(ENOMEM, "systemd: ControlGroup");
}

urun_error *cgroup_systemd_start(struct cgroup_plan *p, const struct spec *s, pid_t pid) {
  _cleanup_bus_ sd_bus *bus = NULL;
  int r = open_bus(p->user_bus, &bus);
  if (r < 0) return urun_error_code(-r, "systemd: connect to the %s bus", p->user_bus ? "user" : "system");
  /* The names are ours to stop on failure only once systemd started the
   * unit: a unit of that name that exists already is another container's. */
  _cleanup_free_ char *unit = NULL, *slice = NULL;
  TRY(unit_names(s, p->id, p->user_bus, &unit, &slice));
  struct job_wait w = {0};
  sd_bus_slot *slot = NULL;
  r = sd_bus_match_signal(bus, &slot, SD_DEST, SD_PATH, SD_MANAGER, "JobRemoved", on_job_removed, &w);
  if (r < 0) return urun_error_code(-r, "systemd: watch JobRemoved");
  sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "Subscribe", NULL, NULL, "");
  TRY(journal_note_unit(p->journal_fd, unit, p->user_bus, NULL));
  _cleanup_msg_ sd_bus_message *m = NULL;
  r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "StartTransientUnit");
  if (r >= 0) r = sd_bus_message_append(m, "ss", unit, "fail");
  if (r >= 0) r = sd_bus_message_open_container(m, 'a', "(sv)");
  urun_error *e = r < 0 ? urun_error_code(-r, "systemd: StartTransientUnit") : append_properties(m, s, slice, pid);
  if (!e && (r = sd_bus_message_close_container(m)) >= 0) r = sd_bus_message_append(m, "a(sa(sv))", 0);
  if (!e && r < 0) e = urun_error_code(-r, "systemd: StartTransientUnit");
  _cleanup_msg_ sd_bus_message *reply = NULL;
  sd_bus_error err = SD_BUS_ERROR_NULL;
  if (!e && (r = sd_bus_call(bus, m, 0, &err, &reply)) < 0) {
    if (sd_bus_error_has_name(&err, "org.freedesktop.systemd1.UnitExists"))
      e = urun_error_new("systemd: %s exists already (another container's?): give this one another id or "
                         ".linux.cgroupsPath",
                         unit);
    else
      e = bus_error(r, &err, "StartTransientUnit");
  }
  sd_bus_error_free(&err);
  if (!e) p->unit = steal_ptr(unit);
  const char *job = NULL;
  if (!e && (r = sd_bus_message_read(reply, "o", &job)) < 0) e = urun_error_code(-r, "systemd: job");
  w.job = job;
  /* Wait for the job: the scope exists and holds init when it is "done". */
  struct timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  while (!e && !w.done) {
    r = sd_bus_process(bus, NULL);
    if (r < 0) e = urun_error_code(-r, "systemd: wait for job");
    else if (r == 0 && (r = sd_bus_wait(bus, 1000000)) < 0) e = urun_error_code(-r, "systemd: wait for job");
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (!e && now.tv_sec - start.tv_sec > 30) e = urun_error_new("systemd: %s did not start within 30 s", p->unit);
  }
  sd_bus_slot_unref(slot);
  if (!e && strcmp(w.result, "done") != 0) e = urun_error_new("systemd: starting %s: job %s", p->unit, w.result);
  _cleanup_free_ char *cg = NULL;
  if (!e) e = unit_cgroup(bus, p->unit, &cg);
  if (e) return e;
  p->scope = path_join(p->mountpoint, cg);
  p->path = p->scope ? path_join(p->scope, "container") : NULL;
  if (!p->path) return urun_error_code(ENOMEM, "systemd");
  TRY(journal_note_unit(p->journal_fd, p->unit, p->user_bus, p->path));
  /* The container's processes live in a leaf, so the delegated scope can
   * hand controllers down (no processes in inner groups). */
  if (mkdir(p->path, 0755) < 0 && errno != EEXIST) return urun_error_errno("cgroup: create %s", p->path);
  char pidbuf[32];
  int n = snprintf(pidbuf, sizeof(pidbuf), "%d", pid);
  _cleanup_free_ char *procs = path_join(p->path, "cgroup.procs");
  if (!procs) return urun_error_code(ENOMEM, "cgroup");
  TRY(urun_error_wrap(write_file_at(AT_FDCWD, procs, pidbuf, (size_t)n, 0), "cgroup: move init to %s", p->path));
  /* Every limit goes into the leaf too, what systemd has no property for
   * and what it has: the container then reads its limits at the root of
   * its own cgroup namespace, as with crun. */
  TRY(cgroup_enable_controllers(p->scope, &s->linux_.resources));
  return cgroup_write_resources(p->path, &s->linux_.resources, false);
}

urun_error *cgroup_systemd_update(const char *unit, bool user_bus, const struct spec_resources *res) {
  _cleanup_bus_ sd_bus *bus = NULL;
  int r = open_bus(user_bus, &bus);
  if (r < 0) return urun_error_code(-r, "systemd: connect to the %s bus", user_bus ? "user" : "system");
  _cleanup_msg_ sd_bus_message *m = NULL;
  r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "SetUnitProperties");
  if (r >= 0) r = sd_bus_message_append(m, "sb", unit, 1 /* runtime */);
  if (r >= 0) r = sd_bus_message_open_container(m, 'a', "(sv)");
  if (r < 0) return urun_error_code(-r, "systemd: SetUnitProperties");
  TRY(append_resource_properties(m, res));
  if ((r = sd_bus_message_close_container(m)) < 0) return urun_error_code(-r, "systemd: SetUnitProperties");
  sd_bus_error err = SD_BUS_ERROR_NULL;
  r = sd_bus_call(bus, m, 0, &err, NULL);
  urun_error *e = r < 0 ? bus_error(r, &err, "SetUnitProperties") : NULL;
  sd_bus_error_free(&err);
  return e;
}

urun_error *cgroup_systemd_attach(const char *unit, bool user_bus, const char *subgroup, pid_t pid) {
  _cleanup_bus_ sd_bus *bus = NULL;
  int r = open_bus(user_bus, &bus);
  if (r < 0) return urun_error_code(-r, "systemd: connect to the %s bus", user_bus ? "user" : "system");
  sd_bus_error err = SD_BUS_ERROR_NULL;
  r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "AttachProcessesToUnit", &err, NULL, "ssau", unit,
                         subgroup, 1, (uint32_t)pid);
  urun_error *e = r < 0 ? bus_error(r, &err, "AttachProcessesToUnit") : NULL;
  sd_bus_error_free(&err);
  return e;
}

urun_error *cgroup_systemd_stop(const char *unit, bool user_bus) {
  _cleanup_bus_ sd_bus *bus = NULL;
  int r = open_bus(user_bus, &bus);
  if (r < 0) return urun_error_code(-r, "systemd: connect to the %s bus", user_bus ? "user" : "system");
  sd_bus_error err = SD_BUS_ERROR_NULL;
  r = sd_bus_call_method(bus, SD_DEST, SD_PATH, SD_MANAGER, "StopUnit", &err, NULL, "ss", unit, "fail");
  urun_error *e = NULL;
  if (r < 0 && !sd_bus_error_has_name(&err, "org.freedesktop.systemd1.NoSuchUnit"))
    e = bus_error(r, &err, "StopUnit");
  sd_bus_error_free(&err);
  return e;
}
urun_error *cgroup_systemd_stop_if_empty(const char *unit, bool user_bus) {
  _cleanup_bus_ sd_bus *bus = NULL;
  int r = open_bus(user_bus, &bus);
  if (r < 0) return urun_error_code(-r, "systemd: connect to the %s bus", user_bus ? "user" : "system");
  _cleanup_free_ char *cg = NULL;
  urun_error *e = unit_cgroup(bus, unit, &cg);
  if (e) { /* no such unit: nothing to stop */
    urun_error_free(e);
    return NULL;
  }
  const char *mount = cgroup_mountpoint();
  _cleanup_free_ char *dir = mount ? path_join(mount, cg) : NULL;
  _cleanup_free_ char *events = dir ? path_join(dir, "cgroup.events") : NULL;
  _cleanup_free_ char *data = NULL;
  if (!events) return urun_error_code(ENOMEM, "systemd");
  e = read_file_at(AT_FDCWD, events, &data, NULL);
  if (e) { /* gone meanwhile */
    urun_error_free(e);
    return NULL;
  }
  if (cgroup_keyed(data, "populated")) return urun_error_new("%s has processes: not this container's", unit);
  return cgroup_systemd_stop(unit, user_bus);
}
#endif
