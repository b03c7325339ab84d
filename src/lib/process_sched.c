/* process_sched.c: the process settings that are one syscall each and are
 * inherited across execve: scheduler, I/O priority, CPU affinity,
 * personality, memory policy, and the time namespace's offsets. */
#define _GNU_SOURCE
#include "process_sched.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"

struct name_value {
  const char *name;
  unsigned long value;
};

static bool lookup(const struct name_value *t, const char *name, unsigned long *ret) {
  for (; t->name; t++)
    if (!strcmp(t->name, name)) return *ret = t->value, true;
  return false;
}

/* The kernel's struct sched_attr (sched_setattr(2)); glibc 2.36 has no wrapper. */
struct sched_attr_v1 {
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
  uint32_t sched_util_min;
  uint32_t sched_util_max;
};

urun_error *process_set_scheduler(const struct spec_scheduler *s) {
  if (!s->present) return NULL;
  static const struct name_value policies[] = {{"SCHED_OTHER", 0}, {"SCHED_FIFO", 1},     {"SCHED_RR", 2},
                                               {"SCHED_BATCH", 3}, {"SCHED_ISO", 4},      {"SCHED_IDLE", 5},
                                               {"SCHED_DEADLINE", 6}, {NULL, 0}};
  static const struct name_value flags[] = {{"SCHED_FLAG_RESET_ON_FORK", 0x01}, {"SCHED_FLAG_RECLAIM", 0x02},
                                            {"SCHED_FLAG_DL_OVERRUN", 0x04},    {"SCHED_FLAG_KEEP_POLICY", 0x08},
                                            {"SCHED_FLAG_KEEP_PARAMS", 0x10},   {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
                                            {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40}, {NULL, 0}};
  unsigned long policy, f;
  if (!lookup(policies, s->policy, &policy))
    return urun_error_new("config.json: .process.scheduler.policy: unknown policy \"%s\"", s->policy);
  struct sched_attr_v1 attr = {.size = sizeof(attr), .sched_policy = (uint32_t)policy};
  for (size_t i = 0; i < s->flags.len; i++) {
    if (!lookup(flags, s->flags.items[i], &f))
      return urun_error_new("config.json: .process.scheduler.flags[%zu]: unknown flag \"%s\"", i, s->flags.items[i]);
    attr.sched_flags |= f;
  }
  if (s->has_nice) attr.sched_nice = s->nice;
  if (s->has_priority) attr.sched_priority = (uint32_t)s->priority;
  if (s->has_runtime) attr.sched_runtime = s->runtime;
  if (s->has_deadline) attr.sched_deadline = s->deadline;
  if (s->has_period) attr.sched_period = s->period;
  if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0) {
    if (errno == EPERM) /* say what a user may not do */
      return urun_error_errno("config.json: .process.scheduler: sched_setattr %s (a real-time or deadline policy, "
                              "or a nice value below the current one, needs CAP_SYS_NICE on the host)",
                              s->policy);
    return urun_error_errno("config.json: .process.scheduler: sched_setattr %s", s->policy);
  }
  return NULL;
}

urun_error *process_set_io_priority(const struct spec_io_priority *io) {
  if (!io->present) return NULL;
  static const struct name_value classes[] = {
      {"IOPRIO_CLASS_RT", 1}, {"IOPRIO_CLASS_BE", 2}, {"IOPRIO_CLASS_IDLE", 3}, {NULL, 0}};
  unsigned long cls;
  if (!lookup(classes, io->class_, &cls))
    return urun_error_new("config.json: .process.ioPriority.class: unknown class \"%s\"", io->class_);
  if (io->priority < 0 || io->priority > 7)
    return urun_error_new("config.json: .process.ioPriority.priority: %d is out of range (0-7)", io->priority);
  if (syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, 0, (int)(cls << 13 | (unsigned)io->priority)) < 0) {
    if (errno == EPERM)
      return urun_error_errno("config.json: .process.ioPriority: ioprio_set %s (the real-time class needs "
                              "CAP_SYS_NICE or CAP_SYS_ADMIN on the host)",
                              io->class_);
    return urun_error_errno("config.json: .process.ioPriority: ioprio_set %s", io->class_);
  }
  return NULL;
}

/* "0-3,7" into a bitmask of `nbits` bits (CPUs or NUMA nodes). */
static urun_error *parse_list(const char *path, const char *list, unsigned long *mask, size_t nbits) {
  _cleanup_free_ char *copy = strdup(list);
  if (!copy) return urun_error_code(ENOMEM, "%s", path);
  char *save = NULL;
  for (char *part = strtok_r(copy, ",", &save); part; part = strtok_r(NULL, ",", &save)) {
    char *end;
    errno = 0;
    unsigned long a = strtoul(part, &end, 10), b = a;
    bool ok = end != part && *part >= '0' && *part <= '9';
    if (ok && *end == '-') {
      char *second = end + 1;
      b = strtoul(second, &end, 10);
      ok = end != second && *second >= '0' && *second <= '9';
    }
    if (!ok || *end || errno || b < a || b >= nbits)
      return urun_error_new("config.json: %s: invalid list \"%s\"", path, list);
    for (unsigned long i = a; i <= b; i++) mask[i / (8 * sizeof(long))] |= 1UL << (i % (8 * sizeof(long)));
  }
  return NULL;
}

urun_error *process_set_cpu_affinity(const char *path, const char *list) {
  if (!list || !*list) return NULL;
  cpu_set_t set;
  CPU_ZERO(&set);
  TRY(parse_list(path, list, (unsigned long *)&set, CPU_SETSIZE));
  if (sched_setaffinity(0, sizeof(set), &set) < 0) return urun_error_errno("config.json: %s: sched_setaffinity", path);
  return NULL;
}

urun_error *process_set_personality(const struct spec_personality *p) {
  if (!p->present) return NULL;
  unsigned long persona = !strcmp(p->domain, "LINUX32") ? PER_LINUX32 : PER_LINUX;
  if (p->flags.len)
    return urun_error_new("config.json: .linux.personality.flags[0]: unknown flag \"%s\"", p->flags.items[0]);
  if (personality(persona) < 0) return urun_error_errno("config.json: .linux.personality: personality");
  return NULL;
}

urun_error *process_set_memory_policy(const struct spec_memory_policy *m) {
  if (!m->present) return NULL;
  static const struct name_value modes[] = {{"MPOL_DEFAULT", 0},        {"MPOL_PREFERRED", 1},
                                            {"MPOL_BIND", 2},           {"MPOL_INTERLEAVE", 3},
                                            {"MPOL_LOCAL", 4},          {"MPOL_PREFERRED_MANY", 5},
                                            {"MPOL_WEIGHTED_INTERLEAVE", 6}, {NULL, 0}};
  static const struct name_value flags[] = {{"MPOL_F_NUMA_BALANCING", 1 << 13},
                                            {"MPOL_F_RELATIVE_NODES", 1 << 14},
                                            {"MPOL_F_STATIC_NODES", 1 << 15}, {NULL, 0}};
  unsigned long mode = 0, f;
  lookup(modes, m->mode, &mode); /* the parser checked the name */
  for (size_t i = 0; i < m->flags.len; i++) {
    if (!lookup(flags, m->flags.items[i], &f))
      return urun_error_new("config.json: .linux.memoryPolicy.flags[%zu]: unknown flag \"%s\"", i, m->flags.items[i]);
    mode |= f;
  }
  unsigned long nodes[16] = {0}; /* 1024 nodes */
  bool has_nodes = m->nodes && *m->nodes;
  if (has_nodes) TRY(parse_list(".linux.memoryPolicy.nodes", m->nodes, nodes, sizeof(nodes) * 8));
  if (syscall(SYS_set_mempolicy, (int)mode, has_nodes ? nodes : NULL, has_nodes ? sizeof(nodes) * 8 + 1 : 0) < 0)
    return urun_error_errno("config.json: .linux.memoryPolicy: set_mempolicy %s", m->mode);
  return NULL;
}

urun_error *process_enter_time_namespace(const struct spec_linux *l) {
  /* the offsets can be written only before any process is in the new
   * namespace: unshare makes it ours for children and for execve */
  if (unshare(CLONE_NEWTIME) < 0) return urun_error_errno("config.json: .linux.timeOffsets: new time namespace");
  char buf[256];
  size_t len = 0;
  for (size_t i = 0; i < l->time_offsets_len && len < sizeof(buf) - 64; i++)
    len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s %lld %u\n", l->time_offsets[i].clock,
                            (long long)l->time_offsets[i].secs, l->time_offsets[i].nanosecs);
  return urun_error_wrap(write_file_at(AT_FDCWD, "/proc/self/timens_offsets", buf, len, 0),
                         "config.json: .linux.timeOffsets");
}

urun_error *process_apply_settings(const struct spec_linux *l, const struct spec_process *p) {
  TRY(process_set_personality(&l->personality));
  TRY(process_set_memory_policy(&l->memory_policy));
  TRY(process_set_io_priority(&p->io_priority));
  TRY(process_set_scheduler(&p->scheduler));
  return process_set_cpu_affinity(".process.execCPUAffinity.final", p->exec_cpu_affinity_final);
}
