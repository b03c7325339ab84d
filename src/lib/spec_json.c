/* spec_json.c: config.json -> struct spec (top level, process, root, mounts,
 * hooks, annotations); .linux is in spec_json_linux.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "spec_json_util.h"

#define SPEC_MAX_FILE (64u << 20)

/* Paths longer than SJ_PATH_MAX (absurd nesting is refused earlier) end in "...". */
static void mark_truncated(char out[SJ_PATH_MAX], int n) {
  if (n >= SJ_PATH_MAX) memcpy(out + SJ_PATH_MAX - 4, "...", 4);
}

void sj_key_path(char out[SJ_PATH_MAX], const char *parent, const char *key) {
  mark_truncated(out, snprintf(out, SJ_PATH_MAX, "%s.%s", parent, key));
}

void sj_index_path(char out[SJ_PATH_MAX], const char *parent, size_t i) {
  mark_truncated(out, snprintf(out, SJ_PATH_MAX, "%s[%zu]", parent, i));
}

urun_error *sj_missing(const char *L, const char *parent, const char *key) {
  char p[SJ_PATH_MAX];
  sj_key_path(p, parent, key);
  return json_error(L, p, "required field is missing");
}

urun_error *sj_object(const char *L, const char *path, const json_node *obj, const char *key, json_node **ret) {
  *ret = json_member(obj, key);
  if (*ret && !json_is_object(*ret)) {
    char p[SJ_PATH_MAX];
    sj_key_path(p, path, key);
    return json_error(L, p, "expected an object");
  }
  return NULL;
}

urun_error *sj_array(const char *L, const char *path, const json_node *obj, const char *key, json_node **ret) {
  *ret = json_member(obj, key);
  if (*ret && !json_is_array(*ret)) {
    char p[SJ_PATH_MAX];
    sj_key_path(p, path, key);
    return json_error(L, p, "expected an array");
  }
  return NULL;
}

urun_error *sj_str(const char *L, const char *path, const json_node *obj, const char *key, bool required, char **ret) {
  json_node *n = json_member(obj, key);
  if (!n) return required ? sj_missing(L, path, key) : NULL;
  char p[SJ_PATH_MAX];
  sj_key_path(p, path, key);
  const char *s;
  TRY(json_get_string(L, p, n, &s));
  *ret = strdup(s);
  return *ret ? NULL : urun_error_code(ENOMEM, "%s", L);
}

urun_error *sj_bool(const char *L, const char *path, const json_node *obj, const char *key, bool *has, bool *ret) {
  json_node *n = json_member(obj, key);
  if (!n) return NULL;
  char p[SJ_PATH_MAX];
  sj_key_path(p, path, key);
  TRY(json_get_bool(L, p, n, ret));
  if (has) *has = true;
  return NULL;
}

urun_error *sj_u64(const char *L, const char *path, const json_node *obj, const char *key, bool required, bool *has,
                   uint64_t *ret) {
  json_node *n = json_member(obj, key);
  if (!n) return required ? sj_missing(L, path, key) : NULL;
  char p[SJ_PATH_MAX];
  sj_key_path(p, path, key);
  TRY(json_get_uint64(L, p, n, ret));
  if (has) *has = true;
  return NULL;
}

urun_error *sj_i64(const char *L, const char *path, const json_node *obj, const char *key, bool required, bool *has,
                   int64_t *ret) {
  json_node *n = json_member(obj, key);
  if (!n) return required ? sj_missing(L, path, key) : NULL;
  char p[SJ_PATH_MAX];
  sj_key_path(p, path, key);
  TRY(json_get_int64(L, p, n, ret));
  if (has) *has = true;
  return NULL;
}

urun_error *sj_u32(const char *L, const char *path, const json_node *obj, const char *key, bool required, bool *has,
                   uint32_t *ret) {
  uint64_t v = 0;
  bool h = false;
  TRY(sj_u64(L, path, obj, key, required, &h, &v));
  if (!h) return NULL;
  if (v > UINT32_MAX) {
    char p[SJ_PATH_MAX];
    sj_key_path(p, path, key);
    return json_error(L, p, "expected an unsigned 32-bit integer");
  }
  *ret = (uint32_t)v;
  if (has) *has = true;
  return NULL;
}

urun_error *sj_u16(const char *L, const char *path, const json_node *obj, const char *key, bool required, bool *has,
                   uint16_t *ret) {
  uint64_t v = 0;
  bool h = false;
  TRY(sj_u64(L, path, obj, key, required, &h, &v));
  if (!h) return NULL;
  if (v > UINT16_MAX) {
    char p[SJ_PATH_MAX];
    sj_key_path(p, path, key);
    return json_error(L, p, "expected a 16-bit unsigned integer");
  }
  *ret = (uint16_t)v;
  if (has) *has = true;
  return NULL;
}

urun_error *sj_i32(const char *L, const char *path, const json_node *obj, const char *key, bool required, bool *has,
                   int32_t *ret) {
  int64_t v = 0;
  bool h = false;
  json_node *n = json_member(obj, key);
  char p[SJ_PATH_MAX];
  sj_key_path(p, path, key);
  urun_error *e = n ? json_get_int64(L, p, n, &v) : NULL;
  if (e) {
    /* say "32-bit" for any integer that doesn't fit, keep the type error otherwise */
    bool range = strstr(e->message, "out of range") != NULL;
    urun_error_free(e);
    return range ? json_error(L, p, "expected a 32-bit integer") : json_error(L, p, "expected an integer");
  }
  TRY(sj_i64(L, path, obj, key, required, &h, &v));
  if (!h) return NULL;
  if (v < INT32_MIN || v > INT32_MAX) return json_error(L, p, "expected a 32-bit integer");
  *ret = (int32_t)v;
  if (has) *has = true;
  return NULL;
}

urun_error *sj_strlist(const char *L, const char *path, const json_node *obj, const char *key, bool *has,
                       struct str_list *ret) {
  json_node *a;
  TRY(sj_array(L, path, obj, key, &a));
  if (!a) return NULL;
  if (has) *has = true;
  char p[SJ_PATH_MAX];
  sj_key_path(p, path, key);
  size_t n = json_array_len(a);
  ret->items = calloc(n + 1, sizeof(char *));
  if (!ret->items) return urun_error_code(ENOMEM, "%s", L);
  for (size_t i = 0; i < n; i++) {
    char ip[SJ_PATH_MAX];
    sj_index_path(ip, p, i);
    const char *s;
    TRY(json_get_string(L, ip, json_array_at(a, i), &s));
    if (!(ret->items[i] = strdup(s))) return urun_error_code(ENOMEM, "%s", L);
    ret->len++;
  }
  return NULL;
}

urun_error *sj_strmap(const char *L, const char *path, const json_node *obj, const char *key, struct str_map *ret) {
  json_node *o;
  TRY(sj_object(L, path, obj, key, &o));
  if (!o) return NULL;
  char p[SJ_PATH_MAX];
  sj_key_path(p, path, key);
  size_t n = json_object_len(o);
  ret->keys = calloc(n + 1, sizeof(char *));
  ret->values = calloc(n + 1, sizeof(char *));
  if (!ret->keys || !ret->values) return urun_error_code(ENOMEM, "%s", L);
  for (size_t i = 0; i < n; i++) {
    char kp[SJ_PATH_MAX + 216];
    snprintf(kp, sizeof(kp), "%s[\"%.200s\"]", p, json_object_key_at(o, i));
    const char *s;
    TRY(json_get_string(L, kp, json_object_value_at(o, i), &s));
    ret->keys[i] = strdup(json_object_key_at(o, i));
    ret->values[i] = strdup(s);
    ret->len++;
    if (!ret->keys[i] || !ret->values[i]) return urun_error_code(ENOMEM, "%s", L);
  }
  return NULL;
}

urun_error *sj_idmaps(const char *L, const char *path, const json_node *obj, const char *key,
                      struct spec_id_mappings *ret) {
  json_node *a;
  TRY(sj_array(L, path, obj, key, &a));
  if (!a) return NULL;
  char p[SJ_PATH_MAX];
  sj_key_path(p, path, key);
  size_t n = json_array_len(a);
  ret->items = calloc(n + 1, sizeof(*ret->items));
  if (!ret->items) return urun_error_code(ENOMEM, "%s", L);
  for (size_t i = 0; i < n; i++) {
    char ip[SJ_PATH_MAX];
    sj_index_path(ip, p, i);
    json_node *m = json_array_at(a, i);
    if (!json_is_object(m)) return json_error(L, ip, "expected an object");
    struct spec_id_mapping *x = &ret->items[i];
    TRY(sj_u32(L, ip, m, "containerID", true, NULL, &x->container_id));
    TRY(sj_u32(L, ip, m, "hostID", true, NULL, &x->host_id));
    TRY(sj_u32(L, ip, m, "size", true, NULL, &x->size));
    ret->len++;
  }
  return NULL;
}

urun_error *sj_enum(const char *L, const char *path, const char *value, const char *what, const char *const *allowed) {
  for (; *allowed; allowed++)
    if (!strcmp(*allowed, value)) return NULL;
  return json_error(L, path, "unknown %s \"%s\"", what, value);
}

void sj_strlist_free(struct str_list *l) {
  for (size_t i = 0; i < l->len; i++) free(l->items[i]);
  free(l->items);
  l->items = NULL;
  l->len = 0;
}

void sj_strmap_free(struct str_map *m) {
  for (size_t i = 0; i < m->len; i++) {
    free(m->keys[i]);
    free(m->values[i]);
  }
  free(m->keys);
  free(m->values);
  m->keys = m->values = NULL;
  m->len = 0;
}

/* ---- process ---- */

static urun_error *parse_capabilities(const char *L, const char *path, const json_node *obj,
                                      struct spec_capabilities *c) {
  json_node *o;
  TRY(sj_object(L, path, obj, "capabilities", &o));
  if (!o) return NULL;
  c->present = true;
  char p[SJ_PATH_MAX];
  sj_key_path(p, path, "capabilities");
  TRY(sj_strlist(L, p, o, "bounding", NULL, &c->bounding));
  TRY(sj_strlist(L, p, o, "effective", NULL, &c->effective));
  TRY(sj_strlist(L, p, o, "inheritable", NULL, &c->inheritable));
  TRY(sj_strlist(L, p, o, "permitted", NULL, &c->permitted));
  TRY(sj_strlist(L, p, o, "ambient", NULL, &c->ambient));
  return NULL;
}

static urun_error *parse_rlimits(const char *L, const char *path, const json_node *obj, struct spec_process *pr) {
  json_node *a;
  TRY(sj_array(L, path, obj, "rlimits", &a));
  if (!a) return NULL;
  char p[SJ_PATH_MAX];
  sj_key_path(p, path, "rlimits");
  size_t n = json_array_len(a);
  pr->rlimits = calloc(n + 1, sizeof(*pr->rlimits));
  if (!pr->rlimits) return urun_error_code(ENOMEM, "%s", L);
  for (size_t i = 0; i < n; i++) {
    char ip[SJ_PATH_MAX];
    sj_index_path(ip, p, i);
    json_node *r = json_array_at(a, i);
    if (!json_is_object(r)) return json_error(L, ip, "expected an object");
    struct spec_rlimit *x = &pr->rlimits[i];
    pr->rlimits_len++;
    TRY(sj_str(L, ip, r, "type", true, &x->type));
    TRY(sj_u64(L, ip, r, "soft", true, NULL, &x->soft));
    TRY(sj_u64(L, ip, r, "hard", true, NULL, &x->hard));
  }
  return NULL;
}

static urun_error *parse_user(const char *L, const char *path, const json_node *obj, struct spec_user *u) {
  json_node *o;
  TRY(sj_object(L, path, obj, "user", &o));
  if (!o) return NULL;
  char p[SJ_PATH_MAX];
  sj_key_path(p, path, "user");
  TRY(sj_u32(L, p, o, "uid", true, NULL, &u->uid));
  TRY(sj_u32(L, p, o, "gid", true, NULL, &u->gid));
  TRY(sj_u32(L, p, o, "umask", false, &u->has_umask, &u->umask));
  TRY(sj_str(L, p, o, "username", false, &u->username));
  json_node *a;
  TRY(sj_array(L, p, o, "additionalGids", &a));
  if (a) {
    char ap[SJ_PATH_MAX];
    sj_key_path(ap, p, "additionalGids");
    size_t n = json_array_len(a);
    u->additional_gids = calloc(n + 1, sizeof(uint32_t));
    if (!u->additional_gids) return urun_error_code(ENOMEM, "%s", L);
    for (size_t i = 0; i < n; i++) {
      char ip[SJ_PATH_MAX];
      sj_index_path(ip, ap, i);
      uint64_t v;
      TRY(json_get_uint64(L, ip, json_array_at(a, i), &v));
      if (v > UINT32_MAX) return json_error(L, ip, "expected an unsigned 32-bit integer");
      u->additional_gids[u->additional_gids_len++] = (uint32_t)v;
    }
  }
  return NULL;
}

static urun_error *parse_scheduler(const char *L, const char *path, const json_node *obj, struct spec_scheduler *s) {
  static const char *const policies[] = {"SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH", "SCHED_ISO",
                                         "SCHED_IDLE", "SCHED_DEADLINE", NULL};
  json_node *o;
  TRY(sj_object(L, path, obj, "scheduler", &o));
  if (!o) return NULL;
  s->present = true;
  char p[SJ_PATH_MAX], pp[SJ_PATH_MAX];
  sj_key_path(p, path, "scheduler");
  TRY(sj_str(L, p, o, "policy", true, &s->policy));
  sj_key_path(pp, p, "policy");
  TRY(sj_enum(L, pp, s->policy, "scheduler policy", policies));
  TRY(sj_i32(L, p, o, "nice", false, &s->has_nice, &s->nice));
  TRY(sj_i32(L, p, o, "priority", false, &s->has_priority, &s->priority));
  TRY(sj_strlist(L, p, o, "flags", NULL, &s->flags));
  TRY(sj_u64(L, p, o, "runtime", false, &s->has_runtime, &s->runtime));
  TRY(sj_u64(L, p, o, "deadline", false, &s->has_deadline, &s->deadline));
  TRY(sj_u64(L, p, o, "period", false, &s->has_period, &s->period));
  return NULL;
}

static urun_error *parse_process_object(const char *L, const char *p, const json_node *o, struct spec_process *pr) {
  TRY(sj_bool(L, p, o, "terminal", NULL, &pr->terminal));
  json_node *cs;
  TRY(sj_object(L, p, o, "consoleSize", &cs));
  if (cs) {
    char cp[SJ_PATH_MAX];
    sj_key_path(cp, p, "consoleSize");
    pr->has_console_size = true;
    TRY(sj_u32(L, cp, cs, "height", true, NULL, &pr->console_height));
    TRY(sj_u32(L, cp, cs, "width", true, NULL, &pr->console_width));
  }
  TRY(parse_user(L, p, o, &pr->user));
  bool has_args = false;
  TRY(sj_strlist(L, p, o, "args", &has_args, &pr->args));
  if (!has_args) return sj_missing(L, p, "args");
  if (pr->args.len == 0) {
    char ap[SJ_PATH_MAX];
    sj_key_path(ap, p, "args");
    return json_error(L, ap, "must have at least one entry");
  }
  TRY(sj_str(L, p, o, "commandLine", false, &pr->command_line));
  TRY(sj_strlist(L, p, o, "env", NULL, &pr->env));
  TRY(sj_str(L, p, o, "cwd", true, &pr->cwd));
  if (pr->cwd[0] != '/') {
    char cp[SJ_PATH_MAX];
    sj_key_path(cp, p, "cwd");
    return json_error(L, cp, "must be an absolute path");
  }
  TRY(parse_capabilities(L, p, o, &pr->capabilities));
  TRY(parse_rlimits(L, p, o, pr));
  TRY(sj_bool(L, p, o, "noNewPrivileges", NULL, &pr->no_new_privileges));
  TRY(sj_str(L, p, o, "apparmorProfile", false, &pr->apparmor_profile));
  TRY(sj_i32(L, p, o, "oomScoreAdj", false, &pr->has_oom_score_adj, &pr->oom_score_adj));
  TRY(sj_str(L, p, o, "selinuxLabel", false, &pr->selinux_label));
  TRY(parse_scheduler(L, p, o, &pr->scheduler));
  json_node *io;
  TRY(sj_object(L, p, o, "ioPriority", &io));
  if (io) {
    static const char *const classes[] = {"IOPRIO_CLASS_RT", "IOPRIO_CLASS_BE", "IOPRIO_CLASS_IDLE", NULL};
    char ip[SJ_PATH_MAX], cp[SJ_PATH_MAX];
    sj_key_path(ip, p, "ioPriority");
    pr->io_priority.present = true;
    TRY(sj_str(L, ip, io, "class", true, &pr->io_priority.class_));
    sj_key_path(cp, ip, "class");
    TRY(sj_enum(L, cp, pr->io_priority.class_, "I/O priority class", classes));
    TRY(sj_i32(L, ip, io, "priority", false, NULL, &pr->io_priority.priority));
  }
  json_node *aff;
  TRY(sj_object(L, p, o, "execCPUAffinity", &aff));
  if (aff) {
    char ap[SJ_PATH_MAX];
    sj_key_path(ap, p, "execCPUAffinity");
    pr->has_exec_cpu_affinity = true;
    TRY(sj_str(L, ap, aff, "initial", false, &pr->exec_cpu_affinity_initial));
    TRY(sj_str(L, ap, aff, "final", false, &pr->exec_cpu_affinity_final));
  }
  return NULL;
}

void spec_process_clear(struct spec_process *p) {
  free(p->user.additional_gids);
  free(p->user.username);
  sj_strlist_free(&p->args);
  free(p->command_line);
  sj_strlist_free(&p->env);
  free(p->cwd);
  sj_strlist_free(&p->capabilities.bounding);
  sj_strlist_free(&p->capabilities.effective);
  sj_strlist_free(&p->capabilities.inheritable);
  sj_strlist_free(&p->capabilities.permitted);
  sj_strlist_free(&p->capabilities.ambient);
  for (size_t i = 0; i < p->rlimits_len; i++) free(p->rlimits[i].type);
  free(p->rlimits);
  free(p->apparmor_profile);
  free(p->selinux_label);
  free(p->scheduler.policy);
  sj_strlist_free(&p->scheduler.flags);
  free(p->io_priority.class_);
  free(p->exec_cpu_affinity_initial);
  free(p->exec_cpu_affinity_final);
  memset(p, 0, sizeof(*p));
}

void spec_process_free(struct spec_process *p) {
  if (!p) return;
  spec_process_clear(p);
  free(p);
}

/* ---- mounts, hooks ---- */

static urun_error *parse_mounts(const char *L, const json_node *root, struct spec *s) {
  json_node *a;
  TRY(sj_array(L, "", root, "mounts", &a));
  if (!a) return NULL;
  size_t n = json_array_len(a);
  s->mounts = calloc(n + 1, sizeof(*s->mounts));
  if (!s->mounts) return urun_error_code(ENOMEM, "%s", L);
  for (size_t i = 0; i < n; i++) {
    char p[SJ_PATH_MAX];
    sj_index_path(p, ".mounts", i);
    json_node *m = json_array_at(a, i);
    if (!json_is_object(m)) return json_error(L, p, "expected an object");
    struct spec_mount *x = &s->mounts[i];
    s->mounts_len++;
    TRY(sj_str(L, p, m, "destination", true, &x->destination));
    if (!*x->destination) {
      char dp[SJ_PATH_MAX];
      sj_key_path(dp, p, "destination");
      return json_error(L, dp, "must not be empty");
    }
    TRY(sj_str(L, p, m, "type", false, &x->type));
    TRY(sj_str(L, p, m, "source", false, &x->source));
    TRY(sj_strlist(L, p, m, "options", NULL, &x->options));
    TRY(sj_idmaps(L, p, m, "uidMappings", &x->uid_mappings));
    TRY(sj_idmaps(L, p, m, "gidMappings", &x->gid_mappings));
  }
  return NULL;
}

static urun_error *parse_hook_list(const char *L, const json_node *hooks, const char *key, struct spec_hook_list *l) {
  json_node *a;
  TRY(sj_array(L, ".hooks", hooks, key, &a));
  if (!a) return NULL;
  char p[SJ_PATH_MAX];
  sj_key_path(p, ".hooks", key);
  size_t n = json_array_len(a);
  l->items = calloc(n + 1, sizeof(*l->items));
  if (!l->items) return urun_error_code(ENOMEM, "%s", L);
  for (size_t i = 0; i < n; i++) {
    char ip[SJ_PATH_MAX];
    sj_index_path(ip, p, i);
    json_node *h = json_array_at(a, i);
    if (!json_is_object(h)) return json_error(L, ip, "expected an object");
    struct spec_hook *x = &l->items[i];
    l->len++;
    TRY(sj_str(L, ip, h, "path", true, &x->path));
    TRY(sj_strlist(L, ip, h, "args", NULL, &x->args));
    TRY(sj_strlist(L, ip, h, "env", &x->has_env, &x->env));
    TRY(sj_i32(L, ip, h, "timeout", false, &x->has_timeout, &x->timeout));
    if (x->has_timeout && x->timeout <= 0) {
      char tp[SJ_PATH_MAX];
      sj_key_path(tp, ip, "timeout");
      return json_error(L, tp, "must be greater than zero");
    }
  }
  return NULL;
}

static urun_error *parse_hooks(const char *L, const json_node *root, struct spec *s) {
  json_node *h;
  TRY(sj_object(L, "", root, "hooks", &h));
  if (!h) return NULL;
  s->has_hooks = true;
  TRY(parse_hook_list(L, h, "prestart", &s->hooks.prestart));
  TRY(parse_hook_list(L, h, "createRuntime", &s->hooks.create_runtime));
  TRY(parse_hook_list(L, h, "createContainer", &s->hooks.create_container));
  TRY(parse_hook_list(L, h, "startContainer", &s->hooks.start_container));
  TRY(parse_hook_list(L, h, "poststart", &s->hooks.poststart));
  TRY(parse_hook_list(L, h, "poststop", &s->hooks.poststop));
  return NULL;
}

static void hook_list_free(struct spec_hook_list *l) {
  for (size_t i = 0; i < l->len; i++) {
    free(l->items[i].path);
    sj_strlist_free(&l->items[i].args);
    sj_strlist_free(&l->items[i].env);
  }
  free(l->items);
}

/* ---- the document ---- */

static urun_error *parse_root(const char *L, const json_node *root, struct spec *s) {
  if (!json_is_object(root)) return json_error(L, NULL, "expected a JSON object at the top level");
  TRY(sj_str(L, "", root, "ociVersion", true, &s->oci_version));
  json_node *proc;
  TRY(sj_object(L, "", root, "process", &proc));
  if (proc) {
    s->has_process = true;
    TRY(parse_process_object(L, ".process", proc, &s->process));
  }
  json_node *r;
  TRY(sj_object(L, "", root, "root", &r));
  if (r) {
    TRY(sj_str(L, ".root", r, "path", true, &s->root_path));
    TRY(sj_bool(L, ".root", r, "readonly", NULL, &s->root_readonly));
  }
  TRY(sj_str(L, "", root, "hostname", false, &s->hostname));
  TRY(sj_str(L, "", root, "domainname", false, &s->domainname));
  TRY(parse_mounts(L, root, s));
  TRY(parse_hooks(L, root, s));
  TRY(sj_strmap(L, "", root, "annotations", &s->annotations));
  return sj_parse_linux(L, root, &s->linux_);
}

urun_error *spec_parse(const char *label, const char *data, size_t len, struct spec **ret) {
  _cleanup_json_ json_node *root = NULL;
  TRY(json_parse(label, data, len, &root));
  struct spec *s = calloc(1, sizeof(*s));
  if (!s) return urun_error_code(ENOMEM, "%s", label);
  urun_error *e = parse_root(label, root, s);
  if (e) {
    spec_free(s);
    return e;
  }
  *ret = s;
  return NULL;
}

urun_error *spec_parse_process(const char *label, const char *data, size_t len, struct spec_process **ret) {
  _cleanup_json_ json_node *root = NULL;
  TRY(json_parse(label, data, len, &root));
  if (!json_is_object(root)) return json_error(label, NULL, "expected a JSON object at the top level");
  struct spec_process *p = calloc(1, sizeof(*p));
  if (!p) return urun_error_code(ENOMEM, "%s", label);
  urun_error *e = parse_process_object(label, "", root, p);
  if (e) {
    spec_process_free(p);
    return e;
  }
  *ret = p;
  return NULL;
}

urun_error *spec_load_file(const char *path, const char *label, struct spec **ret, char **ret_data,
                           size_t *ret_len) {
  _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return urun_error_errno("open %s", label);
  struct stat st;
  if (fstat(fd, &st) < 0) return urun_error_errno("%s", label);
  if (S_ISDIR(st.st_mode)) return urun_error_new("%s: is a directory", label);
  if (!S_ISREG(st.st_mode)) return urun_error_new("%s: not a regular file", label);
  if ((uint64_t)st.st_size > SPEC_MAX_FILE) return urun_error_new("%s: file too large", label);
  _cleanup_free_ char *buf = malloc((size_t)st.st_size + 1);
  if (!buf) return urun_error_code(ENOMEM, "%s", label);
  size_t len = 0;
  for (;;) {
    ssize_t r = read(fd, buf + len, (size_t)st.st_size - len);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return urun_error_errno("read %s", label);
    if (r == 0 || (len += (size_t)r) == (size_t)st.st_size) break;
  }
  TRY(spec_parse(label, buf, len, ret));
  if (ret_data) {
    buf[len] = '\0';
    *ret_data = steal_ptr(buf);
    *ret_len = len;
  }
  return NULL;
}

void spec_free(struct spec *s) {
  if (!s) return;
  free(s->oci_version);
  spec_process_clear(&s->process);
  free(s->root_path);
  free(s->hostname);
  free(s->domainname);
  for (size_t i = 0; i < s->mounts_len; i++) {
    struct spec_mount *m = &s->mounts[i];
    free(m->destination);
    free(m->type);
    free(m->source);
    sj_strlist_free(&m->options);
    free(m->uid_mappings.items);
    free(m->gid_mappings.items);
  }
  free(s->mounts);
  hook_list_free(&s->hooks.prestart);
  hook_list_free(&s->hooks.create_runtime);
  hook_list_free(&s->hooks.create_container);
  hook_list_free(&s->hooks.start_container);
  hook_list_free(&s->hooks.poststart);
  hook_list_free(&s->hooks.poststop);
  sj_strmap_free(&s->annotations);
  sj_linux_free(&s->linux_);
  free(s);
}

const struct spec_namespace *spec_find_namespace(const struct spec *s, const char *type) {
  for (size_t i = 0; i < s->linux_.namespaces_len; i++)
    if (!strcmp(s->linux_.namespaces[i].type, type)) return &s->linux_.namespaces[i];
  return NULL;
}

bool spec_has_mount_type(const struct spec *s, const char *type) {
  for (size_t i = 0; i < s->mounts_len; i++)
    if (s->mounts[i].type && !strcmp(s->mounts[i].type, type)) return true;
  return false;
}

const char *spec_annotation(const struct spec *s, const char *key) {
  for (size_t i = 0; i < s->annotations.len; i++)
    if (!strcmp(s->annotations.keys[i], key)) return s->annotations.values[i];
  return NULL;
}
