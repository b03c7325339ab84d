/* delete.c: `urun delete [--force] ID`. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "container.h"
#include "options.h"

urun_error *cmd_delete(const struct global_options *g, int argc, char **argv, int *exit_code) {
  static const struct option longopts[] = {
      {"force", no_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {0}};
  bool force = false;
  int opt;
  optind = 0;
  while ((opt = getopt_long(argc, argv, "+fh", longopts, NULL)) != -1) {
    if (opt == 'f') force = true;
    else if (opt == 'h') {
      printf("Usage: urun delete [-f|--force] ID\n");
      return NULL;
    } else {
      return urun_error_new("delete: unknown option (see `urun delete --help`)");
    }
  }
  const char *id;
  TRY(options_one_id("delete", argc, argv, optind, &id));
  struct state_root root = {.fd = -1};
  TRY(options_open_root(g, &root));
  urun_error *e = container_delete(&root, id, force);
  state_root_close(&root);
  return e;
}
