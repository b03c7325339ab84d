/* cgroup.c: cgroup v2 groups: driver choice, cgroupfs, limits; see cgroup.h. */
#define _GNU_SOURCE
#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cgroup_devices.h"
#include "cgroup_stats.h"
#include "cleanup.h"
#include "fsutil.h"
#include "journal.h"
#include "log.h"
#include "userns.h"

const char *cgroup_mountpoint(void) {
  struct statfs sf;
  if (statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC) return "/sys/fs/cgroup";
  if (statfs("/sys/fs/cgroup/unified", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)
    return "/sys/fs/cgroup/unified";
  return NULL;
}

char *cgroup_own_path(void) {
  _cleanup_free_ char *data = NULL;
  urun_error *e = read_file_at(AT_FDCWD, "/proc/self/cgroup", &data, NULL);
  if (e) {
    urun_error_free(e);
    return NULL;
  }
  for (char *line = strtok(data, "\n"); line; line = strtok(NULL, "\n"))
    if (str_has_prefix(line, "0::")) return strdup(line + 3);
  return NULL;
}

/* The JSON path of the first limit asked for and the controller it needs,
 * or NULL.  Device rules are not limits here (see spec_check.c). */
static const char *first_limit(const struct spec_resources *r, const char **ret_controller) {
  const struct spec_memory *m = &r->memory;
  const struct spec_cpu *c = &r->cpu;
  const struct spec_block_io *b = &r->block_io;
#define LIMIT(cond, path, ctl) if (cond) { *ret_controller = ctl; return path; }
  LIMIT(m->has_limit, ".linux.resources.memory.limit", "memory");
  LIMIT(m->has_reservation, ".linux.resources.memory.reservation", "memory");
  LIMIT(m->has_swap, ".linux.resources.memory.swap", "memory");
  LIMIT(m->has_kernel, ".linux.resources.memory.kernel", "memory");
  LIMIT(m->has_kernel_tcp, ".linux.resources.memory.kernelTCP", "memory");
  LIMIT(m->has_swappiness, ".linux.resources.memory.swappiness", "memory");
  LIMIT(m->has_disable_oom_killer && m->disable_oom_killer, ".linux.resources.memory.disableOOMKiller", "memory");
  LIMIT(c->has_shares, ".linux.resources.cpu.shares", "cpu");
  LIMIT(c->has_quota, ".linux.resources.cpu.quota", "cpu");
  LIMIT(c->has_period, ".linux.resources.cpu.period", "cpu");
  LIMIT(c->has_burst, ".linux.resources.cpu.burst", "cpu");
  LIMIT(c->has_idle, ".linux.resources.cpu.idle", "cpu");
  LIMIT(c->has_realtime_runtime, ".linux.resources.cpu.realtimeRuntime", "cpu");
  LIMIT(c->has_realtime_period, ".linux.resources.cpu.realtimePeriod", "cpu");
  LIMIT(c->cpus && *c->cpus, ".linux.resources.cpu.cpus", "cpuset");
  LIMIT(c->mems && *c->mems, ".linux.resources.cpu.mems", "cpuset");
  LIMIT(r->has_pids_limit && r->pids_limit > 0, ".linux.resources.pids.limit", "pids");
  LIMIT(b->has_weight || b->has_leaf_weight || b->weight_device_len, ".linux.resources.blockIO.weight", "io");
  LIMIT(b->throttle_read_bps.len || b->throttle_write_bps.len || b->throttle_read_iops.len ||
            b->throttle_write_iops.len,
        ".linux.resources.blockIO.throttle", "io");
  LIMIT(r->hugepage_limits_len, ".linux.resources.hugepageLimits", "hugetlb");
  LIMIT(r->rdma_len, ".linux.resources.rdma", "rdma");
  LIMIT(r->network.has_class_id || r->network.priorities_len, ".linux.resources.network", "net_cls");
  LIMIT(r->unified.len, ".linux.resources.unified", "");
#undef LIMIT
  return NULL;
}

bool cgroup_resources_requested(const struct spec_resources *r) {
  const char *ctl;
  return r->present && first_limit(r, &ctl) != NULL;
}

/* Every controller the config's limits need, as "+a +b" for subtree_control. */
static void needed_controllers(const struct spec_resources *r, char *buf, size_t len) {
  const struct spec_memory *m = &r->memory;
  const struct spec_cpu *c = &r->cpu;
  const struct spec_block_io *b = &r->block_io;
  buf[0] = '\0';
#define NEED(cond, name) if ((cond) && !strstr(buf, "+" name " ")) strncat(buf, "+" name " ", len - strlen(buf) - 1)
  NEED(m->has_limit || m->has_reservation || m->has_swap, "memory");
  NEED(c->has_shares || c->has_quota || c->has_period || c->has_burst || c->has_idle, "cpu");
  NEED((c->cpus && *c->cpus) || (c->mems && *c->mems), "cpuset");
  NEED(r->has_pids_limit && r->pids_limit > 0, "pids");
  NEED(b->has_weight || b->weight_device_len || b->throttle_read_bps.len || b->throttle_write_bps.len ||
           b->throttle_read_iops.len || b->throttle_write_iops.len,
       "io");
  NEED(r->hugepage_limits_len, "hugetlb");
  NEED(r->rdma_len, "rdma");
  for (size_t i = 0; i < r->unified.len; i++) {
    char ctl[64];
    const char *dot = strchr(r->unified.keys[i], '.');
    size_t n = dot ? (size_t)(dot - r->unified.keys[i]) : 0;
    if (!n || n >= sizeof(ctl) - 3 || !strncmp(r->unified.keys[i], "cgroup", n)) continue;
    snprintf(ctl, sizeof(ctl), "+%.*s ", (int)n, r->unified.keys[i]);
    if (!strstr(buf, ctl)) strncat(buf, ctl, len - strlen(buf) - 1);
  }
#undef NEED
}

/* Refuse, naming the first limit, saying why and what to do. */
static urun_error *refuse(const struct spec_resources *r, const char *why) {
  const char *ctl = "";
  const char *path = first_limit(r, &ctl);
  return urun_error_new("config.json: %s: resource limits need a cgroup of the container's own, but %s",
                        path ? path : ".linux.resources", why);
}

/* The same where the host is what is missing, which `urun check` explains. */
static urun_error *refuse_host(const struct spec_resources *r, const char *why) {
  _cleanup_free_ char *text = NULL;
  if (asprintf(&text, "%s (run 'urun check')", why) < 0) return urun_error_code(ENOMEM, "cgroup");
  return refuse(r, text);
}

/* Is `name` listed in the space-separated `list`? */
static bool word_in(const char *list, const char *name) {
  size_t n = strlen(name);
  for (const char *p = list; (p = strstr(p, name)); p += n)
    if ((p == list || p[-1] == ' ' || p[-1] == '\n') && (p[n] == ' ' || p[n] == '\n' || p[n] == '\0'))
      return true;
  return false;
}

/* Every controller in `wanted` ("+a +b ") must be in group's cgroup.controllers. */
static urun_error *check_available(const char *group, const char *wanted, const struct spec_resources *r) {
  _cleanup_free_ char *file = path_join(group, "cgroup.controllers");
  _cleanup_free_ char *have = NULL;
  if (!file) return urun_error_code(ENOMEM, "cgroup");
  TRY(read_file_at(AT_FDCWD, file, &have, NULL));
  _cleanup_free_ char *copy = strdup(wanted);
  if (!copy) return urun_error_code(ENOMEM, "cgroup");
  char *save = NULL;
  for (char *c = strtok_r(copy, " ", &save); c; c = strtok_r(NULL, " ", &save)) {
    if (word_in(have, c + 1)) continue;
    char *nl = strchr(have, '\n');
    if (nl) *nl = '\0';
    _cleanup_free_ char *why = NULL;
    if (asprintf(&why,
                 "the %s controller is not available in %s (available: %s): on a hybrid host it is "
                 "bound to cgroup v1; for a user, delegate it with a user@.service drop-in "
                 "(Delegate=%s)",
                 c + 1, group, *have ? have : "none", c + 1) < 0)
      return urun_error_code(ENOMEM, "cgroup");
    return refuse_host(r, why);
  }
  return NULL;
}

static bool cgroup_has_file(const char *dir, const char *file) {
  _cleanup_free_ char *p = path_join(dir, file);
  return p && access(p, F_OK) == 0;
}

static urun_error *write_cg(const char *dir, const char *file, const char *value) {
  _cleanup_free_ char *p = path_join(dir, file);
  if (!p) return urun_error_code(ENOMEM, "cgroup");
  urun_error *e = write_file_at(AT_FDCWD, p, value, strlen(value), 0);
  return e ? urun_error_wrap(e, "cgroup: write \"%s\" to %s", value, file) : NULL;
}

static urun_error *write_fmt(const char *dir, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static urun_error *write_fmt(const char *dir, const char *file, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  _cleanup_free_ char *v = NULL;
  int n = vasprintf(&v, fmt, ap);
  va_end(ap);
  if (n < 0) return urun_error_code(ENOMEM, "cgroup");
  return write_cg(dir, file, v);
}

/* runc's and crun's conversions from cgroup v1 values. */
static uint64_t shares_to_weight(uint64_t shares) {
  if (shares < 2) shares = 2;
  if (shares > 262144) shares = 262144;
  return 1 + ((shares - 2) * 9999) / 262142;
}

static uint64_t blkio_to_io_weight(uint64_t w) {
  if (w < 10) w = 10;
  if (w > 1000) w = 1000;
  return 1 + ((w - 10) * 9999) / 990;
}

static urun_error *write_memory(const char *path, const struct spec_memory *m) {
  if (m->has_kernel || m->has_kernel_tcp)
    return urun_error_new("config.json: .linux.resources.memory.kernel: cgroup v2 has no kernel memory limit");
  if (m->has_swappiness)
    return urun_error_new("config.json: .linux.resources.memory.swappiness: cgroup v2 has no per-group swappiness");
  if (m->has_disable_oom_killer && m->disable_oom_killer)
    return urun_error_new("config.json: .linux.resources.memory.disableOOMKiller: cgroup v2 cannot disable the OOM killer");
  if (m->has_reservation)
    TRY(m->reservation < 0 ? write_cg(path, "memory.low", "max")
                           : write_fmt(path, "memory.low", "%" PRId64, m->reservation));
  if (m->has_limit)
    TRY(m->limit < 0 ? write_cg(path, "memory.max", "max") : write_fmt(path, "memory.max", "%" PRId64, m->limit));
  if (m->has_swap) {
    /* v1's swap is memory+swap; v2's swap.max is swap alone */
    if (m->swap < 0) TRY(write_cg(path, "memory.swap.max", "max"));
    else if (!m->has_limit || m->limit < 0)
      return urun_error_new("config.json: .linux.resources.memory.swap: needs memory.limit (it counts memory plus swap)");
    else if (m->swap < m->limit)
      return urun_error_new("config.json: .linux.resources.memory.swap: must be at least memory.limit");
    else TRY(write_fmt(path, "memory.swap.max", "%" PRId64, m->swap - m->limit));
  }
  return NULL;
}

static urun_error *write_cpu(const char *path, const struct spec_cpu *c) {
  if (c->has_realtime_runtime || c->has_realtime_period)
    return urun_error_new("config.json: .linux.resources.cpu.realtimeRuntime: cgroup v2 has no real-time limits");
  if (c->has_shares && c->shares) TRY(write_fmt(path, "cpu.weight", "%" PRIu64, shares_to_weight(c->shares)));
  if (c->has_quota || c->has_period) {
    uint64_t period = c->has_period && c->period ? c->period : 100000;
    if (c->has_quota && c->quota > 0) TRY(write_fmt(path, "cpu.max", "%" PRId64 " %" PRIu64, c->quota, period));
    else TRY(write_fmt(path, "cpu.max", "max %" PRIu64, period));
  }
  if (c->has_burst) TRY(write_fmt(path, "cpu.max.burst", "%" PRIu64, c->burst));
  if (c->has_idle) TRY(write_fmt(path, "cpu.idle", "%" PRId64, c->idle));
  if (c->cpus && *c->cpus) TRY(write_cg(path, "cpuset.cpus", c->cpus));
  if (c->mems && *c->mems) TRY(write_cg(path, "cpuset.mems", c->mems));
  return NULL;
}

static urun_error *write_throttle(const char *path, const struct spec_throttle_list *l, const char *key) {
  for (size_t i = 0; i < l->len; i++)
    TRY(write_fmt(path, "io.max", "%" PRId64 ":%" PRId64 " %s=%" PRIu64, l->items[i].major, l->items[i].minor,
                  key, l->items[i].rate));
  return NULL;
}

static urun_error *write_io(const char *path, const struct spec_block_io *b) {
  if (b->has_weight) TRY(write_fmt(path, "io.weight", "default %" PRIu64, blkio_to_io_weight(b->weight)));
  for (size_t i = 0; i < b->weight_device_len; i++) {
    const struct spec_weight_device *d = &b->weight_device[i];
    if (d->has_weight)
      TRY(write_fmt(path, "io.weight", "%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor,
                    blkio_to_io_weight(d->weight)));
  }
  TRY(write_throttle(path, &b->throttle_read_bps, "rbps"));
  TRY(write_throttle(path, &b->throttle_write_bps, "wbps"));
  TRY(write_throttle(path, &b->throttle_read_iops, "riops"));
  TRY(write_throttle(path, &b->throttle_write_iops, "wiops"));
  return NULL;
}

urun_error *cgroup_write_resources(const char *path, const struct spec_resources *r, bool update) {
  if (!r->present) return NULL;
  TRY(write_memory(path, &r->memory));
  TRY(write_cpu(path, &r->cpu));
  if (r->has_pids_limit && r->pids_limit > 0) TRY(write_fmt(path, "pids.max", "%" PRId64, r->pids_limit));
  else if (r->has_pids_limit && cgroup_has_file(path, "pids.max")) TRY(write_cg(path, "pids.max", "max"));
  /* 0 and -1 are "unlimited": what a group without a pids controller is */
  TRY(write_io(path, &r->block_io));
  for (size_t i = 0; i < r->hugepage_limits_len; i++) {
    char file[96];
    snprintf(file, sizeof(file), "hugetlb.%s.max", r->hugepage_limits[i].page_size);
    TRY(write_fmt(path, file, "%" PRIu64, r->hugepage_limits[i].limit));
  }
  for (size_t i = 0; i < r->rdma_len; i++) {
    const struct spec_rdma *d = &r->rdma[i];
    char h[32] = "max", o[32] = "max";
    if (d->has_hca_handles) snprintf(h, sizeof(h), "%u", d->hca_handles);
    if (d->has_hca_objects) snprintf(o, sizeof(o), "%u", d->hca_objects);
    TRY(write_fmt(path, "rdma.max", "%s hca_handle=%s hca_object=%s", d->device, h, o));
  }
  if (r->network.has_class_id || r->network.priorities_len)
    return urun_error_new("config.json: .linux.resources.network: net_cls and net_prio exist only in cgroup v1");
  for (size_t i = 0; i < r->unified.len; i++) {
    const char *key = r->unified.keys[i];
    if (strchr(key, '/') || key[0] == '.')
      return urun_error_new("config.json: .linux.resources.unified: invalid key \"%s\"", key);
    _cleanup_free_ char *file = path_join(path, key);
    if (!file) return urun_error_code(ENOMEM, "cgroup");
    if (access(file, F_OK) < 0)
      return urun_error_new("config.json: .linux.resources.unified[\"%s\"]: no such cgroup file (is its "
                            "controller enabled?)",
                            key);
    TRY(write_cg(path, key, r->unified.values[i]));
  }
  (void)update;
  return NULL;
}

/* Enable `wanted` in subtree_control of every group from the mount down to
 * (not including) `leaf`, making missing directories. */
static urun_error *make_path(const char *mount, const char *rel, const char *wanted) {
  _cleanup_free_ char *cur = strdup(mount);
  _cleanup_free_ char *copy = strdup(rel);
  if (!cur || !copy) return urun_error_code(ENOMEM, "cgroup");
  char *save = NULL;
  for (char *part = strtok_r(copy, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
    if (*wanted) TRY(write_cg(cur, "cgroup.subtree_control", wanted));
    char *next = path_join(cur, part);
    if (!next) return urun_error_code(ENOMEM, "cgroup");
    free(cur);
    cur = next;
    if (mkdir(cur, 0755) < 0 && errno != EEXIST) return urun_error_errno("cgroup: create %s", cur);
    if (access(cur, W_OK) < 0) return urun_error_errno("cgroup: %s", cur);
  }
  return NULL;
}

static char *parent_of(const char *path) {
  char *p = strdup(path);
  char *slash = p ? strrchr(p, '/') : NULL;
  if (slash && slash != p) *slash = '\0';
  else if (slash) slash[1] = '\0';
  return p;
}

char *cgroup_lasting_ancestor(const char *path, bool systemd) {
  _cleanup_free_ char *parent = parent_of(path);
  return systemd && parent ? parent_of(parent) : steal_ptr(parent);
}

/* A group with processes is another container's (the same id under another
 * --root, or a cgroupsPath given twice): joining it would let one's delete
 * kill the other's processes.  runc refuses it too. */
static urun_error *refuse_populated(struct cgroup_plan *p) {
  _cleanup_free_ char *events = NULL;
  urun_error *e = read_file_at(p->dirfd, "cgroup.events", &events, NULL);
  if (e) return urun_error_wrap(e, "cgroup: %s", p->path);
  if (!cgroup_keyed(events, "populated")) return NULL;
  p->foreign = true;
  return urun_error_new("cgroup: %s already has processes (another container's?): give this one a "
                        ".linux.cgroupsPath of its own",
                        p->path);
}

/* A group in the caller's delegated subtree: beside its own group (its own
 * has processes, so controllers can't be enabled below it). */
static urun_error *prepare_cgroupfs(const struct spec *s, const char *id, const char *mount,
                                    const char *wanted, struct cgroup_plan *p) {
  const char *cp = s->linux_.cgroups_path;
  _cleanup_free_ char *rel = NULL;
  if (cp && cp[0] == '/') {
    rel = strdup(cp + 1);
  } else {
    _cleanup_free_ char *own = cgroup_own_path();
    _cleanup_free_ char *base = geteuid() == 0 && !cp ? strdup("/urun") : own ? parent_of(own) : NULL;
    if (!base) return urun_error_new("cgroup: cannot read /proc/self/cgroup");
    if (asprintf(&rel, "%s/%s", strcmp(base, "/") ? base + 1 : "", cp ? cp : id) < 0) rel = NULL;
    if (rel && rel[0] == '/') memmove(rel, rel + 1, strlen(rel));
  }
  if (!rel) return urun_error_code(ENOMEM, "cgroup");
  p->path = path_join(mount, rel);
  if (!p->path) return urun_error_code(ENOMEM, "cgroup");
  TRY(check_available(mount, wanted, &s->linux_.resources));
  TRY(journal_note_path(p->journal_fd, "cgroup", p->path, false));
  TRY(make_path(mount, rel, wanted));
  p->dirfd = open(p->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (p->dirfd < 0) return urun_error_errno("cgroup: open %s", p->path);
  TRY(refuse_populated(p));
  /* empty, so ours: a delete --force may kill what is in it from now on */
  TRY(journal_note_path(p->journal_fd, "cgroup", p->path, true));
  /* Limits are in place before init exists (it is cloned into the group). */
  return cgroup_write_resources(p->path, &s->linux_.resources, false);
}

static bool systemd_path_form(const char *cp) {
  if (!cp || cp[0] == '/') return false;
  const char *a = strchr(cp, ':');
  return a && strchr(a + 1, ':');
}

/* cpu.shares 1024 is cgroup v1's default weight, and what containerd's and
 * others' generated configs always carry: where this host's cgroup v2 has
 * no cpu controller (hybrid hosts bind it to v1), asking for the default
 * asks for nothing, so it does not make the container fail. */
void cgroup_drop_default_cpu_shares(struct spec_resources *r) {
  if (!r->cpu.has_shares || r->cpu.shares != 1024) return;
  const char *mount = cgroup_mountpoint();
  _cleanup_free_ char *file = mount ? path_join(mount, "cgroup.controllers") : NULL;
  _cleanup_free_ char *have = NULL;
  if (file) urun_error_free(read_file_at(AT_FDCWD, file, &have, NULL));
  if (have && word_in(have, "cpu")) return;
  log_debug("cgroup: .linux.resources.cpu.shares 1024 is the default weight and cgroup v2 has no cpu controller here: nothing to set");
  r->cpu.has_shares = false;
}

urun_error *cgroup_prepare(const struct spec *s, const char *id, enum cgroup_manager manager,
                           int journal_fd, struct cgroup_plan *ret) {
  memset(ret, 0, sizeof(*ret));
  ret->dirfd = -1;
  ret->journal_fd = journal_fd;
  const struct spec_resources *r = &s->linux_.resources;
  bool limits = cgroup_resources_requested(r);
  const char *mount = cgroup_mountpoint();
  if (manager == CGROUP_MANAGER_DISABLED) {
    if (limits) return refuse(r, "--cgroup-manager=disabled was given");
    return NULL;
  }
  if (!mount) {
    if (limits) return refuse_host(r, "this host has no cgroup v2 hierarchy (cgroup v1 only)");
    return NULL;
  }
  ret->mountpoint = strdup(mount);
  ret->id = strdup(id);
  if (!ret->mountpoint || !ret->id) return urun_error_code(ENOMEM, "cgroup");
  char wanted[256];
  needed_controllers(r, wanted, sizeof(wanted));
  bool unified = !strcmp(mount, "/sys/fs/cgroup");
  bool want_systemd = manager == CGROUP_MANAGER_SYSTEMD ||
                      (manager == CGROUP_MANAGER_AUTO && unified &&
                       (systemd_path_form(s->linux_.cgroups_path) || !running_as_real_root()));
  if (want_systemd) {
    /* root of a user namespace is a user to systemd: the user's bus */
    ret->user_bus = !running_as_real_root();
    if (cgroup_systemd_available(ret->user_bus)) {
      ret->driver = CGROUP_DRIVER_SYSTEMD;
      return NULL; /* the scope is started around init's pid in cgroup_enter */
    }
    if (manager == CGROUP_MANAGER_SYSTEMD && !limits && ret->user_bus) {
      /* callers pass the flag from their own config whatever the host (crun) */
      log_debug("cgroup: none (the systemd driver was asked for, but systemd's user bus is not "
                "reachable, and no limit is asked for)");
      ret->driver = CGROUP_DRIVER_NONE;
      return NULL;
    }
    if (manager == CGROUP_MANAGER_SYSTEMD)
      return urun_error_new("cgroup: the systemd driver was asked for, but systemd's %s bus is not reachable%s",
                            ret->user_bus ? "user" : "system",
                            ret->user_bus ? " (enable lingering: `loginctl enable-linger`, and install "
                                            "dbus-user-session)"
                                          : "");
  }
  urun_error *e = prepare_cgroupfs(s, id, mount, wanted, ret);
  if (!e) {
    ret->driver = CGROUP_DRIVER_CGROUPFS;
    return NULL;
  }
  if (ret->foreign) {
    /* whatever the driver: running beside it without a group would hide that */
    free(ret->path);
    ret->path = NULL;
    return e;
  }
  if (ret->path) rmdir(ret->path);
  /* the group is gone: init must not be cloned into it */
  if (ret->dirfd >= 0) close(ret->dirfd);
  ret->dirfd = -1;
  bool config_error = str_has_prefix(e->message, "config.json:");
  if (manager == CGROUP_MANAGER_CGROUPFS && !limits && !config_error && !running_as_real_root()) {
    /* a user's cgroupfs without a delegated subtree: as crun, run without
     * a group (nothing to enforce); limits keep the refusal below */
    manager = CGROUP_MANAGER_AUTO;
  }
  if (manager == CGROUP_MANAGER_CGROUPFS && !config_error)
    e = urun_error_wrap(e, "cgroup: the cgroupfs driver cannot make %s%s", ret->path ? ret->path : "a group",
                        !running_as_real_root() ? " (that part of the hierarchy is not delegated to you: use the systemd "
                                         "driver, or a user@.service drop-in with Delegate=yes)"
                                       : "");
  free(ret->path);
  ret->path = NULL;
  if (manager == CGROUP_MANAGER_CGROUPFS) return e;
  if (limits) {
    if (str_has_prefix(e->message, "config.json:")) return e;
    urun_error_free(e);
    return refuse_host(r, !running_as_real_root()
                         ? "no cgroup can be had: systemd's user bus is not reachable (enable lingering "
                           "with `loginctl enable-linger` and install dbus-user-session) and no cgroup "
                           "subtree is delegated to you (a user@.service drop-in with Delegate=yes)"
                         : "no cgroup can be made in the cgroup v2 hierarchy");
  }
  /* No limits: running without a group of its own is fine. */
  log_debug("cgroup: none (%s)", e->message);
  urun_error_free(e);
  ret->driver = CGROUP_DRIVER_NONE;
  return NULL;
}

/* Device rules: enforced by an eBPF program where the caller may load one
 * (root on the host); a user's container has only the nodes bind-mounted
 * from the host, guarded by the kernel's own permission checks. */
static urun_error *apply_device_rules(const char *path, const struct spec *s) {
  if (!s->linux_.resources.devices_len || !running_as_real_root()) return NULL;
  _cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return urun_error_errno("cgroup: open %s", path);
  return cgroup_devices_attach(fd, s);
}

urun_error *cgroup_enter(struct cgroup_plan *p, const struct spec *s, pid_t pid) {
  if (p->driver == CGROUP_DRIVER_NONE) return NULL;
  if (p->driver == CGROUP_DRIVER_SYSTEMD) TRY(cgroup_systemd_start(p, s, pid));
  else if (!p->placed) TRY(write_fmt(p->path, "cgroup.procs", "%d", pid));
  return NULL;
}

urun_error *cgroup_enter_devices(const struct cgroup_plan *p, const struct spec *s) {
  if (p->driver == CGROUP_DRIVER_NONE) return NULL;
  return apply_device_rules(p->path, s);
}

urun_error *cgroup_freeze(const char *path, bool freeze) {
  TRY(write_cg(path, "cgroup.freeze", freeze ? "1" : "0"));
  /* cgroup.events says "frozen 1" once every task stopped. */
  _cleanup_free_ char *events = path_join(path, "cgroup.events");
  if (!events) return urun_error_code(ENOMEM, "cgroup");
  for (int i = 0; i < 500; i++) {
    _cleanup_free_ char *data = NULL;
    TRY(read_file_at(AT_FDCWD, events, &data, NULL));
    if ((cgroup_keyed(data, "frozen") == 1) == freeze) return NULL;
    usleep(2000);
  }
  return urun_error_new("cgroup: %s did not %s within a second", path, freeze ? "freeze" : "thaw");
}

urun_error *cgroup_pids(const char *path, pid_t **ret, size_t *ret_len) {
  _cleanup_free_ char *file = path_join(path, "cgroup.procs");
  _cleanup_free_ char *data = NULL;
  if (!file) return urun_error_code(ENOMEM, "cgroup");
  TRY(read_file_at(AT_FDCWD, file, &data, NULL));
  size_t n = 0, cap = 16;
  _cleanup_free_ pid_t *pids = malloc(cap * sizeof(pid_t));
  if (!pids) return urun_error_code(ENOMEM, "cgroup");
  for (char *line = strtok(data, "\n"); line; line = strtok(NULL, "\n")) {
    if (n == cap) {
      pid_t *np = realloc(pids, (cap *= 2) * sizeof(pid_t));
      if (!np) return urun_error_code(ENOMEM, "cgroup");
      pids = np;
    }
    pids[n++] = (pid_t)atoi(line);
  }
  *ret = steal_ptr(pids);
  *ret_len = n;
  return NULL;
}

urun_error *cgroup_kill_all(const char *path, int sig) {
  _cleanup_free_ char *killfile = path_join(path, "cgroup.kill");
  if (sig == SIGKILL && killfile && access(killfile, W_OK) == 0) return write_cg(path, "cgroup.kill", "1");
  pid_t *pids = NULL;
  size_t n = 0;
  TRY(cgroup_pids(path, &pids, &n));
  for (size_t i = 0; i < n; i++) kill(pids[i], sig);
  free(pids);
  return NULL;
}

/* rmdir `path` and the groups below it (exec --cgroup, or the container's
 * own), deepest first; EBUSY until the killed tasks are gone. */
static urun_error *remove_tree(const char *path, int depth) {
  _cleanup_closedir_ DIR *d = opendir(path);
  struct dirent *de;
  while (d && depth < 32 && (de = readdir(d))) {
    if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
    _cleanup_free_ char *child = path_join(path, de->d_name);
    if (!child) return urun_error_code(ENOMEM, "cgroup");
    TRY(remove_tree(child, depth + 1));
  }
  for (int i = 0; i < 500 && rmdir(path) < 0 && errno == EBUSY; i++) usleep(2000);
  if (access(path, F_OK) == 0 && rmdir(path) < 0 && errno != ENOENT) return urun_error_errno("cgroup: remove %s", path);
  return NULL;
}

urun_error *cgroup_destroy(const char *path, const char *unit, bool user_bus) {
  /* an exited container's group, empty and without children, goes with one
   * rmdir; a populated one (EBUSY) or one with groups below is killed and
   * walked */
  if (path && rmdir(path) < 0 && errno != ENOENT) {
    urun_error_free(cgroup_kill_all(path, SIGKILL));
    TRY(remove_tree(path, 0));
  }
  if (unit) TRY(cgroup_systemd_stop(unit, user_bus));
  return NULL;
}

void cgroup_plan_free(struct cgroup_plan *p) {
  free(p->mountpoint);
  free(p->path);
  free(p->scope);
  free(p->unit);
  free(p->id);
  if (p->dirfd >= 0) close(p->dirfd);
  memset(p, 0, sizeof(*p));
  p->dirfd = -1;
}

/* A group's controllers come from its parent's subtree_control: enable
 * `ctl` there, and in the parent's parent first where it is missing, up to
 * the cgroup2 mount (as far as the caller may write). */
static urun_error *enable_controller(const char *group, const char *ctl) {
  const char *mount = cgroup_mountpoint();
  _cleanup_free_ char *parent = parent_of(group);
  if (!mount || !parent) return urun_error_code(ENOMEM, "cgroup");
  if (strlen(parent) < strlen(mount) || strncmp(parent, mount, strlen(mount)))
    return urun_error_new("cgroup: %s is not below %s", group, mount);
  _cleanup_free_ char *file = path_join(parent, "cgroup.controllers");
  _cleanup_free_ char *have = NULL;
  if (!file) return urun_error_code(ENOMEM, "cgroup");
  TRY(read_file_at(AT_FDCWD, file, &have, NULL));
  if (!word_in(have, ctl)) {
    if (!strcmp(parent, mount)) return urun_error_new("cgroup: no %s controller in %s", ctl, mount);
    TRY(enable_controller(parent, ctl));
  }
  char plus[72];
  snprintf(plus, sizeof(plus), "+%s", ctl);
  return write_cg(parent, "cgroup.subtree_control", plus);
}

urun_error *cgroup_enable_controllers(const char *parent, const struct spec_resources *r) {
  char wanted[256];
  needed_controllers(r, wanted, sizeof(wanted));
  if (!*wanted) return NULL;
  TRY(check_available(parent, wanted, r));
  return write_cg(parent, "cgroup.subtree_control", wanted);
}

urun_error *cgroup_update(const char *path, const char *unit, bool user_bus, const struct spec_resources *r) {
  _cleanup_free_ char *file = path_join(path, "cgroup.controllers");
  _cleanup_free_ char *have = NULL;
  if (!file) return urun_error_code(ENOMEM, "cgroup");
  TRY(read_file_at(AT_FDCWD, file, &have, NULL));
  char wanted[256], *save = NULL;
  needed_controllers(r, wanted, sizeof(wanted));
  /* create enabled only the controllers the config limited */
  for (char *c = strtok_r(wanted, " ", &save); c; c = strtok_r(NULL, " ", &save))
    if (!word_in(have, c + 1))
      TRY(urun_error_wrap(enable_controller(path, c + 1), "the %s controller is not enabled for %s", c + 1, path));
  if (unit) TRY(cgroup_systemd_update(unit, user_bus, r));
  return cgroup_write_resources(path, r, true);
}

urun_error *cgroup_join(const char *path, const char *unit, bool user_bus, pid_t pid) {
  char buf[32];
  int n = snprintf(buf, sizeof(buf), "%d", pid);
  _cleanup_free_ char *procs = path_join(path, "cgroup.procs");
  if (!procs) return urun_error_code(ENOMEM, "cgroup");
  urun_error *e = write_file_at(AT_FDCWD, procs, buf, (size_t)n, 0);
  if (!e) return NULL;
  /* a user may not move a process out of its login session's scope (the
   * common ancestor's cgroup.procs is root's); systemd may */
  if (unit && (e->code == EACCES || e->code == EPERM)) {
    urun_error_free(e);
    const char *leaf = strrchr(path, '/');
    return cgroup_systemd_attach(unit, user_bus, leaf ? leaf : "/", pid);
  }
  return urun_error_wrap(e, "cgroup: join %s", path);
}
