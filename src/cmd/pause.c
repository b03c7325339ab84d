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
  struct state_root root = {.fd = -1};
  TRY(options_open_root(g, &root));
  _cleanup_close_ int dirfd = -1;
  _cleanup_state_ struct state *st = NULL;
  urun_error *e = state_open(&root, id, LOCK_EX, &dirfd);
  if (!e) e = state_read(dirfd, id, &st);
  if (!e) {
    enum container_status s = state_status(dirfd, st);
    if (!st->cgroup_path)
      e = urun_error_new("%s \"%s\": the container has no cgroup of its own, and freezing needs one "
                         "(see urun(8), CGROUPS)",
                         name, id);
    else if (pause && s != STATUS_RUNNING)
      e = urun_error_new("pause \"%s\": it is %s, not running", id, state_status_name(s));
    else if (!pause && s != STATUS_PAUSED)
      e = urun_error_new("resume \"%s\": it is %s, not paused", id, state_status_name(s));
    else
      e = urun_error_wrap(cgroup_freeze(st->cgroup_path, pause), "%s \"%s\"", name, id);
  }
  state_root_close(&root);
  return e;
}

urun_error *cmd_pause(const struct global_options *g, int argc, char **argv, int *exit_code) {
  return freeze(g, argc, argv, true);
}

urun_error *cmd_resume(const struct global_options *g, int argc, char **argv, int *exit_code) {
  return freeze(g, argc, argv, false);
}
