/* start.c: `urun start` - let a created container's init execve. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "container.h"
#include "options.h"

urun_error *cmd_start(const struct global_options *g, int argc, char **argv, int *exit_code) {
  static const struct option longopts[] = {{"help", no_argument, NULL, 'h'}, {0}};
  int opt;
  optind = 0;
  while ((opt = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
    if (opt == 'h') {
      printf("Usage: urun start ID\n");
      return NULL;
    }
    return urun_error_new("start: unknown option (see `urun start --help`)");
  }
  const char *id;
  TRY(options_one_id("start", argc, argv, optind, &id));
  struct state_root root = {.fd = -1};
  TRY(options_open_root(g, &root));
  urun_error *e = container_start(&root, id);
  state_root_close(&root);
  return e;
}
