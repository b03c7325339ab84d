/* spec_json_linux.c: the .linux object of config.json. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec_json_util.h"

/* An array member whose elements are objects: calls `each` per element with its path. */
typedef urun_error *(*each_fn)(const char *L, const char *path, const json_node *o, void *items, size_t i);

static urun_error *each_object(const char *L, const char *parent, const json_node *obj, const char *key,
                               size_t item_size, void **items, size_t *len, each_fn each) {
  json_node *a;
  TRY(sj_array(L, parent, obj, key, &a));
  if (!a) return NULL;
  char p[SJ_PATH_MAX];
  sj_key_path(p, parent, key);
  size_t n = json_array_len(a);
  *items = calloc(n + 1, item_size);
  if (!*items) return urun_error_code(ENOMEM, "%s", L);
  for (size_t i = 0; i < n; i++) {
    char ip[SJ_PATH_MAX];
    sj_index_path(ip, p, i);
    json_node *o = json_array_at(a, i);
    if (!json_is_object(o)) return json_error(L, ip, "expected an object");
    (*len)++;
    TRY(each(L, ip, o, *items, i));
  }
  return NULL;
}

static urun_error *one_namespace(const char *L, const char *p, const json_node *o, void *items, size_t i) {
  static const char *const types[] = {"pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time", NULL};
  struct spec_namespace *ns = (struct spec_namespace *)items + i;
  TRY(sj_str(L, p, o, "type", true, &ns->type));
  char tp[SJ_PATH_MAX];
  sj_key_path(tp, p, "type");
  TRY(sj_enum(L, tp, ns->type, "namespace type", types));
  for (size_t j = 0; j < i; j++)
    if (!strcmp(((struct spec_namespace *)items)[j].type, ns->type))
      return json_error(L, tp, "duplicate namespace type \"%s\"", ns->type);
  return sj_str(L, p, o, "path", false, &ns->path);
}

static urun_error *one_device(const char *L, const char *p, const json_node *o, void *items, size_t i) {
  static const char *const types[] = {"c", "b", "u", "p", NULL};
  struct spec_device *d = (struct spec_device *)items + i;
  TRY(sj_str(L, p, o, "path", true, &d->path));
  TRY(sj_str(L, p, o, "type", true, &d->type));
  char tp[SJ_PATH_MAX];
  sj_key_path(tp, p, "type");
  TRY(sj_enum(L, tp, d->type, "device type", types));
  TRY(sj_i64(L, p, o, "major", false, &d->has_major, &d->major));
  TRY(sj_i64(L, p, o, "minor", false, &d->has_minor, &d->minor));
  TRY(sj_u32(L, p, o, "fileMode", false, &d->has_file_mode, &d->file_mode));
  TRY(sj_u32(L, p, o, "uid", false, &d->has_uid, &d->uid));
  TRY(sj_u32(L, p, o, "gid", false, &d->has_gid, &d->gid));
  if (strcmp(d->type, "p") && (!d->has_major || !d->has_minor))
    return json_error(L, p, "major and minor are required for a device of type \"%s\"", d->type);
  return NULL;
}

static urun_error *one_device_rule(const char *L, const char *p, const json_node *o, void *items, size_t i) {
  static const char *const types[] = {"a", "c", "b", NULL};
  struct spec_device_cgroup *d = (struct spec_device_cgroup *)items + i;
  bool has_allow = false;
  TRY(sj_bool(L, p, o, "allow", &has_allow, &d->allow));
  if (!has_allow) return sj_missing(L, p, "allow");
  TRY(sj_str(L, p, o, "type", false, &d->type));
  if (d->type) {
    char tp[SJ_PATH_MAX];
    sj_key_path(tp, p, "type");
    TRY(sj_enum(L, tp, d->type, "device type", types));
  }
  TRY(sj_i64(L, p, o, "major", false, &d->has_major, &d->major));
  TRY(sj_i64(L, p, o, "minor", false, &d->has_minor, &d->minor));
  TRY(sj_str(L, p, o, "access", false, &d->access));
  if (d->access && strspn(d->access, "rwm") != strlen(d->access)) {
    char ap[SJ_PATH_MAX];
    sj_key_path(ap, p, "access");
    return json_error(L, ap, "unknown device access \"%s\"", d->access);
  }
  return NULL;
}

static urun_error *one_weight_device(const char *L, const char *p, const json_node *o, void *items, size_t i) {
  struct spec_weight_device *d = (struct spec_weight_device *)items + i;
  TRY(sj_i64(L, p, o, "major", true, NULL, &d->major));
  TRY(sj_i64(L, p, o, "minor", true, NULL, &d->minor));
  TRY(sj_u16(L, p, o, "weight", false, &d->has_weight, &d->weight));
  return sj_u16(L, p, o, "leafWeight", false, &d->has_leaf_weight, &d->leaf_weight);
}

static urun_error *one_throttle(const char *L, const char *p, const json_node *o, void *items, size_t i) {
  struct spec_throttle_device *d = (struct spec_throttle_device *)items + i;
  TRY(sj_i64(L, p, o, "major", true, NULL, &d->major));
  TRY(sj_i64(L, p, o, "minor", true, NULL, &d->minor));
  return sj_u64(L, p, o, "rate", true, NULL, &d->rate);
}

static urun_error *one_hugepage(const char *L, const char *p, const json_node *o, void *items, size_t i) {
  struct spec_hugepage_limit *h = (struct spec_hugepage_limit *)items + i;
  TRY(sj_str(L, p, o, "pageSize", true, &h->page_size));
  return sj_u64(L, p, o, "limit", true, NULL, &h->limit);
}

static urun_error *one_priority(const char *L, const char *p, const json_node *o, void *items, size_t i) {
  struct spec_net_priority *n = (struct spec_net_priority *)items + i;
  TRY(sj_str(L, p, o, "name", true, &n->name));
  return sj_u32(L, p, o, "priority", true, NULL, &n->priority);
}

static urun_error *one_syscall_arg(const char *L, const char *p, const json_node *o, void *items, size_t i) {
  struct spec_seccomp_arg *a = (struct spec_seccomp_arg *)items + i;
  TRY(sj_u32(L, p, o, "index", true, NULL, &a->index));
  TRY(sj_u64(L, p, o, "value", true, NULL, &a->value));
  TRY(sj_u64(L, p, o, "valueTwo", false, &a->has_value_two, &a->value_two));
  return sj_str(L, p, o, "op", true, &a->op);
}

static urun_error *one_syscall(const char *L, const char *p, const json_node *o, void *items, size_t i) {
  struct spec_seccomp_syscall *s = (struct spec_seccomp_syscall *)items + i;
  bool has_names = false;
  TRY(sj_strlist(L, p, o, "names", &has_names, &s->names));
  if (!has_names) return sj_missing(L, p, "names");
  TRY(sj_str(L, p, o, "action", true, &s->action));
  TRY(sj_u32(L, p, o, "errnoRet", false, &s->has_errno_ret, &s->errno_ret));
  return each_object(L, p, o, "args", sizeof(struct spec_seccomp_arg), (void **)&s->args, &s->args_len,
                     one_syscall_arg);
}

static urun_error *throttle(const char *L, const char *p, const json_node *o, const char *key,
                            struct spec_throttle_list *l) {
  return each_object(L, p, o, key, sizeof(*l->items), (void **)&l->items, &l->len, one_throttle);
}

/* The resources object `o`, at JSON path P (".linux.resources" in a config,
 * "" in the file `update --resources` reads). */
static urun_error *parse_resources_object(const char *L, const char *P, const json_node *o, struct spec_resources *r) {
  r->present = true;
  char p[SJ_PATH_MAX];
  TRY(each_object(L, P, o, "devices", sizeof(*r->devices), (void **)&r->devices, &r->devices_len, one_device_rule));
  json_node *m;
  TRY(sj_object(L, P, o, "memory", &m));
  if (m) {
    struct spec_memory *x = &r->memory;
    x->present = true;
    sj_key_path(p, P, "memory");
    TRY(sj_i64(L, p, m, "limit", false, &x->has_limit, &x->limit));
    TRY(sj_i64(L, p, m, "reservation", false, &x->has_reservation, &x->reservation));
    TRY(sj_i64(L, p, m, "swap", false, &x->has_swap, &x->swap));
    TRY(sj_i64(L, p, m, "kernel", false, &x->has_kernel, &x->kernel));
    TRY(sj_i64(L, p, m, "kernelTCP", false, &x->has_kernel_tcp, &x->kernel_tcp));
    TRY(sj_u64(L, p, m, "swappiness", false, &x->has_swappiness, &x->swappiness));
    TRY(sj_bool(L, p, m, "disableOOMKiller", &x->has_disable_oom_killer, &x->disable_oom_killer));
    TRY(sj_bool(L, p, m, "useHierarchy", &x->has_use_hierarchy, &x->use_hierarchy));
    TRY(sj_bool(L, p, m, "checkBeforeUpdate", &x->has_check_before_update, &x->check_before_update));
  }
  json_node *c;
  TRY(sj_object(L, P, o, "cpu", &c));
  if (c) {
    struct spec_cpu *x = &r->cpu;
    x->present = true;
    sj_key_path(p, P, "cpu");
    TRY(sj_u64(L, p, c, "shares", false, &x->has_shares, &x->shares));
    TRY(sj_i64(L, p, c, "quota", false, &x->has_quota, &x->quota));
    TRY(sj_u64(L, p, c, "burst", false, &x->has_burst, &x->burst));
    TRY(sj_u64(L, p, c, "period", false, &x->has_period, &x->period));
    TRY(sj_i64(L, p, c, "realtimeRuntime", false, &x->has_realtime_runtime, &x->realtime_runtime));
    TRY(sj_u64(L, p, c, "realtimePeriod", false, &x->has_realtime_period, &x->realtime_period));
    TRY(sj_str(L, p, c, "cpus", false, &x->cpus));
    TRY(sj_str(L, p, c, "mems", false, &x->mems));
    TRY(sj_i64(L, p, c, "idle", false, &x->has_idle, &x->idle));
  }
  json_node *pids;
  TRY(sj_object(L, P, o, "pids", &pids));
  if (pids) {
    r->pids_present = true;
    sj_key_path(p, P, "pids");
    TRY(sj_i64(L, p, pids, "limit", false, &r->has_pids_limit, &r->pids_limit));
  }
  json_node *b;
  TRY(sj_object(L, P, o, "blockIO", &b));
  if (b) {
    struct spec_block_io *x = &r->block_io;
    x->present = true;
    sj_key_path(p, P, "blockIO");
    TRY(sj_u16(L, p, b, "weight", false, &x->has_weight, &x->weight));
    TRY(sj_u16(L, p, b, "leafWeight", false, &x->has_leaf_weight, &x->leaf_weight));
    TRY(each_object(L, p, b, "weightDevice", sizeof(*x->weight_device), (void **)&x->weight_device,
                    &x->weight_device_len, one_weight_device));
    TRY(throttle(L, p, b, "throttleReadBpsDevice", &x->throttle_read_bps));
    TRY(throttle(L, p, b, "throttleWriteBpsDevice", &x->throttle_write_bps));
    TRY(throttle(L, p, b, "throttleReadIOPSDevice", &x->throttle_read_iops));
    TRY(throttle(L, p, b, "throttleWriteIOPSDevice", &x->throttle_write_iops));
  }
  TRY(each_object(L, P, o, "hugepageLimits", sizeof(*r->hugepage_limits), (void **)&r->hugepage_limits,
                  &r->hugepage_limits_len, one_hugepage));
  json_node *net;
  TRY(sj_object(L, P, o, "network", &net));
  if (net) {
    r->network.present = true;
    sj_key_path(p, P, "network");
    TRY(sj_u32(L, p, net, "classID", false, &r->network.has_class_id, &r->network.class_id));
    TRY(each_object(L, p, net, "priorities", sizeof(*r->network.priorities), (void **)&r->network.priorities,
                    &r->network.priorities_len, one_priority));
  }
  json_node *rdma;
  TRY(sj_object(L, P, o, "rdma", &rdma));
  if (rdma) {
    size_t n = json_object_len(rdma);
    r->rdma = calloc(n + 1, sizeof(*r->rdma));
    if (!r->rdma) return urun_error_code(ENOMEM, "%s", L);
    sj_key_path(p, P, "rdma");
    for (size_t i = 0; i < n; i++) {
      char kp[SJ_PATH_MAX + 216];
      snprintf(kp, sizeof(kp), "%s[\"%.200s\"]", p, json_object_key_at(rdma, i));
      json_node *d = json_object_value_at(rdma, i);
      if (!json_is_object(d)) return json_error(L, kp, "expected an object");
      struct spec_rdma *x = &r->rdma[i];
      r->rdma_len++;
      if (!(x->device = strdup(json_object_key_at(rdma, i)))) return urun_error_code(ENOMEM, "%s", L);
      TRY(sj_u32(L, kp, d, "hcaHandles", false, &x->has_hca_handles, &x->hca_handles));
      TRY(sj_u32(L, kp, d, "hcaObjects", false, &x->has_hca_objects, &x->hca_objects));
    }
  }
  return sj_strmap(L, P, o, "unified", &r->unified);
}

static urun_error *parse_resources(const char *L, const json_node *lx, struct spec_resources *r) {
  json_node *o;
  TRY(sj_object(L, ".linux", lx, "resources", &o));
  return o ? parse_resources_object(L, ".linux.resources", o, r) : NULL;
}

urun_error *spec_parse_resources(const char *label, const char *data, size_t len, struct spec_resources *ret) {
  *ret = (struct spec_resources){0};
  _cleanup_json_ json_node *root = NULL;
  TRY(json_parse(label, data, len, &root));
  if (!json_is_object(root)) return json_error(label, "", "expected an object (linux.resources)");
  return parse_resources_object(label, "", root, ret);
}

static urun_error *parse_seccomp(const char *L, const json_node *lx, struct spec_seccomp *s) {
  json_node *o;
  TRY(sj_object(L, ".linux", lx, "seccomp", &o));
  if (!o) return NULL;
  s->present = true;
  const char *P = ".linux.seccomp";
  TRY(sj_str(L, P, o, "defaultAction", true, &s->default_action));
  TRY(sj_u32(L, P, o, "defaultErrnoRet", false, &s->has_default_errno_ret, &s->default_errno_ret));
  TRY(sj_strlist(L, P, o, "architectures", NULL, &s->architectures));
  TRY(sj_strlist(L, P, o, "flags", NULL, &s->flags));
  TRY(sj_str(L, P, o, "listenerPath", false, &s->listener_path));
  TRY(sj_str(L, P, o, "listenerMetadata", false, &s->listener_metadata));
  return each_object(L, P, o, "syscalls", sizeof(*s->syscalls), (void **)&s->syscalls, &s->syscalls_len, one_syscall);
}

static urun_error *parse_time_offsets(const char *L, const json_node *lx, struct spec_linux *l) {
  json_node *o;
  TRY(sj_object(L, ".linux", lx, "timeOffsets", &o));
  if (!o) return NULL;
  static const char *const clocks[] = {"monotonic", "boottime", NULL};
  size_t n = json_object_len(o);
  l->time_offsets = calloc(n + 1, sizeof(*l->time_offsets));
  if (!l->time_offsets) return urun_error_code(ENOMEM, "%s", L);
  for (size_t i = 0; i < n; i++) {
    char kp[SJ_PATH_MAX + 216];
    snprintf(kp, sizeof(kp), ".linux.timeOffsets[\"%.200s\"]", json_object_key_at(o, i));
    struct spec_time_offset *t = &l->time_offsets[i];
    l->time_offsets_len++;
    if (!(t->clock = strdup(json_object_key_at(o, i)))) return urun_error_code(ENOMEM, "%s", L);
    TRY(sj_enum(L, kp, t->clock, "clock", clocks));
    json_node *v = json_object_value_at(o, i);
    if (!json_is_object(v)) return json_error(L, kp, "expected an object");
    TRY(sj_i64(L, kp, v, "secs", true, NULL, &t->secs));
    TRY(sj_u32(L, kp, v, "nanosecs", false, NULL, &t->nanosecs));
  }
  return NULL;
}

static urun_error *parse_net_devices(const char *L, const json_node *lx, struct spec_linux *l) {
  json_node *o;
  TRY(sj_object(L, ".linux", lx, "netDevices", &o));
  if (!o) return NULL;
  size_t n = json_object_len(o);
  l->net_devices = calloc(n + 1, sizeof(*l->net_devices));
  if (!l->net_devices) return urun_error_code(ENOMEM, "%s", L);
  for (size_t i = 0; i < n; i++) {
    char kp[SJ_PATH_MAX + 216];
    snprintf(kp, sizeof(kp), ".linux.netDevices[\"%.200s\"]", json_object_key_at(o, i));
    struct spec_net_device *d = &l->net_devices[i];
    l->net_devices_len++;
    if (!(d->host_name = strdup(json_object_key_at(o, i)))) return urun_error_code(ENOMEM, "%s", L);
    json_node *v = json_object_value_at(o, i);
    if (!json_is_object(v)) return json_error(L, kp, "expected an object");
    TRY(sj_str(L, kp, v, "name", false, &d->name));
  }
  return NULL;
}

urun_error *sj_parse_linux(const char *L, const json_node *root, struct spec_linux *l) {
  json_node *lx;
  TRY(sj_object(L, "", root, "linux", &lx));
  if (!lx) return NULL;
  l->present = true;
  const char *P = ".linux";
  TRY(each_object(L, P, lx, "namespaces", sizeof(*l->namespaces), (void **)&l->namespaces, &l->namespaces_len,
                  one_namespace));
  TRY(sj_idmaps(L, P, lx, "uidMappings", &l->uid_mappings));
  TRY(sj_idmaps(L, P, lx, "gidMappings", &l->gid_mappings));
  TRY(parse_time_offsets(L, lx, l));
  TRY(each_object(L, P, lx, "devices", sizeof(*l->devices), (void **)&l->devices, &l->devices_len, one_device));
  TRY(sj_str(L, P, lx, "cgroupsPath", false, &l->cgroups_path));
  TRY(parse_resources(L, lx, &l->resources));
  TRY(sj_strmap(L, P, lx, "sysctl", &l->sysctl));
  TRY(parse_seccomp(L, lx, &l->seccomp));
  TRY(sj_str(L, P, lx, "rootfsPropagation", false, &l->rootfs_propagation));
  TRY(sj_strlist(L, P, lx, "maskedPaths", &l->has_masked_paths, &l->masked_paths));
  TRY(sj_strlist(L, P, lx, "readonlyPaths", &l->has_readonly_paths, &l->readonly_paths));
  TRY(sj_str(L, P, lx, "mountLabel", false, &l->mount_label));
  json_node *pers;
  TRY(sj_object(L, P, lx, "personality", &pers));
  if (pers) {
    static const char *const domains[] = {"LINUX", "LINUX32", NULL};
    l->personality.present = true;
    TRY(sj_str(L, ".linux.personality", pers, "domain", true, &l->personality.domain));
    TRY(sj_enum(L, ".linux.personality.domain", l->personality.domain, "personality domain", domains));
    TRY(sj_strlist(L, ".linux.personality", pers, "flags", NULL, &l->personality.flags));
  }
  TRY(parse_net_devices(L, lx, l));
  json_node *mp;
  TRY(sj_object(L, P, lx, "memoryPolicy", &mp));
  if (mp) {
    static const char *const modes[] = {"MPOL_DEFAULT", "MPOL_BIND", "MPOL_INTERLEAVE", "MPOL_WEIGHTED_INTERLEAVE",
                                        "MPOL_PREFERRED", "MPOL_PREFERRED_MANY", "MPOL_LOCAL", NULL};
    l->memory_policy.present = true;
    TRY(sj_str(L, ".linux.memoryPolicy", mp, "mode", true, &l->memory_policy.mode));
    TRY(sj_enum(L, ".linux.memoryPolicy.mode", l->memory_policy.mode, "memory policy mode", modes));
    TRY(sj_str(L, ".linux.memoryPolicy", mp, "nodes", false, &l->memory_policy.nodes));
    TRY(sj_strlist(L, ".linux.memoryPolicy", mp, "flags", NULL, &l->memory_policy.flags));
  }
  json_node *rdt;
  TRY(sj_object(L, P, lx, "intelRdt", &rdt));
  if (rdt) {
    struct spec_intel_rdt *x = &l->intel_rdt;
    const char *R = ".linux.intelRdt";
    x->present = true;
    TRY(sj_str(L, R, rdt, "closID", false, &x->clos_id));
    TRY(sj_str(L, R, rdt, "l3CacheSchema", false, &x->l3_cache_schema));
    TRY(sj_str(L, R, rdt, "memBwSchema", false, &x->mem_bw_schema));
    TRY(sj_strlist(L, R, rdt, "schemata", NULL, &x->schemata));
    TRY(sj_bool(L, R, rdt, "enableMonitoring", NULL, &x->enable_monitoring));
  }
  return NULL;
}

void spec_resources_free(struct spec_resources *r) {
  for (size_t i = 0; i < r->devices_len; i++) {
    free(r->devices[i].type);
    free(r->devices[i].access);
  }
  free(r->devices);
  free(r->cpu.cpus);
  free(r->cpu.mems);
  free(r->block_io.weight_device);
  free(r->block_io.throttle_read_bps.items);
  free(r->block_io.throttle_write_bps.items);
  free(r->block_io.throttle_read_iops.items);
  free(r->block_io.throttle_write_iops.items);
  for (size_t i = 0; i < r->hugepage_limits_len; i++) free(r->hugepage_limits[i].page_size);
  free(r->hugepage_limits);
  for (size_t i = 0; i < r->network.priorities_len; i++) free(r->network.priorities[i].name);
  free(r->network.priorities);
  for (size_t i = 0; i < r->rdma_len; i++) free(r->rdma[i].device);
  free(r->rdma);
  sj_strmap_free(&r->unified);
}

void sj_linux_free(struct spec_linux *l) {
  for (size_t i = 0; i < l->namespaces_len; i++) {
    free(l->namespaces[i].type);
    free(l->namespaces[i].path);
  }
  free(l->namespaces);
  free(l->uid_mappings.items);
  free(l->gid_mappings.items);
  for (size_t i = 0; i < l->time_offsets_len; i++) free(l->time_offsets[i].clock);
  free(l->time_offsets);
  for (size_t i = 0; i < l->devices_len; i++) {
    free(l->devices[i].path);
    free(l->devices[i].type);
  }
  free(l->devices);
  free(l->cgroups_path);
  spec_resources_free(&l->resources);
  sj_strmap_free(&l->sysctl);
  struct spec_seccomp *s = &l->seccomp;
  free(s->default_action);
  sj_strlist_free(&s->architectures);
  sj_strlist_free(&s->flags);
  free(s->listener_path);
  free(s->listener_metadata);
  for (size_t i = 0; i < s->syscalls_len; i++) {
    sj_strlist_free(&s->syscalls[i].names);
    free(s->syscalls[i].action);
    for (size_t j = 0; j < s->syscalls[i].args_len; j++) free(s->syscalls[i].args[j].op);
    free(s->syscalls[i].args);
  }
  free(s->syscalls);
  free(l->rootfs_propagation);
  sj_strlist_free(&l->masked_paths);
  sj_strlist_free(&l->readonly_paths);
  free(l->mount_label);
  free(l->personality.domain);
  sj_strlist_free(&l->personality.flags);
  for (size_t i = 0; i < l->net_devices_len; i++) {
    free(l->net_devices[i].host_name);
    free(l->net_devices[i].name);
  }
  free(l->net_devices);
  free(l->memory_policy.mode);
  free(l->memory_policy.nodes);
  sj_strlist_free(&l->memory_policy.flags);
  free(l->intel_rdt.clos_id);
  free(l->intel_rdt.l3_cache_schema);
  free(l->intel_rdt.mem_bw_schema);
  sj_strlist_free(&l->intel_rdt.schemata);
}
