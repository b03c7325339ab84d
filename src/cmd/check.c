/* check.c: `urun check` - is this host ready for urun, for the calling
 * user?  One line per check (ok, warn, fail: what was found, and the fix
 * for anything not ok), or --json; exit 0 when a container can run. */
#define _GNU_SOURCE
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "cmd.h"

urun_error *cmd_check(const struct global_options *g, int argc, char **argv, int *exit_code) {
  static const struct option longopts[] = {{"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {0}};
  bool json = false;
  int opt;
  optind = 1;
  while ((opt = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
    switch (opt) {
    case 'j': json = true; break;
    case 'h': printf("Usage: urun [--root DIR] check [--json]\n"); return NULL;
    default: return urun_error_new("check: unknown option (see `urun check --help`)");
    }
  }
  if (optind < argc) return urun_error_new("check: takes no arguments");
  struct check_report r = {.root_option = g->root, .root = userns_can_map_any()};
  check_userns(&r);
  check_ids(&r);
  check_dirs(&r);
  check_cgroup(&r);
  check_devices(&r);
  check_kernel(&r);
  check_helpers(&r);
  urun_error *e = check_print(&r, json);
  if (!e && !check_can_run(&r)) *exit_code = 1;
  check_report_free(&r);
  return e;
}
