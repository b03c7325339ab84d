/* pause.c: `urun pause` and `urun resume` (cgroup.freeze). */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <sys/file.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "cmd.h"
#include "options.h"

static urun_error *freeze(const struct global_options *g, int argc, char **argv, bool pause) {
  const char *name = pause ? "pause" : "resume";
  static const struct option longopts[] = {{"help", no_argument, NULL, 'h'}, {0}};
  int opt;
  optind = 0;
  while ((opt = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
    if (opt == 'h') {
      printf("Usage: urun %s ID\n", name);
      return NULL;
    }
    return urun_error_new("%s: unknown option (see `urun %s --help`)", name, name);
  }
  const char *id;
  TRY(options_one_id(name, argc, argv, optind, &id));
  _cleanup_container_ struct container_handle c = {.dirfd = -1};
  TRY(options_open_container(g, id, LOCK_EX, &c));
  if (!c.st->cgroup_path)
    return urun_error_new("%s \"%s\": the container has no cgroup of its own, and freezing needs one "
                          "(see urun(8), CGROUPS)",
                          name, id);
  if (pause && c.status != STATUS_RUNNING)
    return urun_error_new("pause \"%s\": it is %s, not running", id, state_status_name(c.status));
  if (!pause && c.status != STATUS_PAUSED)
    return urun_error_new("resume \"%s\": it is %s, not paused", id, state_status_name(c.status));
  return urun_error_wrap(cgroup_freeze(c.st->cgroup_path, pause), "%s \"%s\"", name, id);
}

urun_error *cmd_pause(const struct global_options *g, int argc, char **argv, int *exit_code) {
  return freeze(g, argc, argv, true);
}

urun_error *cmd_resume(const struct global_options *g, int argc, char **argv, int *exit_code) {
  return freeze(g, argc, argv, false);
}
