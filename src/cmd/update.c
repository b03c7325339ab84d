/* update.c: `urun update` - new limits for a running container, through the
 * driver that made its cgroup.  runc's flags: a resources JSON file
 * (--resources, "-" for stdin) and one flag per common limit on top. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <fcntl.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "cmd.h"
#include "fsutil.h"
#include "options.h"

enum {
  OPT_RESOURCES = 'r',
  OPT_BLKIO_WEIGHT = 1000,
  OPT_CPU_PERIOD,
  OPT_CPU_QUOTA,
  OPT_CPU_SHARE,
  OPT_CPU_RT_PERIOD,
  OPT_CPU_RT_RUNTIME,
  OPT_CPU_IDLE,
  OPT_CPUSET_CPUS,
  OPT_CPUSET_MEMS,
  OPT_MEMORY,
  OPT_MEMORY_RESERVATION,
  OPT_MEMORY_SWAP,
  OPT_PIDS_LIMIT,
  OPT_KERNEL_MEMORY,
  OPT_KERNEL_MEMORY_TCP,
  OPT_L3_CACHE_SCHEMA,
  OPT_MEM_BW_SCHEMA,
};

static const struct option longopts[] = {
    {"resources", required_argument, NULL, OPT_RESOURCES},
    {"blkio-weight", required_argument, NULL, OPT_BLKIO_WEIGHT},
    {"cpu-period", required_argument, NULL, OPT_CPU_PERIOD},
    {"cpu-quota", required_argument, NULL, OPT_CPU_QUOTA},
    {"cpu-share", required_argument, NULL, OPT_CPU_SHARE},
    {"cpu-rt-period", required_argument, NULL, OPT_CPU_RT_PERIOD},
    {"cpu-rt-runtime", required_argument, NULL, OPT_CPU_RT_RUNTIME},
    {"cpu-idle", required_argument, NULL, OPT_CPU_IDLE},
    {"cpuset-cpus", required_argument, NULL, OPT_CPUSET_CPUS},
    {"cpuset-mems", required_argument, NULL, OPT_CPUSET_MEMS},
    {"memory", required_argument, NULL, OPT_MEMORY},
    {"memory-reservation", required_argument, NULL, OPT_MEMORY_RESERVATION},
    {"memory-swap", required_argument, NULL, OPT_MEMORY_SWAP},
    {"pids-limit", required_argument, NULL, OPT_PIDS_LIMIT},
    {"kernel-memory", required_argument, NULL, OPT_KERNEL_MEMORY},
    {"kernel-memory-tcp", required_argument, NULL, OPT_KERNEL_MEMORY_TCP},
    {"l3-cache-schema", required_argument, NULL, OPT_L3_CACHE_SCHEMA},
    {"mem-bw-schema", required_argument, NULL, OPT_MEM_BW_SCHEMA},
    {"help", no_argument, NULL, 'h'},
    {0},
};

static void usage(void) {
  printf("Usage: urun update [options] ID\n"
         "  -r, --resources FILE      linux.resources JSON (\"-\": standard input)\n"
         "      --memory BYTES        memory.max (k, m, g suffixes; -1: unlimited)\n"
         "      --memory-reservation BYTES, --memory-swap BYTES (memory + swap, as runc)\n"
         "      --pids-limit N        pids.max (-1 or 0: unlimited)\n"
         "      --cpu-share N, --cpu-quota N, --cpu-period N, --cpu-idle N\n"
         "      --cpuset-cpus LIST, --cpuset-mems LIST, --blkio-weight N\n");
}

/* "512m" -> bytes (binary units, as runc reads them); "-1" stays -1. */
static urun_error *parse_size(const char *flag, const char *s, int64_t *ret) {
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || end == s) return urun_error_new("update: --%s: \"%s\" is not a size", flag, s);
  if (v == -1 && !*end) return (*ret = -1), NULL;
  int shift = 0;
  switch (*end) {
  case 'k': case 'K': shift = 10; break;
  case 'm': case 'M': shift = 20; break;
  case 'g': case 'G': shift = 30; break;
  case 't': case 'T': shift = 40; break;
  case '\0': break;
  default: return urun_error_new("update: --%s: \"%s\" is not a size", flag, s);
  }
  if (*end && end[1] && strcasecmp(end + 1, "b") && strcasecmp(end + 1, "ib"))
    return urun_error_new("update: --%s: \"%s\" is not a size", flag, s);
  if (v < 0 || (shift && v > (INT64_MAX >> shift))) return urun_error_new("update: --%s: %s is out of range", flag, s);
  *ret = (int64_t)v << shift;
  return NULL;
}

static urun_error *parse_int(const char *flag, const char *s, int64_t min, int64_t *ret) {
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || end == s || *end || v < min) return urun_error_new("update: --%s: \"%s\" is not a valid number", flag, s);
  *ret = v;
  return NULL;
}

static urun_error *read_resources(const char *file, struct spec_resources *r) {
  _cleanup_free_ char *data = NULL;
  size_t len = 0;
  TRY(urun_error_wrap(read_file_at(AT_FDCWD, !strcmp(file, "-") ? "/dev/stdin" : file, &data, &len),
                      "update: --resources"));
  return spec_parse_resources(!strcmp(file, "-") ? "resources (stdin)" : file, data, len, r);
}

/* One flag onto the resources. */
static urun_error *apply_flag(int opt, const char *arg, struct spec_resources *r) {
  const char *flag = NULL;
  for (const struct option *o = longopts; o->name; o++)
    if (o->val == opt) flag = o->name;
  int64_t v;
  r->present = true;
  switch (opt) {
  case OPT_MEMORY: TRY(parse_size(flag, arg, &v)); r->memory.present = r->memory.has_limit = true; r->memory.limit = v; break;
  case OPT_MEMORY_RESERVATION:
    TRY(parse_size(flag, arg, &v));
    r->memory.present = r->memory.has_reservation = true;
    r->memory.reservation = v;
    break;
  case OPT_MEMORY_SWAP: TRY(parse_size(flag, arg, &v)); r->memory.present = r->memory.has_swap = true; r->memory.swap = v; break;
  case OPT_PIDS_LIMIT: TRY(parse_int(flag, arg, -1, &v)); r->pids_present = r->has_pids_limit = true; r->pids_limit = v; break;
  case OPT_CPU_SHARE: TRY(parse_int(flag, arg, 0, &v)); r->cpu.present = r->cpu.has_shares = true; r->cpu.shares = (uint64_t)v; break;
  case OPT_CPU_QUOTA: TRY(parse_int(flag, arg, -1, &v)); r->cpu.present = r->cpu.has_quota = true; r->cpu.quota = v; break;
  case OPT_CPU_PERIOD: TRY(parse_int(flag, arg, 0, &v)); r->cpu.present = r->cpu.has_period = true; r->cpu.period = (uint64_t)v; break;
  case OPT_CPU_IDLE: TRY(parse_int(flag, arg, 0, &v)); r->cpu.present = r->cpu.has_idle = true; r->cpu.idle = v; break;
  case OPT_CPU_RT_PERIOD:
  case OPT_CPU_RT_RUNTIME: return urun_error_new("update: --%s: real-time cpu limits exist only in cgroup v1", flag);
  case OPT_CPUSET_CPUS:
    free(r->cpu.cpus);
    if (!(r->cpu.cpus = strdup(arg))) return urun_error_code(ENOMEM, "update");
    r->cpu.present = true;
    break;
  case OPT_CPUSET_MEMS:
    free(r->cpu.mems);
    if (!(r->cpu.mems = strdup(arg))) return urun_error_code(ENOMEM, "update");
    r->cpu.present = true;
    break;
  case OPT_BLKIO_WEIGHT:
    TRY(parse_int(flag, arg, 10, &v));
    if (v > 1000) return urun_error_new("update: --blkio-weight: %s is out of range (10-1000)", arg);
    r->block_io.present = r->block_io.has_weight = true;
    r->block_io.weight = (uint16_t)v;
    break;
  case OPT_KERNEL_MEMORY:
  case OPT_KERNEL_MEMORY_TCP: log_warning("update: --%s is ignored: cgroup v2 has no separate kernel memory limit", flag); break;
  case OPT_L3_CACHE_SCHEMA:
  case OPT_MEM_BW_SCHEMA: return urun_error_new("update: --%s: Intel RDT is not supported by urun", flag);
  }
  return NULL;
}

urun_error *cmd_update(const struct global_options *g, int argc, char **argv, int *exit_code) {
  __attribute__((cleanup(spec_resources_free))) struct spec_resources r = {0};
  const char *resources_file = NULL;
  /* flags apply on top of the file, whatever their order */
  struct {
    int opt;
    const char *arg;
  } flags[32];
  size_t nflags = 0;
  int opt;
  optind = 0;
  while ((opt = getopt_long(argc, argv, "+r:h", longopts, NULL)) != -1) {
    if (opt == 'h') return usage(), NULL;
    if (opt == OPT_RESOURCES) resources_file = optarg;
    else if (opt == '?' || nflags == sizeof(flags) / sizeof(flags[0]))
      return urun_error_new("update: unknown option or too many (see `urun update --help`)");
    else flags[nflags].opt = opt, flags[nflags++].arg = optarg;
  }
  const char *id;
  TRY(options_one_id("update", argc, argv, optind, &id));
  if (resources_file) TRY(read_resources(resources_file, &r));
  for (size_t i = 0; i < nflags; i++) TRY(apply_flag(flags[i].opt, flags[i].arg, &r));
  if (!resources_file && !nflags) return urun_error_new("update: nothing to change (see `urun update --help`)");
  _cleanup_container_ struct container_handle c = {.dirfd = -1};
  TRY(options_open_container(g, id, LOCK_EX, &c));
  if (c.status == STATUS_STOPPED) return urun_error_new("update \"%s\": it is stopped", id);
  if (!c.st->cgroup_path)
    return urun_error_new("update \"%s\": the container has no cgroup of its own, so no limit can be set "
                          "(see urun(8), CGROUPS)",
                          id);
  return urun_error_wrap(cgroup_update(c.st->cgroup_path, c.st->cgroup_unit, c.st->cgroup_user_bus, &r),
                         "update \"%s\"", id);
}
