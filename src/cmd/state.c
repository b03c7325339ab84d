/* state.c: `urun state` - the runtime-spec state of a container as JSON. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

#include "cleanup.h"
#include "cmd.h"
#include "options.h"

urun_error *cmd_state(const struct global_options *g, int argc, char **argv, int *exit_code) {
  static const struct option longopts[] = {{"help", no_argument, NULL, 'h'}, {0}};
  int opt;
  optind = 0;
  while ((opt = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
    if (opt == 'h') {
      printf("Usage: urun state ID\n");
      return NULL;
    }
    return urun_error_new("state: unknown option (see `urun state --help`)");
  }
  const char *id;
  TRY(options_one_id("state", argc, argv, optind, &id));
  struct state_root root = {.fd = -1};
  TRY(options_open_root(g, &root));
  _cleanup_close_ int dirfd = -1;
  urun_error *e = state_open(&root, id, LOCK_SH, &dirfd);
  _cleanup_state_ struct state *st = NULL;
  if (!e) e = state_read(dirfd, id, &st);
  _cleanup_free_ char *json = NULL;
  if (!e) e = state_to_json(st, state_status(dirfd, st), true, &json);
  if (!e) printf("%s\n", json);
  state_root_close(&root);
  return e;
}
