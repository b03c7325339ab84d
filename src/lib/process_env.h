/* process_env.h: the environment a container's process gets beyond
 * process.env, as runc and crun give it: HOME from the container's
 * /etc/passwd, and socket activation's LISTEN_FDS/LISTEN_PID. */
#ifndef URUN_PROCESS_ENV_H
#define URUN_PROCESS_ENV_H

#include "error.h"
#include "spec.h"

/* The fds urun was handed by socket activation (LISTEN_FDS, with LISTEN_PID
 * urun's own pid): they follow stdio, before --preserve-fds. */
int process_env_listen_fds(void);

struct process_env {
  char **envp;      /* NULL-terminated; shares process.env's strings */
  char *added[3];   /* ours, freed with it */
};

/* process.env completed for execve, read in the container's root (after
 * pivot_root, or setns for exec), by the process that will execve:
 *  - HOME, when missing: the home of process.user.uid in /etc/passwd, or "/";
 *  - LISTEN_FDS=N, when urun was handed N fds and the env has none;
 *  - LISTEN_PID=<our pid>, when LISTEN_FDS is there and LISTEN_PID is not. */
urun_error *process_env_build(const struct spec_process *p, int listen_fds, struct process_env *ret);
void process_env_free(struct process_env *e);

#endif
