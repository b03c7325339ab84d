/* urun.c: the command line: global options, the command table, dispatch.
 * Every error is carried up to here and printed once. */
#define _GNU_SOURCE
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "prefault.h"
#include "selfexe.h"
#include "spec.h"

struct command {
  const char *name;
  cmd_fn fn;
  const char *summary;
  bool enters_container; /* puts a process into a container: runs from a sealed copy */
};

static const struct command commands[] = {
    {"create", cmd_create, "create a container (its init waits for start)", true},
    {"start", cmd_start, "start the process of a created container"},
    {"run", cmd_run, "create and start a container, wait for it", true},
    {"state", cmd_state, "print the state of a container as JSON"},
    {"kill", cmd_kill, "send a signal to a container's init (or all its processes)"},
    {"delete", cmd_delete, "delete a container and its state"},
    {"list", cmd_list, "list containers"},
    {"exec", cmd_exec, "run a new process in a running container", true},
    {"ps", cmd_ps, "list the processes of a container"},
    {"pause", cmd_pause, "freeze every process of a container"},
    {"resume", cmd_resume, "thaw a paused container"},
    {"update", cmd_update, "change the resource limits of a running container"},
    {"events", cmd_events, "print a container's events and statistics"},
    {"features", cmd_features, "print what this build supports (JSON)"},
    {"spec", cmd_spec, "write a default config.json"},
    {"check", cmd_check, "check what urun needs from this host (for you)"},
};

static void print_version(void) {
  printf("urun version %s\ncommit: %s\nspec: %s\n", PACKAGE_VERSION, URUN_COMMIT, URUN_OCI_VERSION);
  printf("+YAJL +SECCOMP +CAP +SUBID");
#ifdef HAVE_SYSTEMD
  printf(" +SYSTEMD");
#else
  printf(" -SYSTEMD");
#endif
  printf("\n");
}

static void print_usage(FILE *f) {
  fprintf(f, "Usage: urun [GLOBAL OPTIONS] COMMAND [OPTIONS] [ID]\n\n"
             "A rootless-first OCI container runtime.\n\nCommands:\n");
  for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
    fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
  fprintf(f, "\nGlobal options:\n"
             "  --root DIR             state directory (default /run/urun, or $XDG_RUNTIME_DIR/urun)\n"
             "  --log FILE             also write messages to FILE\n"
             "  --log-format FORMAT    text or json\n"
             "  --debug                debug messages\n"
             "  --systemd-cgroup       use the systemd cgroup driver\n"
             "  --rootless MODE        auto, true or false\n"
             "  -v, --version          print the version\n"
             "  -h, --help             this help\n");
}

static urun_error *parse_globals(int argc, char **argv, struct global_options *g, int *ret_optind,
                                 bool *ret_done) {
  enum { OPT_ROOT = 256, OPT_LOG, OPT_LOG_FORMAT, OPT_DEBUG, OPT_SYSTEMD, OPT_ROOTLESS, OPT_CGMGR };
  static const struct option longopts[] = {
      {"root", required_argument, NULL, OPT_ROOT},
      {"log", required_argument, NULL, OPT_LOG},
      {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
      {"debug", no_argument, NULL, OPT_DEBUG},
      {"systemd-cgroup", no_argument, NULL, OPT_SYSTEMD},
      {"rootless", required_argument, NULL, OPT_ROOTLESS},
      {"cgroup-manager", required_argument, NULL, OPT_CGMGR},
      {"version", no_argument, NULL, 'v'},
      {"help", no_argument, NULL, 'h'},
      {0},
  };
  int opt;
  *ret_done = false;
  while ((opt = getopt_long(argc, argv, "+vh", longopts, NULL)) != -1) {
    switch (opt) {
    case OPT_ROOT: g->root = optarg; break;
    case OPT_LOG: g->log = optarg; break;
    case OPT_LOG_FORMAT:
      if (!strcmp(optarg, "json")) g->log_format = LOG_FORMAT_JSON;
      else if (!strcmp(optarg, "text")) g->log_format = LOG_FORMAT_TEXT;
      else return urun_error_new("--log-format: expected text or json, not \"%s\"", optarg);
      break;
    case OPT_DEBUG: g->debug = true; break;
    case OPT_SYSTEMD: g->systemd_cgroup = true; break;
    case OPT_CGMGR:
      if (strcmp(optarg, "systemd") && strcmp(optarg, "cgroupfs") && strcmp(optarg, "disabled"))
        return urun_error_new("--cgroup-manager: expected systemd, cgroupfs or disabled, not \"%s\"", optarg);
      g->cgroup_manager = optarg;
      break;
    case OPT_ROOTLESS:
      if (!strcmp(optarg, "auto")) g->rootless = ROOTLESS_AUTO;
      else if (!strcmp(optarg, "true")) g->rootless = ROOTLESS_TRUE;
      else if (!strcmp(optarg, "false")) g->rootless = ROOTLESS_FALSE;
      else return urun_error_new("--rootless: expected auto, true or false, not \"%s\"", optarg);
      break;
    case 'v': print_version(); *ret_done = true; return NULL;
    case 'h': print_usage(stdout); *ret_done = true; return NULL;
    default: return urun_error_new("unknown global option (see `urun --help`)");
    }
  }
  *ret_optind = optind;
  return NULL;
}

int main(int argc, char **argv) {
  struct global_options g = {.rootless = ROOTLESS_AUTO};
  int first = 0, exit_code = 0;
  bool done;
  opterr = 0;
  urun_error *e = parse_globals(argc, argv, &g, &first, &done);
  if (!e && done) return 0;
  const struct command *cmd = NULL;
  for (size_t i = 0; !e && first < argc && i < sizeof(commands) / sizeof(commands[0]); i++)
    if (!strcmp(commands[i].name, argv[first])) cmd = &commands[i];
  /* before anything else: the first run of such a command does nothing
   * but copy urun and re-execute it */
  if (!e && cmd && cmd->enters_container) e = selfexe_ensure_sealed(argv);
  prefault_heap();
  if (!e) e = log_setup(g.log, g.log_format, g.debug);
  if (!e && first >= argc) {
    print_usage(stderr);
    return 1;
  }
  if (!e && !cmd) e = urun_error_new("unknown command \"%s\" (see `urun --help`)", argv[first]);
  if (!e) e = cmd->fn(&g, argc - first, argv + first, &exit_code);
  if (e) {
    log_final_error(e);
    urun_error_free(e);
    return exit_code > 1 ? exit_code : 1;
  }
  return exit_code;
}
