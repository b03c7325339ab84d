/* process.h: the container process's own settings (rlimits, user, exec). */
#ifndef URUN_PROCESS_H
#define URUN_PROCESS_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "spec.h"

/* Checks that need no container: rlimit names, ... (create calls it early). */
urun_error *process_check(const struct spec_process *p);
urun_error *process_set_rlimits(const struct spec_process *p);
urun_error *process_set_oom_score_adj(const struct spec_process *p);
/* setgroups/setresgid/setresuid to process.user.  `setgroups_allowed` is
 * false where /proc/self/setgroups says "deny"; `keep_groups` keeps the
 * caller's supplementary groups (run.oci.keep_original_groups). */
urun_error *process_set_user(const struct spec_process *p, bool setgroups_allowed, bool keep_groups);
/* Regular files, pipes and sockets given as stdio become `uid`:`gid`'s
 * (crun): a process that is not their owner could not reopen its own
 * stdout (/proc/self/fd/1).  Terminals and other devices stay as they are;
 * where the kernel refuses (an id not mapped, a read-only file system),
 * nothing changes. */
void process_chown_stdio(uid_t uid, gid_t gid);
/* Find args[0] as execve will (PATH from process.env), in the current root,
 * with the wording callers map to exit codes: "executable file not found in
 * $PATH", "no such file or directory", "permission denied". */
urun_error *process_find_executable(const struct spec_process *p, char **ret);

#endif
