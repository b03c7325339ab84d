/* recover.c: undo a container from its journal; see recover.h.
 *
 * Nothing in a damaged state.json is believed.  A pid is signalled only
 * through a pidfd opened while its start time matched the journal's (or
 * while it held this container's exec.fifo); the cgroup is emptied only
 * when create recorded it as its own, after it found it empty. */
#define _GNU_SOURCE
#include "recover.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "fsutil.h"
#include "journal.h"
#include "lifecycle.h"
#include "log.h"
#include "net.h"
#include "pidfd.h"
#include "userns.h"

/* fdinfo "flags:" is octal; init keeps exec.fifo as O_PATH, which nobody
 * who only opens the fifo to write or read has. */
static bool fd_is_o_path(pid_t pid, const char *fd) {
  char path[320];
  snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", pid, fd);
  _cleanup_free_ char *info = NULL;
  urun_error *e = read_file_at(AT_FDCWD, path, &info, NULL);
  if (e) {
    urun_error_free(e);
    return false;
  }
  const char *f = strstr(info, "flags:");
  return f && (strtoul(f + 6, NULL, 8) & O_PATH);
}

static bool holds(pid_t pid, dev_t dev, ino_t ino) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/fd", pid);
  _cleanup_closedir_ DIR *d = opendir(path);
  struct dirent *de;
  while (d && (de = readdir(d))) {
    if (de->d_name[0] == '.') continue;
    char link[320];
    struct stat sb;
    snprintf(link, sizeof(link), "/proc/%d/fd/%s", pid, de->d_name);
    if (stat(link, &sb) == 0 && sb.st_dev == dev && sb.st_ino == ino && S_ISFIFO(sb.st_mode) &&
        fd_is_o_path(pid, de->d_name))
      return true;
  }
  return false;
}

pid_t recover_fifo_holder(int dirfd, uint64_t *ret_start_time) {
  struct stat fifo;
  *ret_start_time = 0;
  if (fstatat(dirfd, EXEC_FIFO_NAME, &fifo, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISFIFO(fifo.st_mode)) return 0;
  _cleanup_closedir_ DIR *d = opendir("/proc");
  struct dirent *de;
  while (d && (de = readdir(d))) {
    char *end;
    long pid = strtol(de->d_name, &end, 10);
    if (*end || pid <= 0 || pid == getpid()) continue;
    uint64_t start = process_start_time((pid_t)pid);
    if (!start || !holds((pid_t)pid, fifo.st_dev, fifo.st_ino)) continue;
    /* the pid is this process for as long as its start time says so */
    if (process_start_time((pid_t)pid) != start) continue;
    *ret_start_time = start;
    return (pid_t)pid;
  }
  return 0;
}

/* A scope asked for but not known to be started: stop it only if nothing
 * runs in it (a unit of that name with processes is another's). */
static void stop_unit_if_ours(const struct journal *j) {
  if (!j->unit || j->unit_started) return;
  urun_error *e = cgroup_systemd_stop_if_empty(j->unit, j->unit_user_bus);
  if (e) {
    log_debug("recover: scope %s: %s", j->unit, e->message);
    urun_error_free(e);
  }
}

/* The cgroup of a proven init when the journal names none: taken as the
 * container's only when it bears the container's name as urun names groups
 * (<parent>/ID, or urun-ID.scope/container), never the caller's own group
 * that an init without a group of its own would be in. */
static char *named_cgroup_of(pid_t pid, const char *id, char **ret_unit) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
  _cleanup_free_ char *data = NULL;
  urun_error *e = read_file_at(AT_FDCWD, path, &data, NULL);
  const char *mount = cgroup_mountpoint();
  if (e || !mount) {
    urun_error_free(e);
    return NULL;
  }
  char *line = strstr(data, "0::");
  if (!line || (line != data && line[-1] != '\n')) return NULL;
  line += 3;
  line[strcspn(line, "\n")] = '\0';
  _cleanup_free_ char *scope = NULL;
  if (asprintf(&scope, "/urun-%s.scope/container", id) < 0) return NULL;
  size_t n = strlen(line), idn = strlen(id), sn = strlen(scope);
  bool by_id = n > idn && line[n - idn - 1] == '/' && !strcmp(line + n - idn, id);
  bool by_scope = n >= sn && !strcmp(line + n - sn, scope);
  if (!by_id && !by_scope) return NULL;
  if (by_scope && asprintf(ret_unit, "urun-%s.scope", id) < 0) *ret_unit = NULL;
  return path_join(mount, line);
}

urun_error *recover_container(struct state_root *root, const char *id, int dirfd) {
  struct journal j;
  bool found;
  TRY(journal_read(dirfd, &j, &found));
  const char *owned = j.unit_started ? j.unit_cgroup : j.cgroup_owned ? j.cgroup : NULL;
  struct state st = {.id = (char *)id, .pid = j.init, .start_time = j.init_start, .mnt_ns = j.mnt_ns,
                     .own_pid_ns = j.own_pid_ns, .cgroup_path = (char *)owned};
  if (st.pid <= 0 || process_start_time(st.pid) != st.start_time) {
    /* not recorded (a journal from before it was kept, or damaged): the
     * process waiting on exec.fifo is init */
    uint64_t start;
    pid_t holder = recover_fifo_holder(dirfd, &start);
    if (holder > 0) {
      st.pid = holder;
      st.start_time = start;
      st.mnt_ns = 0; /* not recorded for this init: only it and its cgroup */
    }
  }
  _cleanup_free_ char *named = NULL, *named_unit = NULL;
  if (!owned && !j.cgroup && st.pid > 0) {
    named = named_cgroup_of(st.pid, id, &named_unit);
    /* read while init was alive and proven: still it */
    if (named && process_start_time(st.pid) == st.start_time) owned = st.cgroup_path = named;
  }
  if (owned) urun_error_free(cgroup_kill_all(owned, SIGKILL));
  urun_error *e = st.pid > 0 ? lifecycle_kill_and_wait(&st) : NULL;
  net_stop_helper(j.helper, j.helper_start);
  if (!e && owned) e = cgroup_destroy(owned, j.unit_started ? j.unit : NULL, j.unit_user_bus);
  if (!e && named_unit) urun_error_free(cgroup_systemd_stop_if_empty(named_unit, !running_as_real_root()));
  /* made, maybe, but never found empty: only an empty group is removed */
  if (!e && !owned && j.cgroup) rmdir(j.cgroup);
  if (!e) stop_unit_if_ours(&j);
  journal_free(&j);
  if (e) return urun_error_wrap(e, "delete \"%s\"", id);
  return state_remove(root, id);
}
