/* kill.c: `urun kill ID [SIGNAL]` (--all for every process). */
#define _GNU_SOURCE
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "container.h"
#include "options.h"
#include "signals.h"

urun_error *cmd_kill(const struct global_options *g, int argc, char **argv, int *exit_code) {
  static const struct option longopts[] = {
      {"all", no_argument, NULL, 'a'}, {"help", no_argument, NULL, 'h'}, {0}};
  bool all = false;
  int opt;
  optind = 0;
  while ((opt = getopt_long(argc, argv, "+ah", longopts, NULL)) != -1) {
    if (opt == 'a') all = true;
    else if (opt == 'h') {
      printf("Usage: urun kill [-a|--all] ID [SIGNAL]\n");
      return NULL;
    } else {
      return urun_error_new("kill: unknown option (see `urun kill --help`)");
    }
  }
  /* runc also takes --all after the id */
  int n = argc - optind;
  if (n < 1 || n > 3) return urun_error_new("kill: expected a container id and an optional signal");
  const char *id = argv[optind], *signame = NULL;
  for (int i = optind + 1; i < argc; i++) {
    if (!strcmp(argv[i], "--all") || !strcmp(argv[i], "-a")) all = true;
    else if (!signame) signame = argv[i];
    else return urun_error_new("kill: unexpected argument \"%s\"", argv[i]);
  }
  TRY(state_validate_id(id));
  int sig = SIGTERM;
  if (signame) TRY(signal_parse(signame, &sig));
  struct state_root root = {.fd = -1};
  TRY(options_open_root(g, &root));
  urun_error *e = container_kill(&root, id, sig, all);
  state_root_close(&root);
  return e;
}
