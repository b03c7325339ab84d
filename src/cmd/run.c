/* run.c: `urun run` - create, start, wait with signals forwarded, delete. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "cleanup.h"
#include "cmd.h"
#include "container.h"
#include "log.h"
#include "options.h"
#include "signals.h"

urun_error *cmd_run(const struct global_options *g, int argc, char **argv, int *exit_code) {
  static const struct option longopts[] = {CREATE_LONG_OPTIONS,
                                           {"detach", no_argument, NULL, 'd'},
                                           {"keep", no_argument, NULL, 'k'},
                                           {"help", no_argument, NULL, 'h'},
                                           {0}};
  struct create_options o = {.rootless = g->rootless, .cgroup_manager = options_cgroup_manager(g)};
  bool detach = false, keep = false;
  int opt;
  optind = 0;
  while ((opt = getopt_long(argc, argv, "+" CREATE_SHORT_OPTIONS "dh", longopts, NULL)) != -1) {
    urun_error *e;
    if (options_create_flag(&o, opt, optarg, &e)) {
      if (e) return e;
      continue;
    }
    switch (opt) {
    case 'd': detach = true; break;
    case 'k': keep = true; break;
    case 'h':
      printf("Usage: urun run [create options] [-d|--detach] [--keep] ID\n");
      return NULL;
    default: return urun_error_new("run: unknown option (see `urun run --help`)");
    }
  }
  TRY(options_one_id("run", argc, argv, optind, &o.id));
  o.keep_running_parent = !detach;
  o.terminal_proxy = !detach && !o.console_socket;
  struct state_root root = {.fd = -1};
  TRY(options_open_root(g, &root));
  struct created c = {.pidfd = -1, .master = -1, .dirfd = -1};
  urun_error *e = container_create(&root, &o, &c);
  if (e) goto out;
  if (!detach) signals_block_forwarded();
  e = container_start_created(o.id, &c);
  log_phase("started");
  if (e || detach) {
    if (e) urun_error_free(container_delete(&root, o.id, true));
    goto out;
  }
  e = signals_wait_forwarding(c.pid, c.master, exit_code);
  log_phase("exited");
  if (c.master >= 0) close(steal_fd(&c.master));
  if (!keep) {
    urun_error *d = container_delete(&root, o.id, true);
    log_phase("deleted");
    if (!e) e = d;
    else urun_error_free(d);
  }
out:
  if (c.pidfd >= 0) close(c.pidfd);
  if (c.master >= 0) close(c.master);
  state_root_close(&root);
  return e;
}
