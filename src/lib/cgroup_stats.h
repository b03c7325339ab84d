/* cgroup_stats.h: a container's statistics from its cgroup v2 files. */
#ifndef URUN_CGROUP_STATS_H
#define URUN_CGROUP_STATS_H
#include <stdint.h>

#include "error.h"
#include "json.h"

/* Write runc's "data" object of a stats event (cpu, memory, pids, blkio,
 * hugetlb) for the group at `path`. */
urun_error *cgroup_stats_write(json_writer *w, const char *path);
/* memory.events' oom_kill counter (0 when the file is not there). */
uint64_t cgroup_oom_kills(const char *path);

#endif
