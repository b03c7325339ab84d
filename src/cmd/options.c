/* options.c: argument helpers shared by the commands. */
#define _GNU_SOURCE
#include "options.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "container.h"

urun_error *options_one_id(const char *cmd, int argc, char **argv, int optind_, const char **ret_id) {
  if (argc - optind_ != 1)
    return urun_error_new("%s: expected exactly one container id (see `urun %s --help`)", cmd, cmd);
  *ret_id = argv[optind_];
  return state_validate_id(*ret_id);
}

urun_error *options_open_root(const struct global_options *g, struct state_root *ret) {
  return state_root_open(g->root, ret);
}

urun_error *options_parse_uint(const char *flag, const char *value, int *ret) {
  char *end;
  errno = 0;
  long v = strtol(value, &end, 10);
  if (errno || *end || v < 0 || v > INT_MAX / 2)
    return urun_error_new("%s: invalid number \"%s\"", flag, value);
  *ret = (int)v;
  return NULL;
}

enum cgroup_manager options_cgroup_manager(const struct global_options *g) {
  if (g->cgroup_manager) {
    if (!strcmp(g->cgroup_manager, "systemd")) return CGROUP_MANAGER_SYSTEMD;
    if (!strcmp(g->cgroup_manager, "cgroupfs")) return CGROUP_MANAGER_CGROUPFS;
    if (!strcmp(g->cgroup_manager, "disabled")) return CGROUP_MANAGER_DISABLED;
  }
  return g->systemd_cgroup ? CGROUP_MANAGER_SYSTEMD : CGROUP_MANAGER_AUTO;
}

int options_create_flag(struct create_options *o, int opt, const char *arg, urun_error **err) {
  *err = NULL;
  switch (opt) {
  case 'b': o->bundle = arg; return 1;
  case 'f': o->config_path = arg; return 1;
  case 'P': o->pid_file = arg; return 1;
  case 'C': o->console_socket = arg; return 1;
  case 'N': o->no_pivot = true; return 1;
  case 'K': o->no_new_keyring = true; return 1;
  case 'F': *err = options_parse_uint("--preserve-fds", arg, &o->preserve_fds); return 1;
  case 'n': o->net = arg; return 1;
  case 'O': o->overlay = arg ? arg : ""; return 1;
  case 'p':
    if (o->nports == sizeof(o->ports) / sizeof(o->ports[0])) *err = urun_error_new("--publish: too many ports");
    else o->ports[o->nports++] = arg;
    return 1;
  }
  return 0;
}

urun_error *options_open_container(const struct global_options *g, const char *id, int lock,
                                   struct container_handle *ret) {
  *ret = (struct container_handle){.dirfd = -1};
  struct state_root root = {.fd = -1};
  TRY(options_open_root(g, &root));
  urun_error *e = state_open(&root, id, lock, &ret->dirfd);
  if (!e) e = state_read(ret->dirfd, id, &ret->st);
  if (!e) ret->status = state_status(ret->dirfd, ret->st);
  state_root_close(&root);
  if (e) container_handle_close(ret);
  return e;
}

void container_handle_close(struct container_handle *h) {
  if (h->dirfd >= 0) close(h->dirfd);
  if (h->st) state_free(h->st);
  *h = (struct container_handle){.dirfd = -1};
}
