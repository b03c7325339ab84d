/* cgroup_stats.h: a container's statistics from its cgroup v2 files. */
#ifndef URUN_CGROUP_STATS_H
#define URUN_CGROUP_STATS_H
#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "json.h"

/* Write runc's "data" object of a stats event (cpu, memory, pids, blkio,
 * hugetlb) for the group at `path`. */
urun_error *cgroup_stats_write(json_writer *w, const char *path);
/* The value of `key` in a file of "key value" lines (cpu.stat,
 * memory.events, cgroup.events); 0 when it is not there. */
uint64_t cgroup_keyed(const char *data, const char *key);
/* memory.events' oom_kill counter, read through `events_fd` (open on a
 * group's memory.events): reading through the fd is also what re-arms its
 * POLLPRI.  false when it cannot be read (the group is gone). */
bool cgroup_read_oom_kills(int events_fd, uint64_t *ret);

#endif
