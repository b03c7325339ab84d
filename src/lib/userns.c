/* userns.c: id maps for a new user namespace; see userns.h. */
#define _GNU_SOURCE
#include "userns.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <shadow/subid.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "lazy_libs.h"
#include "fsutil.h"
#include "log.h"

extern char **environ;

bool in_user_namespace(void) {
  _cleanup_free_ char *map = NULL;
  urun_error *e = read_file_at(AT_FDCWD, "/proc/self/uid_map", &map, NULL);
  if (e) {
    urun_error_free(e);
    return false;
  }
  /* The initial namespace maps the whole range, "0 0 4294967295", on one
   * line.  (strtoul, not sscanf: scanf's code is pages a start-up faults in.) */
  char *p = map, *end;
  unsigned long v[3];
  for (int i = 0; i < 3; i++, p = end) {
    v[i] = strtoul(p, &end, 10);
    if (end == p) return true;
  }
  while (*p == ' ' || *p == '\n') p++;
  return !(v[0] == 0 && v[1] == 0 && v[2] == 4294967295UL && *p == '\0');
}

bool running_as_real_root(void) { return geteuid() == 0 && !in_user_namespace(); }

/* Root with CAP_SETUID and CAP_SETGID writes any map itself; root of a
 * container that dropped them (a CI job's) is as unprivileged as a user. */
bool userns_can_map_any(void) {
  if (geteuid() != 0) return false;
  struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
  struct __user_cap_data_struct d[2];
  if (syscall(SYS_capget, &h, d) < 0) return false;
  unsigned long long eff = d[0].effective | ((unsigned long long)d[1].effective << 32);
  return (eff & (1ULL << CAP_SETUID)) && (eff & (1ULL << CAP_SETGID));
}

static urun_error *copy_maps(const struct spec_id_mappings *src, struct spec_id_mappings *dst) {
  dst->len = 0;
  dst->items = calloc(src->len + 3, sizeof(*dst->items));
  if (!dst->items) return urun_error_code(ENOMEM, "id maps");
  if (src->len) memcpy(dst->items, src->items, src->len * sizeof(*src->items));
  dst->len = src->len;
  return NULL;
}

static void add_map(struct spec_id_mappings *m, uint32_t c, uint32_t h, uint32_t n) {
  m->items[m->len++] = (struct spec_id_mapping){c, h, n};
}

const char *userns_find_helper(const char *name) {
  static char buf[256];
  const char *dirs[] = {"/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin", NULL};
  for (int i = 0; dirs[i]; i++) {
    snprintf(buf, sizeof(buf), "%s/%s", dirs[i], name);
    if (access(buf, X_OK) == 0) return buf;
  }
  return NULL;
}

static char *user_name(uid_t uid) {
  struct passwd pw, *res = NULL;
  char buf[2048];
  if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res) return strdup(res->pw_name);
  return NULL;
}

void userns_free_ranges(struct subid_range **r) {
  if (*r) subid_api.lib_free(*r);
}

int userns_sub_ranges(bool uid, struct subid_range **ret) {
  _cleanup_free_ char *name = user_name(getuid());
  *ret = NULL;
  if (!name) return -1;
  urun_error *e = subid_load();
  if (e) {
    log_debug("subordinate ids: %s", e->message);
    urun_error_free(e);
    return -1;
  }
  /* once: libsubid keeps (a copy of) the name, and a second call drops the first */
  static bool initialised;
  if (!initialised) subid_init("urun", NULL);
  initialised = true;
  return uid ? subid_get_uid_ranges(name, ret) : subid_get_gid_ranges(name, ret);
}

static bool in_ranges(const struct subid_range *r, int n, unsigned long start, unsigned long count) {
  for (int i = 0; i < n; i++)
    if (start >= r[i].start && start + count <= r[i].start + r[i].count) return true;
  return false;
}

/* An unprivileged caller may map its own id and its subordinate ranges. */
static urun_error *check_unprivileged_maps(const struct spec_id_mappings *m, bool uid,
                                           bool *ret_needs_helper) {
  unsigned long own = uid ? geteuid() : getegid();
  const char *file = uid ? "/etc/subuid" : "/etc/subgid";
  const char *helper = uid ? "newuidmap" : "newgidmap";
  const char *field = uid ? "linux.uidMappings" : "linux.gidMappings";
  bool only_own = m->len == 1 && m->items[0].host_id == own && m->items[0].size == 1;
  *ret_needs_helper = !only_own;
  if (only_own) return NULL;
  if (!userns_find_helper(helper))
    return urun_error_new("%s: mapping more than your own id needs %s: install the uidmap package (run "
                          "'urun check')",
                          field, helper);
  _cleanup_subid_ranges_ struct subid_range *ranges = NULL;
  int n = userns_sub_ranges(uid, &ranges);
  for (size_t i = 0; i < m->len; i++) {
    const struct spec_id_mapping *x = &m->items[i];
    if (x->host_id == own && x->size == 1) continue;
    if (n <= 0 || !in_ranges(ranges, n, x->host_id, x->size))
      return urun_error_new("%s[%zu]: host ids %u-%lu are not yours: add a range for your user to "
                            "%s, e.g. `usermod --add-subuids`/`--add-subgids` (run 'urun check')",
                            field, i, x->host_id, (unsigned long)x->host_id + x->size - 1, file);
  }
  return NULL;
}

/* Default maps when the config has none (crun's): the process's id
 * `container_id` is the caller, and the caller's first subordinate range
 * (for a user: where newuidmap/newgidmap can write it; root writes its
 * own) fills the ids below it and then the ids above.  A process running
 * as 0, the usual case, is root of the container: 0 is the caller, the
 * range follows from 1. */
static void default_maps(struct spec_id_mappings *m, bool uid, uint32_t container_id) {
  unsigned long own = uid ? geteuid() : getegid();
  _cleanup_subid_ranges_ struct subid_range *ranges = NULL;
  int n = userns_can_map_any() || userns_find_helper(uid ? "newuidmap" : "newgidmap") ? userns_sub_ranges(uid, &ranges) : 0;
  unsigned long from = n > 0 ? ranges[0].start : 0, left = n > 0 ? ranges[0].count : 0;
  if (container_id > 0 && left > 0) {
    unsigned long below = left < container_id ? left : container_id;
    add_map(m, 0, (uint32_t)from, (uint32_t)below);
    from += below;
    left -= below;
  }
  add_map(m, container_id, (uint32_t)own, 1);
  if (left > 0 && (unsigned long)container_id + left <= UINT32_MAX)
    add_map(m, container_id + 1, (uint32_t)from, (uint32_t)left);
}

static bool ranges_overlap(uint64_t a, uint64_t an, uint64_t b, uint64_t bn) { return a < b + bn && b < a + an; }

/* The kernel refuses a map whose ranges overlap on either side; say which
 * entries of the config do, rather than let newgidmap's refusal point at
 * /etc/subgid. */
static urun_error *check_map_overlaps(const struct spec_id_mappings *m, const char *field) {
  for (size_t i = 0; i < m->len; i++) {
    const struct spec_id_mapping *x = &m->items[i];
    if (x->size == 0) return urun_error_new("config.json: .linux.%s[%zu].size: must be at least 1", field, i);
    for (size_t k = 0; k < i; k++) {
      const struct spec_id_mapping *y = &m->items[k];
      if (ranges_overlap(x->container_id, x->size, y->container_id, y->size))
        return urun_error_new("config.json: .linux.%s[%zu]: containerID range overlaps .linux.%s[%zu]'s", field, i,
                              field, k);
      if (ranges_overlap(x->host_id, x->size, y->host_id, y->size))
        return urun_error_new("config.json: .linux.%s[%zu]: hostID range overlaps .linux.%s[%zu]'s", field, i, field,
                              k);
    }
  }
  return NULL;
}

urun_error *userns_plan_make(const struct spec *spec, enum rootless_mode mode,
                             struct userns_plan *ret) {
  memset(ret, 0, sizeof(*ret));
  const struct spec_namespace *ns = spec_find_namespace(spec, "user");
  bool privileged = userns_can_map_any() && mode != ROOTLESS_TRUE;
  if (ns && ns->path) return NULL; /* joined, nothing to write */
  if (!ns && geteuid() == 0 && mode != ROOTLESS_TRUE) return NULL; /* root without a user ns */
  ret->create = true;
  /* the config's maps; where it has none (or no user namespace), crun's
   * default, for root as for a user: the caller is the process's id */
  const struct spec_id_mappings empty = {0};
  const struct spec_id_mappings *cu = ns ? &spec->linux_.uid_mappings : &empty;
  const struct spec_id_mappings *cg = ns ? &spec->linux_.gid_mappings : &empty;
  TRY(check_map_overlaps(cu, "uidMappings"));
  TRY(check_map_overlaps(cg, "gidMappings"));
  TRY(copy_maps(cu, &ret->uid_maps));
  TRY(copy_maps(cg, &ret->gid_maps));
  if (!cu->len) default_maps(&ret->uid_maps, true, spec->process.user.uid);
  if (!cg->len) default_maps(&ret->gid_maps, false, spec->process.user.gid);
  if (privileged) return NULL; /* root writes any map itself */
  bool uid_helper, gid_helper;
  TRY(check_unprivileged_maps(&ret->uid_maps, true, &uid_helper));
  TRY(check_unprivileged_maps(&ret->gid_maps, false, &gid_helper));
  ret->use_helpers = uid_helper || gid_helper;
  ret->deny_setgroups = !ret->use_helpers;
  return NULL;
}

void userns_plan_free(struct userns_plan *p) {
  free(p->uid_maps.items);
  free(p->gid_maps.items);
  memset(p, 0, sizeof(*p));
}

long userns_to_host(const struct spec_id_mappings *m, uint32_t id) {
  for (size_t i = 0; i < m->len; i++)
    if (id >= m->items[i].container_id && id - m->items[i].container_id < m->items[i].size)
      return (long)m->items[i].host_id + (id - m->items[i].container_id);
  return -1;
}

bool userns_is_mapped(const struct spec_id_mappings *m, uint32_t id) {
  return userns_to_host(m, id) >= 0;
}

static urun_error *write_proc_map(pid_t pid, const char *file, const struct spec_id_mappings *m) {
  char path[64], buf[4096];
  size_t off = 0;
  for (size_t i = 0; i < m->len && off < sizeof(buf); i++)
    off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%u %u %u\n", m->items[i].container_id,
                            m->items[i].host_id, m->items[i].size);
  snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
  return write_file_at(AT_FDCWD, path, buf, off, 0);
}

urun_error *userns_run_map_helper(pid_t pid, const char *helper, const struct spec_id_mappings *m, bool quiet) {
  const char *path = userns_find_helper(helper);
  if (!path) return urun_error_new("%s not found: install the uidmap package", helper);
  size_t argc = 2 + 3 * m->len + 1;
  _cleanup_free_ char **argv = calloc(argc, sizeof(char *));
  _cleanup_free_ char *numbers = calloc(m->len * 3 + 1, 16);
  if (!argv || !numbers) return urun_error_code(ENOMEM, "%s", helper);
  char pidbuf[16];
  snprintf(pidbuf, sizeof(pidbuf), "%d", pid);
  argv[0] = (char *)helper;
  argv[1] = pidbuf;
  for (size_t i = 0; i < m->len; i++) {
    uint32_t v[3] = {m->items[i].container_id, m->items[i].host_id, m->items[i].size};
    for (int j = 0; j < 3; j++) {
      char *slot = numbers + (i * 3 + (size_t)j) * 16;
      snprintf(slot, 16, "%u", v[j]);
      argv[2 + i * 3 + (size_t)j] = slot;
    }
  }
  pid_t child;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (quiet) posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  int r = posix_spawn(&child, path, &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (r != 0) return urun_error_code(r, "run %s", path);
  int status;
  while (waitpid(child, &status, 0) < 0)
    if (errno != EINTR) return urun_error_errno("wait for %s", helper);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return urun_error_new("%s failed%s: check the ranges in %s%s", helper, quiet ? "" : " (its message is above)",
                          strcmp(helper, "newuidmap") == 0 ? "/etc/subuid" : "/etc/subgid",
                          quiet ? "" : " (run 'urun check')");
  return NULL;
}

urun_error *userns_write_maps(pid_t pid, const struct userns_plan *p) {
  if (!p->create) return NULL;
  if (p->use_helpers) {
    TRY(userns_run_map_helper(pid, "newgidmap", &p->gid_maps, false));
    TRY(userns_run_map_helper(pid, "newuidmap", &p->uid_maps, false));
    return NULL;
  }
  if (p->deny_setgroups) {
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/setgroups", pid);
    TRY(urun_error_wrap(write_file_at(AT_FDCWD, path, "deny", 4, 0), "write uid/gid maps"));
  }
  TRY(urun_error_wrap(write_proc_map(pid, "gid_map", &p->gid_maps), "write gid map"));
  TRY(urun_error_wrap(write_proc_map(pid, "uid_map", &p->uid_maps), "write uid map"));
  return NULL;
}
