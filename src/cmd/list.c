/* list.c: `urun list` - every container of the state root, podman's too
 * (podman running urun shares $XDG_RUNTIME_DIR/urun). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "cmd.h"
#include "journal.h"
#include "json.h"
#include "options.h"

/* One line of the listing: a readable state, or one that is not (status
 * "unknown", and why). */
struct row {
  char *id;
  struct state *st;
  enum container_status status;
  char *reason; /* set for "unknown" */
  char *bundle; /* unknown: from the journal */
  pid_t pid;    /* unknown: the journal's init, while it lives */
  char *owner;
};

static void row_free(struct row *r) {
  free(r->id);
  if (r->st) state_free(r->st);
  free(r->reason);
  free(r->bundle);
  free(r->owner);
}

static int by_name(const struct dirent **a, const struct dirent **b) {
  return strcmp((*a)->d_name, (*b)->d_name);
}

/* What can be said of a container whose state.json is missing or damaged. */
static void fill_unknown(int dirfd, struct row *r, char *reason) {
  r->reason = reason;
  struct journal j;
  bool found;
  urun_error *e = journal_read(dirfd, &j, &found);
  if (e) {
    urun_error_free(e);
    return;
  }
  if (j.init > 0 && process_start_time(j.init) == j.init_start) r->pid = j.init;
  r->bundle = j.bundle ? strdup(j.bundle) : NULL;
  journal_free(&j);
}

/* false: nothing to show (hidden, being created, removed meanwhile). */
static bool read_row(struct state_root *root, const char *id, struct row *r) {
  if (id[0] == '.') return false;
  _cleanup_close_ int dirfd = openat(root->fd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  struct stat sb;
  if (dirfd < 0 || fstat(dirfd, &sb) < 0) return false;
  /* the owner as the state directory says, as runc does: podman's urun runs
   * as root of podman's user namespace, and writes that in state.json */
  r->owner = owner_name(sb.st_uid);
  r->id = strdup(id);
  if (faccessat(dirfd, STATE_FILE_NAME, F_OK, AT_SYMLINK_NOFOLLOW) < 0) {
    /* a create still at work holds the lock: not there yet; a free lock
     * and no state.json: a create that died */
    if (flock(dirfd, LOCK_SH | LOCK_NB) < 0 || faccessat(dirfd, STATE_FILE_NAME, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
      return false;
    r->status = STATUS_UNKNOWN;
    fill_unknown(dirfd, r, strdup("create did not finish (no state.json)"));
    return true;
  }
  if (flock(dirfd, LOCK_SH) < 0 || faccessat(dirfd, STATE_FILE_NAME, F_OK, AT_SYMLINK_NOFOLLOW) < 0) return false;
  char *damage = NULL;
  urun_error *e = state_load(dirfd, id, &r->st, &damage);
  if (e) {
    damage = urun_error_text(e);
    urun_error_free(e);
  }
  if (damage) {
    r->status = STATUS_UNKNOWN;
    fill_unknown(dirfd, r, damage);
    return true;
  }
  r->status = state_status(dirfd, r->st);
  r->pid = r->status == STATUS_STOPPED ? 0 : r->st->pid;
  return true;
}

static void write_unknown_json(json_writer *w, const struct row *r) {
  json_begin_object(w);
  json_kv_string(w, "ociVersion", URUN_OCI_VERSION);
  json_kv_string(w, "id", r->id);
  json_kv_int(w, "pid", r->pid);
  json_kv_string(w, "status", state_status_name(r->status));
  json_kv_string(w, "bundle", r->bundle ? r->bundle : "");
  json_kv_string(w, "rootfs", "");
  json_kv_string(w, "created", "");
  json_kv_string(w, "owner", r->owner ? r->owner : "");
  json_kv_string(w, "reason", r->reason ? r->reason : "");
  json_end_object(w);
}

static const char *bundle_of(const struct row *r) {
  const char *b = r->st ? r->st->bundle : r->bundle;
  return b ? b : "";
}

/* Columns as wide as their longest cell: podman's ids are 64 characters
 * and its bundles longer still. */
static void print_table(const struct row *rows, size_t n) {
  int w_id = 2, w_pid = 3, w_status = 6, w_bundle = 6, w_created = 7;
  char pid[16];
  for (size_t i = 0; i < n; i++) {
    const struct row *r = &rows[i];
    int len = snprintf(pid, sizeof(pid), "%d", r->pid);
    if ((int)strlen(r->id) > w_id) w_id = (int)strlen(r->id);
    if (len > w_pid) w_pid = len;
    if ((int)strlen(state_status_name(r->status)) > w_status) w_status = (int)strlen(state_status_name(r->status));
    if ((int)strlen(bundle_of(r)) > w_bundle) w_bundle = (int)strlen(bundle_of(r));
    if (r->st && r->st->created && (int)strlen(r->st->created) > w_created) w_created = (int)strlen(r->st->created);
  }
  printf("%-*s  %-*s  %-*s  %-*s  %-*s  %s\n", w_id, "ID", w_pid, "PID", w_status, "STATUS", w_bundle, "BUNDLE",
         w_created, "CREATED", "OWNER");
  for (size_t i = 0; i < n; i++) {
    const struct row *r = &rows[i];
    printf("%-*s  %-*d  %-*s  %-*s  %-*s  %s\n", w_id, r->id, w_pid, r->pid, w_status, state_status_name(r->status),
           w_bundle, bundle_of(r), w_created, r->st && r->st->created ? r->st->created : "", r->owner ? r->owner : "");
  }
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
  _cleanup_free_ struct row *rows = calloc((size_t)n + 1, sizeof(*rows));
  size_t nrows = 0;
  for (int i = 0; i < n; i++) {
    if (rows && read_row(&root, names[i]->d_name, &rows[nrows])) nrows++;
    else if (rows) row_free(&rows[nrows]), memset(&rows[nrows], 0, sizeof(rows[nrows]));
    free(names[i]);
  }
  free(names);
  state_root_close(&root);
  if (!rows) return urun_error_code(ENOMEM, "list");
  for (size_t i = 0; i < nrows; i++)
    if (rows[i].reason) fprintf(stderr, "urun: list: container \"%s\": %s\n", rows[i].id, rows[i].reason);
  if (quiet) {
    for (size_t i = 0; i < nrows; i++) printf("%s\n", rows[i].id);
  } else if (json) {
    _cleanup_json_writer_ json_writer *w = json_writer_new(true);
    if (!w) return urun_error_code(ENOMEM, "list");
    json_begin_array(w);
    for (size_t i = 0; i < nrows; i++) {
      if (!rows[i].st) {
        write_unknown_json(w, &rows[i]);
        continue;
      }
      rows[i].st->owner_name = rows[i].owner;
      state_write_json(w, rows[i].st, rows[i].status);
      rows[i].st->owner_name = NULL;
    }
    json_end_array(w);
    size_t len;
    const char *buf = json_writer_buffer(w, &len);
    if (buf) printf("%.*s\n", (int)len, buf);
  } else {
    print_table(rows, nrows);
  }
  for (size_t i = 0; i < nrows; i++) row_free(&rows[i]);
  return NULL;
}
