/* list.c: `urun list` - every container of the state root. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "cleanup.h"
#include "cmd.h"
#include "json.h"
#include "options.h"

static int by_name(const struct dirent **a, const struct dirent **b) {
  return strcmp((*a)->d_name, (*b)->d_name);
}

urun_error *cmd_list(const struct global_options *g, int argc, char **argv, int *exit_code) {
  static const struct option longopts[] = {{"quiet", no_argument, NULL, 'q'},
                                           {"format", required_argument, NULL, 'f'},
                                           {"help", no_argument, NULL, 'h'},
                                           {0}};
  bool quiet = false, json = false;
  int opt;
  optind = 0;
  while ((opt = getopt_long(argc, argv, "+qf:h", longopts, NULL)) != -1) {
    switch (opt) {
    case 'q': quiet = true; break;
    case 'f':
      if (!strcmp(optarg, "json")) json = true;
      else if (strcmp(optarg, "table") != 0)
        return urun_error_new("list: --format: expected table or json, not \"%s\"", optarg);
      break;
    case 'h': printf("Usage: urun list [-q|--quiet] [-f|--format table|json]\n"); return NULL;
    default: return urun_error_new("list: unknown option (see `urun list --help`)");
    }
  }
  if (optind != argc) return urun_error_new("list: takes no arguments");
  struct state_root root = {.fd = -1};
  TRY(options_open_root(g, &root));
  struct dirent **names = NULL;
  int n = scandirat(root.fd, ".", &names, NULL, by_name);
  if (n < 0) {
    urun_error *e = urun_error_errno("list %s", root.path);
    state_root_close(&root);
    return e;
  }
  _cleanup_json_writer_ json_writer *w = json ? json_writer_new(true) : NULL;
  if (w) json_begin_array(w);
  if (!json && !quiet) printf("%-20s %-8s %-10s %-40s %-31s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER");
  for (int i = 0; i < n; i++) {
    const char *id = names[i]->d_name;
    _cleanup_close_ int dirfd = -1;
    _cleanup_state_ struct state *st = NULL;
    urun_error *e = id[0] == '.' ? urun_error_new("hidden") : state_open(&root, id, LOCK_SH, &dirfd);
    if (!e) e = state_read(dirfd, id, &st);
    free(names[i]);
    if (e) { /* being created, or removed meanwhile */
      urun_error_free(e);
      continue;
    }
    enum container_status s = state_status(dirfd, st);
    if (quiet) printf("%s\n", st->id);
    else if (json) state_write_json(w, st, s);
    else {
      _cleanup_free_ char *owner = owner_name(st->owner);
      printf("%-20s %-8d %-10s %-40s %-31s %s\n", st->id, s == STATUS_STOPPED ? 0 : st->pid,
             state_status_name(s), st->bundle, st->created, owner ? owner : "");
    }
  }
  free(names);
  state_root_close(&root);
  if (w) {
    json_end_array(w);
    size_t len;
    const char *buf = json_writer_buffer(w, &len);
    if (buf) printf("%.*s\n", (int)len, buf);
  }
  return NULL;
}
