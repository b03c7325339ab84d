/* cmd.h: the command table's shared types. */
#ifndef URUN_CMD_H
#define URUN_CMD_H

#include <stdbool.h>

#include "error.h"
#include "log.h"
#include "state.h"
#include "cgroup.h"
#include "userns.h"

struct global_options {
  const char *root;
  const char *log;
  enum log_format log_format;
  bool debug;
  bool systemd_cgroup;
  const char *cgroup_manager;
  enum rootless_mode rootless;
};

/* A command parses its own arguments; *exit_code is set when it exits with
 * something other than 0/1 (run returns the container's status). */
typedef urun_error *(*cmd_fn)(const struct global_options *g, int argc, char **argv, int *exit_code);

urun_error *cmd_create(const struct global_options *g, int argc, char **argv, int *exit_code);
urun_error *cmd_start(const struct global_options *g, int argc, char **argv, int *exit_code);
urun_error *cmd_run(const struct global_options *g, int argc, char **argv, int *exit_code);
urun_error *cmd_state(const struct global_options *g, int argc, char **argv, int *exit_code);
urun_error *cmd_kill(const struct global_options *g, int argc, char **argv, int *exit_code);
urun_error *cmd_delete(const struct global_options *g, int argc, char **argv, int *exit_code);
urun_error *cmd_list(const struct global_options *g, int argc, char **argv, int *exit_code);
urun_error *cmd_pause(const struct global_options *g, int argc, char **argv, int *exit_code);
urun_error *cmd_resume(const struct global_options *g, int argc, char **argv, int *exit_code);
urun_error *cmd_ps(const struct global_options *g, int argc, char **argv, int *exit_code);
urun_error *cmd_features(const struct global_options *g, int argc, char **argv, int *exit_code);
urun_error *cmd_exec(const struct global_options *g, int argc, char **argv, int *exit_code);
urun_error *cmd_update(const struct global_options *g, int argc, char **argv, int *exit_code);
urun_error *cmd_events(const struct global_options *g, int argc, char **argv, int *exit_code);
urun_error *cmd_check(const struct global_options *g, int argc, char **argv, int *exit_code);
urun_error *cmd_spec(const struct global_options *g, int argc, char **argv, int *exit_code);

#endif
