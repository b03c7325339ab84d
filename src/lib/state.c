/* state.c: state root, container directories, state.json; see state.h. */
#define _GNU_SOURCE
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "journal.h"
#include "json.h"
#include "recover.h"
#include "rfc3339.h"

urun_error *state_default_root(char **ret) {
  if (geteuid() == 0 && !getenv("XDG_RUNTIME_DIR")) {
    *ret = strdup("/run/urun");
    return *ret ? NULL : urun_error_code(ENOMEM, "state root");
  }
  const char *xdg = getenv("XDG_RUNTIME_DIR");
  if (geteuid() == 0) {
    /* euid 0: the real root, or root of a user namespace (rootless podman). */
    struct stat st;
    if (!xdg || stat(xdg, &st) < 0 || st.st_uid != 0) {
      *ret = strdup("/run/urun");
      return *ret ? NULL : urun_error_code(ENOMEM, "state root");
    }
  }
  if (!xdg || !*xdg)
    return urun_error_new("XDG_RUNTIME_DIR is not set: log in through a session that sets it "
                          "(loginctl enable-linger, or export XDG_RUNTIME_DIR=/run/user/%u), "
                          "or pass --root DIR",
                          (unsigned)getuid());
  struct stat st;
  if (stat(xdg, &st) < 0)
    return urun_error_errno("XDG_RUNTIME_DIR=%s is unusable: create it owned by uid %u with mode "
                            "0700, or pass --root DIR",
                            xdg, (unsigned)geteuid());
  if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid())
    return urun_error_new("XDG_RUNTIME_DIR=%s is not a directory owned by uid %u: fix it or "
                          "pass --root DIR",
                          xdg, (unsigned)geteuid());
  *ret = path_join(xdg, "urun");
  return *ret ? NULL : urun_error_code(ENOMEM, "state root");
}

/* The state root is the caller's alone: whoever else may write it could
 * plant a container's state.json (a pid, a cgroup) for the caller to kill
 * or remove, or swap the directories between its checks and its writes. */
static urun_error *check_state_root_owner(int fd, const char *path) {
  struct stat st;
  if (fstat(fd, &st) < 0) return urun_error_errno("state root %s", path);
  if (st.st_uid != geteuid())
    return urun_error_new("state root %s belongs to uid %u, not to you (uid %u): another user could forge its "
                          "containers' state; pass a --root of your own",
                          path, (unsigned)st.st_uid, (unsigned)geteuid());
  /* group-writable is fine where the group is the caller's own (a user's
   * private group, under umask 002) */
  if ((st.st_mode & S_IWOTH) || ((st.st_mode & S_IWGRP) && st.st_gid != getegid()))
    return urun_error_new("state root %s is writable by other users (mode %03o): make it 0700 (chmod go-w), or "
                          "pass a --root of your own",
                          path, (unsigned)(st.st_mode & 0777));
  return NULL;
}

urun_error *state_root_open(const char *root_option, struct state_root *ret) {
  _cleanup_free_ char *path = NULL;
  if (root_option && *root_option) {
    path = strdup(root_option);
    if (!path) return urun_error_code(ENOMEM, "state root");
  } else {
    TRY(state_default_root(&path));
  }
  if (mkdir(path, 0700) < 0 && errno != EEXIST) {
    /* Create missing parents of an explicit --root, as runc does. */
    if (errno != ENOENT) return urun_error_errno("create state root %s", path);
    for (char *p = path + 1; (p = strchr(p, '/')); p++) {
      *p = '\0';
      int r = mkdir(path, 0755);
      *p = '/';
      if (r < 0 && errno != EEXIST) return urun_error_errno("create state root %s", path);
    }
    if (mkdir(path, 0700) < 0 && errno != EEXIST) return urun_error_errno("create state root %s", path);
  }
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return urun_error_errno("open state root %s", path);
  urun_error *e = check_state_root_owner(fd, path);
  if (e) {
    close(fd);
    return e;
  }
  if (path[0] != '/') {
    /* a relative --root: absolute, for paths handed to init and helpers
     * that run elsewhere (the bundle's directory, /) */
    char *abs = realpath(path, NULL);
    if (!abs) {
      close(fd);
      return urun_error_errno("state root %s", path);
    }
    free(path);
    path = abs;
  }
  ret->fd = fd;
  ret->path = steal_ptr(path);
  return NULL;
}

void state_root_close(struct state_root *r) {
  if (r->fd >= 0) close(r->fd);
  r->fd = -1;
  free(r->path);
  r->path = NULL;
}

urun_error *state_validate_id(const char *id) {
  if (!id || !*id) return urun_error_new("invalid container id: empty");
  size_t n = strlen(id);
  if (n > STATE_ID_MAX) return urun_error_new("invalid container id: longer than %d characters", STATE_ID_MAX);
  if (!strcmp(id, ".") || !strcmp(id, "..")) return urun_error_new("invalid container id \"%s\"", id);
  for (const char *p = id; *p; p++) {
    char c = *p;
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.' || c == '+';
    if (!ok)
      return urun_error_new("invalid container id \"%s\": only letters, digits and _ + - . are allowed",
                            id);
  }
  return NULL;
}

bool state_lock_briefly(int dirfd, int op) {
  /* a create killed a moment ago: its init still holds the lock (a copy of
   * create's descriptor) until its parent-death signal has taken it */
  for (int i = 0; i < 100; i++) {
    if (flock(dirfd, op | LOCK_NB) == 0) return true;
    if (errno != EWOULDBLOCK) return false;
    if (faccessat(dirfd, STATE_FILE_NAME, F_OK, AT_SYMLINK_NOFOLLOW) == 0) return false;
    usleep(10000);
  }
  return false;
}

/* A directory without state.json whose lock nobody holds was left by a create
 * that died; the caller holds the root lock, so nobody can claim it meanwhile.
 * Returns with the directory locked when it is. */
static bool is_stale(int dirfd) {
  if (flock(dirfd, LOCK_EX | LOCK_NB) < 0) return false;
  bool stale = faccessat(dirfd, STATE_FILE_NAME, F_OK, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT;
  if (!stale) flock(dirfd, LOCK_UN);
  return stale;
}

/* The id's directory exists, locked by someone and without state.json: a
 * create at work, or one killed a moment ago whose init still holds the
 * lock.  Waited for (up to a second) without the root lock, which other ids'
 * creates need meanwhile. */
static bool wait_for_other_create(struct state_root *root, const char *id) {
  _cleanup_close_ int d = openat(root->fd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (d < 0 || faccessat(d, STATE_FILE_NAME, F_OK, AT_SYMLINK_NOFOLLOW) == 0) return false;
  flock(root->fd, LOCK_UN);
  bool got = state_lock_briefly(d, LOCK_SH);
  if (got) flock(d, LOCK_UN);
  flock(root->fd, LOCK_EX);
  return got;
}

urun_error *state_claim(struct state_root *root, const char *id, int *ret_dirfd) {
  TRY(state_validate_id(id));
  if (flock(root->fd, LOCK_EX) < 0) return urun_error_errno("lock state root %s", root->path);
  urun_error *e = NULL;
  _cleanup_close_ int dirfd = -1;
  bool waited = false;
  while (mkdirat(root->fd, id, 0711) < 0) {
    if (errno != EEXIST) {
      e = urun_error_errno("create state directory %s/%s", root->path, id);
      goto out;
    }
    _cleanup_close_ int old = openat(root->fd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (old >= 0 && is_stale(old)) {
      /* what that create made goes with it (its journal says what) */
      e = recover_container(root, id, old);
      if (e) goto out;
      continue;
    }
    if (waited || old < 0 || !(waited = wait_for_other_create(root, id))) {
      e = urun_error_new("container \"%s\" already exists", id);
      goto out;
    }
  }
  dirfd = openat(root->fd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dirfd < 0 || flock(dirfd, LOCK_EX) < 0) {
    e = urun_error_errno("open state directory %s/%s", root->path, id);
    unlinkat(root->fd, id, AT_REMOVEDIR);
    goto out;
  }
  *ret_dirfd = steal_fd(&dirfd);
out:
  flock(root->fd, LOCK_UN);
  return e;
}

urun_error *state_open(struct state_root *root, const char *id, int lock_op, int *ret_dirfd) {
  TRY(state_validate_id(id));
  _cleanup_close_ int dirfd = openat(root->fd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dirfd < 0) {
    if (errno == ENOENT) return urun_error_new("container \"%s\" does not exist", id);
    return urun_error_errno("open state directory %s/%s", root->path, id);
  }
  if (flock(dirfd, lock_op) < 0) return urun_error_errno("lock container \"%s\"", id);
  /* Removed while we waited for the lock, or never finished creating. */
  if (faccessat(dirfd, STATE_FILE_NAME, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
    return urun_error_new("container \"%s\" does not exist", id);
  *ret_dirfd = steal_fd(&dirfd);
  return NULL;
}

urun_error *state_remove(struct state_root *root, const char *id) {
  /* the files a container's directory holds, by name: no directory read
   * (and no 32 KiB buffer for it) on every delete; anything else there
   * makes the rmdir fail and the tree walk take it */
  /* the journal last: a delete killed half-way leaves what the next needs */
  static const char *const known[] = {STATE_FILE_NAME, CONFIG_COPY_NAME, EXEC_FIFO_NAME, JOURNAL_FILE_NAME};
  _cleanup_close_ int dirfd = openat(root->fd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dirfd < 0 && errno == ENOENT) return NULL;
  if (dirfd >= 0) {
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) unlinkat(dirfd, known[i], 0);
    if (unlinkat(root->fd, id, AT_REMOVEDIR) == 0 || errno == ENOENT) return NULL;
  }
  return urun_error_wrap(remove_tree_at(root->fd, id), "remove state of \"%s\"", id);
}

static void write_state_fields(json_writer *w, const struct state *st, enum container_status status,
                               bool private_fields) {
  json_kv_string(w, "ociVersion", URUN_OCI_VERSION);
  json_kv_string(w, "id", st->id);
  json_kv_string(w, "status", state_status_name(status));
  json_kv_int(w, "pid", status == STATUS_STOPPED && !private_fields ? 0 : st->pid);
  json_kv_string(w, "bundle", st->bundle);
  json_kv_string(w, "rootfs", st->rootfs);
  json_kv_string(w, "created", st->created);
  if (!private_fields) {
    /* the name only for readers: the file keeps ownerUid, and create
     * skips a look-up through NSS on its way */
    _cleanup_free_ char *owner = st->owner_name ? NULL : owner_name(st->owner);
    json_kv_string(w, "owner", st->owner_name ? st->owner_name : owner ? owner : "");
  }
  json_key(w, "annotations");
  json_begin_object(w);
  for (size_t i = 0; i < st->annotations.len; i++)
    json_kv_string(w, st->annotations.keys[i], st->annotations.values[i]);
  /* the network helper died (kill -9) while the container lived: said
   * here, where a caller looks; its watchdog then stops the container */
  if (!private_fields && st->net_helper_gone && status != STATUS_STOPPED)
    json_kv_string(w, NET_HELPER_GONE_ANNOTATION, "exited");
  else if (!private_fields && st->net_helper_stopped_it)
    json_kv_string(w, NET_HELPER_GONE_ANNOTATION, "exited: the container was stopped");
  json_end_object(w);
  if (private_fields) {
    json_key(w, "urun");
    json_begin_object(w);
    json_key(w, "startTime");
    json_uint(w, st->start_time);
    json_key(w, "ownerUid");
    json_uint(w, st->owner);
    json_kv_bool(w, "ownPidNamespace", st->own_pid_ns);
    json_key(w, "mountNamespace");
    json_uint(w, st->mnt_ns);
    if (st->cgroup_path) json_kv_string(w, "cgroupPath", st->cgroup_path);
    if (st->cgroup_unit) json_kv_string(w, "cgroupUnit", st->cgroup_unit);
    json_kv_bool(w, "cgroupUserBus", st->cgroup_user_bus);
    json_kv_bool(w, "rootless", st->rootless);
    json_kv_bool(w, "poststart", st->has_poststart);
    json_kv_bool(w, "poststop", st->has_poststop);
    if (st->net_helper_pid > 0) {
      json_key(w, "netHelperPid");
      json_uint(w, (uint64_t)st->net_helper_pid);
      json_key(w, "netHelperStartTime");
      json_uint(w, st->net_helper_start_time);
    }
    json_end_object(w);
  }
}

void state_write_json(json_writer *w, const struct state *st, enum container_status status) {
  json_begin_object(w);
  write_state_fields(w, st, status, false);
  json_end_object(w);
}

urun_error *state_to_json(const struct state *st, enum container_status status, bool pretty,
                          char **ret) {
  _cleanup_json_writer_ json_writer *w = json_writer_new(pretty);
  if (!w) return urun_error_code(ENOMEM, "state");
  state_write_json(w, st, status);
  size_t len;
  const char *buf = json_writer_buffer(w, &len);
  if (!buf) return urun_error_new("state of \"%s\": cannot encode as JSON", st->id);
  *ret = strndup(buf, len);
  return *ret ? NULL : urun_error_code(ENOMEM, "state");
}

urun_error *state_write(int dirfd, const struct state *st) {
  _cleanup_json_writer_ json_writer *w = json_writer_new(false);
  if (!w) return urun_error_code(ENOMEM, "state");
  json_begin_object(w);
  write_state_fields(w, st, STATUS_CREATED, true);
  json_end_object(w);
  size_t len;
  const char *buf = json_writer_buffer(w, &len);
  if (!buf) return urun_error_new("state of \"%s\": cannot encode as JSON", st->id);
  return write_file_atomic_at(dirfd, STATE_FILE_NAME, buf, len, 0600);
}

static urun_error *dup_member(const json_node *obj, const char *key, char **ret) {
  const char *s = NULL;
  json_node *n = json_member(obj, key);
  if (n) TRY(json_get_string(STATE_FILE_NAME, key, n, &s));
  *ret = s ? strdup(s) : NULL;
  return NULL;
}

static urun_error *uint_member(const json_node *obj, const char *key, uint64_t *ret) {
  json_node *n = json_member(obj, key);
  *ret = 0;
  if (n) TRY(json_get_uint64(STATE_FILE_NAME, key, n, ret));
  return NULL;
}

static urun_error *parse_state(int dirfd, const char *id, struct state **ret) {
  _cleanup_free_ char *data = NULL;
  size_t len;
  TRY(read_file_at(dirfd, STATE_FILE_NAME, &data, &len));
  _cleanup_json_ json_node *root = NULL;
  TRY(json_parse(STATE_FILE_NAME, data, len, &root));
  _cleanup_state_ struct state *st = calloc(1, sizeof(*st));
  if (!st) return urun_error_code(ENOMEM, "state");
  TRY(dup_member(root, "id", &st->id));
  TRY(dup_member(root, "bundle", &st->bundle));
  TRY(dup_member(root, "rootfs", &st->rootfs));
  TRY(dup_member(root, "created", &st->created));
  uint64_t v;
  TRY(uint_member(root, "pid", &v));
  st->pid = (pid_t)v;
  json_node *ann = json_member(root, "annotations");
  size_t n = ann && json_is_object(ann) ? json_object_len(ann) : 0;
  if (n) {
    st->annotations.keys = calloc(n + 1, sizeof(char *));
    st->annotations.values = calloc(n + 1, sizeof(char *));
    if (!st->annotations.keys || !st->annotations.values) return urun_error_code(ENOMEM, "state");
    for (size_t i = 0; i < n; i++) {
      const char *val = NULL;
      TRY(json_get_string(STATE_FILE_NAME, ".annotations", json_object_value_at(ann, i), &val));
      st->annotations.keys[i] = strdup(json_object_key_at(ann, i));
      st->annotations.values[i] = strdup(val);
      st->annotations.len++;
    }
  }
  json_node *priv = json_member(root, "urun");
  if (priv) {
    TRY(uint_member(priv, "startTime", &st->start_time));
    TRY(uint_member(priv, "ownerUid", &v));
    st->owner = (uid_t)v;
    TRY(uint_member(priv, "mountNamespace", &st->mnt_ns));
    TRY(dup_member(priv, "cgroupPath", &st->cgroup_path));
    TRY(dup_member(priv, "cgroupUnit", &st->cgroup_unit));
    json_node *ub = json_member(priv, "cgroupUserBus");
    if (ub) TRY(json_get_bool(STATE_FILE_NAME, "cgroupUserBus", ub, &st->cgroup_user_bus));
    json_node *b = json_member(priv, "ownPidNamespace");
    if (b) TRY(json_get_bool(STATE_FILE_NAME, "ownPidNamespace", b, &st->own_pid_ns));
    b = json_member(priv, "rootless");
    if (b) TRY(json_get_bool(STATE_FILE_NAME, "rootless", b, &st->rootless));
    b = json_member(priv, "poststart");
    if (b) TRY(json_get_bool(STATE_FILE_NAME, "poststart", b, &st->has_poststart));
    b = json_member(priv, "poststop");
    if (b) TRY(json_get_bool(STATE_FILE_NAME, "poststop", b, &st->has_poststop));
    if (json_member(priv, "netHelperPid")) {
      TRY(uint_member(priv, "netHelperPid", &v));
      st->net_helper_pid = (pid_t)v;
      TRY(uint_member(priv, "netHelperStartTime", &st->net_helper_start_time));
    }
  }
  if (!st->id || strcmp(st->id, id) != 0)
    return urun_error_new("%s: id is \"%s\", not \"%s\"", STATE_FILE_NAME, st->id ? st->id : "", id);
  *ret = steal_ptr(st);
  return NULL;
}

/* init as create recorded it in the journal: state.json must name the same
 * process (a pid rewritten to another one would orphan the real init). */
static urun_error *check_against_journal(int dirfd, const struct state *st) {
  struct journal j;
  bool found;
  urun_error *e = journal_read(dirfd, &j, &found);
  if (!e && j.init > 0 && (j.init != st->pid || j.init_start != st->start_time))
    e = urun_error_new("%s: pid %d (start time %llu) is not the container's init, which create recorded as pid %d",
                       STATE_FILE_NAME, st->pid, (unsigned long long)st->start_time, j.init);
  journal_free(&j);
  return e;
}

/* Whether the last bytes of the helper's log hold the watchdog's line (the
 * last the log gets: the helper is dead by then), without reading a log a
 * chatty helper made long. */
static bool net_helper_log_says_stopped(int dirfd) {
  _cleanup_close_ int fd = openat(dirfd, NET_HELPER_LOG_NAME, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  struct stat sb;
  if (fd < 0 || fstat(fd, &sb) < 0) return false;
  char tail[512];
  off_t from = sb.st_size > (off_t)sizeof(tail) - 1 ? sb.st_size - (off_t)sizeof(tail) + 1 : 0;
  ssize_t n = pread(fd, tail, sizeof(tail) - 1, from);
  if (n <= 0) return false;
  tail[n] = '\0';
  return memmem(tail, (size_t)n, NET_HELPER_STOPPED_MARK, strlen(NET_HELPER_STOPPED_MARK)) != NULL;
}

/* Whether urun-slirp still lives, and if not, whether its watchdog
 * stopped the container (its line in the helper's log). */
static void note_net_helper(int dirfd, struct state *st) {
  if (st->net_helper_pid <= 0) return;
  /* the log first: a helper killed with SIGKILL closes its files (which
   * wakes the watchdog) a moment before it stops looking alive */
  st->net_helper_stopped_it = net_helper_log_says_stopped(dirfd);
  st->net_helper_gone =
      st->net_helper_stopped_it || process_start_time(st->net_helper_pid) != st->net_helper_start_time;
}

urun_error *state_load(int dirfd, const char *id, struct state **ret, char **ret_damage) {
  *ret = NULL;
  *ret_damage = NULL;
  _cleanup_state_ struct state *st = NULL;
  urun_error *e = parse_state(dirfd, id, &st);
  if (!e) e = check_against_journal(dirfd, st);
  if (e && e->code == ENOMEM) return e;
  if (e) {
    *ret_damage = urun_error_text(e);
    urun_error_free(e);
    return *ret_damage ? NULL : urun_error_code(ENOMEM, "state");
  }
  note_net_helper(dirfd, st);
  *ret = steal_ptr(st);
  return NULL;
}

urun_error *state_read(int dirfd, const char *id, struct state **ret) {
  _cleanup_free_ char *damage = NULL;
  TRY(state_load(dirfd, id, ret, &damage));
  return damage ? state_damage_error(id, damage) : NULL;
}

urun_error *state_damage_error(const char *id, const char *damage) {
  return urun_error_new("container \"%s\": its state is damaged (%s): `urun delete --force %s` removes it", id,
                        damage, id);
}

void state_free(struct state *st) {
  if (!st) return;
  free(st->id);
  free(st->bundle);
  free(st->rootfs);
  free(st->created);
  free(st->cgroup_path);
  free(st->cgroup_unit);
  for (size_t i = 0; i < st->annotations.len; i++) {
    free(st->annotations.keys[i]);
    free(st->annotations.values[i]);
  }
  free(st->annotations.keys);
  free(st->annotations.values);
  free(st);
}

uint64_t process_start_time(pid_t pid) {
  if (pid <= 0) return 0;
  char path[64];
  snprintf(path, sizeof(path), "/proc/%d/stat", pid);
  /* on every command's path: a stack buffer (the line is a few hundred
   * bytes; the command name at most 16), and no scanf */
  char data[1024];
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, data, sizeof(data) - 1);
  close(fd);
  if (n <= 0) return 0;
  data[n] = '\0';
  /* The command name may hold spaces and parentheses: fields follow the last ')'. */
  char *p = strrchr(data, ')');
  if (!p || p[1] != ' ') return 0;
  p += 2;
  char state = *p;
  if (state == 'Z' || state == 'X' || !state) return 0;
  /* field 3 is the state, field 22 the start time: skip 19 fields after it */
  for (int field = 3; field < 22; field++) {
    p = strchr(p, ' ');
    if (!p) return 0;
    p++;
  }
  char *end;
  errno = 0;
  unsigned long long start = strtoull(p, &end, 10);
  if (errno || end == p || (*end != ' ' && *end != '\n' && *end)) return 0;
  return start;
}

enum container_status state_status(int dirfd, const struct state *st) {
  uint64_t now = process_start_time(st->pid);
  if (now == 0 || now != st->start_time) return STATUS_STOPPED;
  if (faccessat(dirfd, EXEC_FIFO_NAME, F_OK, AT_SYMLINK_NOFOLLOW) == 0) return STATUS_CREATED;
  if (st->cgroup_path) {
    _cleanup_free_ char *p = path_join(st->cgroup_path, "cgroup.freeze");
    _cleanup_free_ char *v = NULL;
    urun_error *e = p ? read_file_at(AT_FDCWD, p, &v, NULL) : NULL;
    if (e) urun_error_free(e);
    else if (v && v[0] == '1') return STATUS_PAUSED;
  }
  return STATUS_RUNNING;
}

const char *state_status_name(enum container_status s) {
  switch (s) {
  case STATUS_CREATING: return "creating";
  case STATUS_CREATED: return "created";
  case STATUS_RUNNING: return "running";
  case STATUS_PAUSED: return "paused";
  case STATUS_UNKNOWN: return "unknown";
  case STATUS_STOPPED: break;
  }
  return "stopped";
}

char *rfc3339_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  char buf[RFC3339_LEN];
  rfc3339_format(&ts, buf);
  return strdup(buf);
}

char *owner_name(uid_t uid) {
  struct passwd pw, *res = NULL;
  char buf[1024];
  if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res) return strdup(res->pw_name);
  char *s = NULL;
  return asprintf(&s, "%u", (unsigned)uid) < 0 ? NULL : s;
}
