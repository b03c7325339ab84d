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
  _cleanup_container_ struct container_handle c = {.dirfd = -1};
  TRY(options_open_container(g, id, LOCK_SH, &c));
  _cleanup_free_ char *json = NULL;
  TRY(state_to_json(c.st, c.status, true, &json));
  printf("%s\n", json);
  return NULL;
}
