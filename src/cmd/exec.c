/* exec.c: `urun exec` - run a process in a running container. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "cmd.h"
#include "exec.h"
#include "options.h"

static urun_error *parse_user(const char *arg, struct exec_overrides *v) {
  char *end;
  unsigned long uid = strtoul(arg, &end, 10), gid = 0;
  if (end == arg || (*end && *end != ':')) return urun_error_new("exec: --user: expected UID[:GID], not \"%s\"", arg);
  if (*end == ':') {
    char *end2;
    gid = strtoul(end + 1, &end2, 10);
    if (end2 == end + 1 || *end2) return urun_error_new("exec: --user: expected UID[:GID], not \"%s\"", arg);
  }
  v->has_user = true;
  v->uid = (uint32_t)uid;
  v->gid = (uint32_t)gid;
  return NULL;
}

/* --additional-gids: repeated, or a comma-separated list (runc takes both) */
static urun_error *parse_gids(const char *arg, uint32_t **list, size_t *len) {
  for (const char *p = arg;;) {
    char *end;
    errno = 0;
    unsigned long g = strtoul(p, &end, 10);
    if (end == p || (*end && *end != ',') || errno || g > UINT32_MAX || *p == '-')
      return urun_error_new("exec: --additional-gids: expected GID[,GID...], not \"%s\"", arg);
    uint32_t *n = realloc(*list, (*len + 1) * sizeof(uint32_t));
    if (!n) return urun_error_new("exec: out of memory");
    n[(*len)++] = (uint32_t)g;
    *list = n;
    if (!*end) return NULL;
    p = end + 1;
  }
}

static urun_error *push(char ***list, size_t *len, char *item) {
  char **n = realloc(*list, (*len + 2) * sizeof(char *));
  if (!n) return urun_error_new("exec: out of memory");
  n[(*len)++] = item;
  n[*len] = NULL;
  *list = n;
  return NULL;
}

urun_error *cmd_exec(const struct global_options *g, int argc, char **argv, int *exit_code) {
  static const struct option longopts[] = {
      {"process", required_argument, NULL, 'p'}, {"tty", no_argument, NULL, 't'},
      {"cwd", required_argument, NULL, 'w'},      {"env", required_argument, NULL, 'e'},
      {"user", required_argument, NULL, 'u'},     {"cap", required_argument, NULL, 'c'},
      {"no-new-privs", no_argument, NULL, 'N'},   {"preserve-fds", required_argument, NULL, 'F'},
      {"pid-file", required_argument, NULL, 'P'}, {"console-socket", required_argument, NULL, 'C'},
      {"detach", no_argument, NULL, 'd'},         {"cgroup", required_argument, NULL, 'G'},
      {"no-seccomp", no_argument, NULL, 'S'},     {"help", no_argument, NULL, 'h'},
      {"additional-gids", required_argument, NULL, 'g'}, {"ignore-paused", no_argument, NULL, 'I'},
      {0}};
  struct exec_options o = {.apply_seccomp = true};
  struct exec_overrides *v = &o.overrides;
  _cleanup_free_ char **env = NULL, **caps = NULL;
  _cleanup_free_ uint32_t *gids = NULL;
  int opt;
  optind = 0;
  while ((opt = getopt_long(argc, argv, "+p:tw:e:u:c:g:dh", longopts, NULL)) != -1) {
    switch (opt) {
    case 'p': o.process_file = optarg; break;
    case 't': v->tty = true; break;
    case 'w': v->cwd = optarg; break;
    case 'e': TRY(push(&env, &v->env_len, optarg)); v->env = env; break;
    case 'u': TRY(parse_user(optarg, v)); break;
    case 'c': TRY(push(&caps, &v->caps_len, optarg)); v->caps = caps; break;
    case 'N': v->no_new_privs = true; break;
    case 'F': TRY(options_parse_uint("--preserve-fds", optarg, &o.preserve_fds)); break;
    case 'P': o.pid_file = optarg; break;
    case 'C': o.console_socket = optarg; break;
    case 'd': o.detach = true; break;
    case 'G': o.cgroup_child = optarg; break;
    case 'S': o.apply_seccomp = false; break;
    case 'g': TRY(parse_gids(optarg, &gids, &v->additional_gids_len)); v->additional_gids = gids; break;
    case 'I': o.ignore_paused = true; break;
    case 'h':
      printf("Usage: urun exec [options] ID COMMAND [ARG...]\n"
             "       urun exec [options] --process process.json ID\n");
      return NULL;
    default: return urun_error_new("exec: unknown option (see `urun exec --help`)");
    }
  }
  if (optind >= argc) return urun_error_new("exec: expected a container id");
  const char *id = argv[optind];
  TRY(state_validate_id(id));
  if (!o.process_file && optind + 1 >= argc) return urun_error_new("exec: expected a command (or --process FILE)");
  if (o.process_file && optind + 1 < argc) return urun_error_new("exec: give either --process or a command, not both");
  v->args = argv + optind + 1;
  struct state_root root = {.fd = -1};
  TRY(options_open_root(g, &root));
  urun_error *e = exec_in_container(&root, id, &o, exit_code);
  state_root_close(&root);
  return e;
}
