/* create.c: `urun create` - up to "created", init blocked on exec.fifo. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "cmd.h"
#include "container.h"
#include "options.h"

urun_error *cmd_create(const struct global_options *g, int argc, char **argv, int *exit_code) {
  static const struct option longopts[] = {CREATE_LONG_OPTIONS, {"help", no_argument, NULL, 'h'}, {0}};
  struct create_options o = {.rootless = g->rootless, .cgroup_manager = options_cgroup_manager(g)};
  int opt;
  optind = 0;
  while ((opt = getopt_long(argc, argv, "+" CREATE_SHORT_OPTIONS "h", longopts, NULL)) != -1) {
    urun_error *e;
    if (options_create_flag(&o, opt, optarg, &e)) {
      if (e) return e;
      continue;
    }
    if (opt == 'h') {
      printf("Usage: urun create [-b BUNDLE] [--pid-file FILE] [--console-socket PATH] [--no-pivot]\n"
             "                   [--no-new-keyring] [--preserve-fds N] [-f CONFIG] ID\n");
      return NULL;
    }
    return urun_error_new("create: unknown option (see `urun create --help`)");
  }
  TRY(options_one_id("create", argc, argv, optind, &o.id));
  struct state_root root = {.fd = -1};
  TRY(options_open_root(g, &root));
  struct created c;
  urun_error *e = container_create(&root, &o, &c);
  if (!e && c.pidfd >= 0) close(c.pidfd);
  if (!e && c.master >= 0) close(c.master);
  if (!e) close(c.dirfd);
  state_root_close(&root);
  return e;
}
