/* ps.c: `urun ps` - the container's processes (its cgroup's, or those in
 * its mount namespace when it has no cgroup). */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "cmd.h"
#include "json.h"
#include "lifecycle.h"
#include "options.h"

static bool has_pid(const pid_t *pids, size_t n, long pid) {
  for (size_t i = 0; i < n; i++)
    if (pids[i] == pid) return true;
  return false;
}

/* Run ps(1) with the caller's arguments and keep the header and our lines. */
static urun_error *ps_table(char **ps_args, int nargs, const pid_t *pids, size_t n) {
  _cleanup_free_ char **argv = calloc((size_t)nargs + 2, sizeof(char *));
  if (!argv) return urun_error_code(ENOMEM, "ps");
  argv[0] = "ps";
  if (nargs == 0) argv[1] = "-ef";
  for (int i = 0; i < nargs; i++) argv[i + 1] = ps_args[i];
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) < 0) return urun_error_errno("ps");
  pid_t child = fork();
  if (child < 0) return urun_error_errno("ps");
  if (child == 0) {
    dup2(fds[1], STDOUT_FILENO);
    execvp("ps", argv);
    _exit(127);
  }
  close(fds[1]);
  FILE *f = fdopen(fds[0], "r");
  if (!f) return urun_error_errno("ps");
  char *line = NULL;
  size_t cap = 0;
  int pid_col = -1;
  bool header = true;
  while (getline(&line, &cap, f) > 0) {
    if (header) {
      /* find the PID column in the header */
      _cleanup_free_ char *copy = strdup(line);
      char *save = NULL;
      int col = 0;
      for (char *w = copy ? strtok_r(copy, " \t\n", &save) : NULL; w; w = strtok_r(NULL, " \t\n", &save), col++)
        if (!strcmp(w, "PID")) pid_col = col;
      fputs(line, stdout);
      header = false;
      continue;
    }
    _cleanup_free_ char *copy = strdup(line);
    char *save = NULL, *w = copy ? strtok_r(copy, " \t\n", &save) : NULL;
    for (int col = 0; w && col < pid_col; col++) w = strtok_r(NULL, " \t\n", &save);
    if (w && has_pid(pids, n, strtol(w, NULL, 10))) fputs(line, stdout);
  }
  free(line);
  fclose(f);
  int status;
  waitpid(child, &status, 0);
  if (pid_col < 0) return urun_error_new("ps: no PID column in the output of ps");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return urun_error_new("ps: ps(1) failed");
  return NULL;
}

urun_error *cmd_ps(const struct global_options *g, int argc, char **argv, int *exit_code) {
  static const struct option longopts[] = {
      {"format", required_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {0}};
  bool json = false;
  int opt;
  optind = 0;
  while ((opt = getopt_long(argc, argv, "+f:h", longopts, NULL)) != -1) {
    if (opt == 'f') {
      if (!strcmp(optarg, "json")) json = true;
      else if (strcmp(optarg, "table")) return urun_error_new("ps: --format: expected table or json");
    } else if (opt == 'h') {
      printf("Usage: urun ps [-f|--format table|json] ID [ps options]\n");
      return NULL;
    } else {
      return urun_error_new("ps: unknown option (see `urun ps --help`)");
    }
  }
  if (optind >= argc) return urun_error_new("ps: expected a container id");
  const char *id = argv[optind];
  TRY(state_validate_id(id));
  _cleanup_container_ struct container_handle c = {.dirfd = -1};
  TRY(options_open_container(g, id, LOCK_SH, &c));
  if (c.status == STATUS_STOPPED) return urun_error_new("ps \"%s\": it is stopped", id);
  _cleanup_free_ pid_t *pids = NULL;
  size_t n = 0;
  TRY(c.st->cgroup_path ? cgroup_pids(c.st->cgroup_path, &pids, &n)
                        : lifecycle_pids_in_mount_ns(c.st->mnt_ns, &pids, &n));
  if (!json) return ps_table(argv + optind + 1, argc - optind - 1, pids, n);
  _cleanup_json_writer_ json_writer *w = json_writer_new(false);
  if (!w) return urun_error_code(ENOMEM, "ps");
  json_begin_array(w);
  for (size_t i = 0; i < n; i++) json_int(w, pids[i]);
  json_end_array(w);
  size_t len;
  const char *buf = json_writer_buffer(w, &len);
  if (buf) printf("%.*s\n", (int)len, buf);
  return NULL;
}
