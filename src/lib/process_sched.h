/* process_sched.h: scheduler, I/O priority, CPU affinity, personality,
 * memory policy and time offsets of the container's process. */
#ifndef URUN_PROCESS_SCHED_H
#define URUN_PROCESS_SCHED_H
#include "error.h"
#include "spec.h"

urun_error *process_set_scheduler(const struct spec_scheduler *s);
urun_error *process_set_io_priority(const struct spec_io_priority *io);
/* `path` names the field in errors (".process.execCPUAffinity.initial"). */
urun_error *process_set_cpu_affinity(const char *path, const char *list);
urun_error *process_set_personality(const struct spec_personality *p);
urun_error *process_set_memory_policy(const struct spec_memory_policy *m);
/* The above for a process about to execve (init or exec): the container's
 * personality and memory policy, the process's I/O priority, scheduler
 * and final CPU affinity. */
urun_error *process_apply_settings(const struct spec_linux *l, const struct spec_process *p);
/* A new time namespace for execve with linux.timeOffsets written. */
urun_error *process_enter_time_namespace(const struct spec_linux *l);

#endif
