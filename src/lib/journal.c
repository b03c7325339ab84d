/* journal.c: create's record of what it made; see journal.h. */
#define _GNU_SOURCE
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "json.h"

urun_error *journal_create(int dirfd, int *ret_fd) {
  int fd = openat(dirfd, JOURNAL_FILE_NAME, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return urun_error_errno("create %s", JOURNAL_FILE_NAME);
  *ret_fd = fd;
  return NULL;
}

/* One write per record: a kill lands before or after it, and a line cut
 * short by a full disk is skipped on reading. */
static urun_error *append(int fd, json_writer *w) {
  json_end_object(w);
  size_t len;
  const char *buf = json_writer_buffer(w, &len);
  if (!buf) return urun_error_code(ENOMEM, "%s", JOURNAL_FILE_NAME);
  _cleanup_free_ char *line = malloc(len + 1);
  if (!line) return urun_error_code(ENOMEM, "%s", JOURNAL_FILE_NAME);
  memcpy(line, buf, len);
  line[len] = '\n';
  ssize_t n;
  do n = write(fd, line, len + 1);
  while (n < 0 && errno == EINTR);
  if (n < 0) return urun_error_errno("write %s", JOURNAL_FILE_NAME);
  if ((size_t)n != len + 1) return urun_error_code(ENOSPC, "write %s", JOURNAL_FILE_NAME);
  return NULL;
}

static json_writer *begin(void) {
  json_writer *w = json_writer_new(false);
  if (w) json_begin_object(w);
  return w;
}

urun_error *journal_note_path(int fd, const char *key, const char *path, bool flag) {
  if (fd < 0) return NULL;
  _cleanup_json_writer_ json_writer *w = begin();
  if (!w) return urun_error_code(ENOMEM, "%s", JOURNAL_FILE_NAME);
  json_kv_string(w, key, path);
  json_kv_bool(w, "owned", flag);
  return append(fd, w);
}

urun_error *journal_note_unit(int fd, const char *unit, bool user_bus, const char *cgroup) {
  if (fd < 0) return NULL;
  _cleanup_json_writer_ json_writer *w = begin();
  if (!w) return urun_error_code(ENOMEM, "%s", JOURNAL_FILE_NAME);
  json_kv_string(w, "unit", unit);
  json_kv_bool(w, "userBus", user_bus);
  if (cgroup) json_kv_string(w, "unitCgroup", cgroup);
  return append(fd, w);
}

urun_error *journal_note_pid(int fd, const char *key, pid_t pid, uint64_t start_time) {
  if (fd < 0) return NULL;
  _cleanup_json_writer_ json_writer *w = begin();
  if (!w) return urun_error_code(ENOMEM, "%s", JOURNAL_FILE_NAME);
  json_kv_int(w, key, pid);
  json_key(w, "startTime");
  json_uint(w, start_time);
  return append(fd, w);
}

urun_error *journal_note_namespaces(int fd, uint64_t mnt_ns, bool own_pid_ns) {
  if (fd < 0) return NULL;
  _cleanup_json_writer_ json_writer *w = begin();
  if (!w) return urun_error_code(ENOMEM, "%s", JOURNAL_FILE_NAME);
  json_key(w, "mountNamespace");
  json_uint(w, mnt_ns);
  json_kv_bool(w, "ownPidNamespace", own_pid_ns);
  return append(fd, w);
}

static void take_string(const json_node *o, const char *key, char **slot) {
  json_node *n = json_member(o, key);
  const char *s = NULL;
  if (!n) return;
  urun_error *e = json_get_string(JOURNAL_FILE_NAME, key, n, &s);
  if (e) {
    urun_error_free(e);
    return;
  }
  char *copy = strdup(s);
  if (!copy) return;
  free(*slot);
  *slot = copy;
}

static uint64_t get_uint(const json_node *o, const char *key) {
  json_node *n = json_member(o, key);
  uint64_t v = 0;
  if (n) urun_error_free(json_get_uint64(JOURNAL_FILE_NAME, key, n, &v));
  return v;
}

static bool get_bool(const json_node *o, const char *key) {
  json_node *n = json_member(o, key);
  bool v = false;
  if (n) urun_error_free(json_get_bool(JOURNAL_FILE_NAME, key, n, &v));
  return v;
}

static void apply(struct journal *j, const json_node *o) {
  if (json_member(o, "bundle")) take_string(o, "bundle", &j->bundle);
  if (json_member(o, "cgroup")) {
    take_string(o, "cgroup", &j->cgroup);
    j->cgroup_owned = get_bool(o, "owned");
  }
  if (json_member(o, "unit")) {
    take_string(o, "unit", &j->unit);
    j->unit_user_bus = get_bool(o, "userBus");
    if (json_member(o, "unitCgroup")) {
      take_string(o, "unitCgroup", &j->unit_cgroup);
      j->unit_started = j->unit_cgroup != NULL;
    }
  }
  if (json_member(o, "init")) {
    j->init = (pid_t)get_uint(o, "init");
    j->init_start = get_uint(o, "startTime");
  }
  if (json_member(o, "helper")) {
    j->helper = (pid_t)get_uint(o, "helper");
    j->helper_start = get_uint(o, "startTime");
  }
  if (json_member(o, "mountNamespace")) {
    j->mnt_ns = get_uint(o, "mountNamespace");
    j->own_pid_ns = get_bool(o, "ownPidNamespace");
  }
}

urun_error *journal_read(int dirfd, struct journal *ret, bool *ret_found) {
  memset(ret, 0, sizeof(*ret));
  *ret_found = false;
  _cleanup_free_ char *data = NULL;
  size_t len = 0;
  urun_error *e = read_file_at(dirfd, JOURNAL_FILE_NAME, &data, &len);
  if (e && e->code == ENOENT) {
    urun_error_free(e);
    return NULL;
  }
  if (e) return e;
  *ret_found = true;
  for (char *line = data, *nl; (nl = memchr(line, '\n', len - (size_t)(line - data))); line = nl + 1) {
    _cleanup_json_ json_node *o = NULL;
    e = json_parse(JOURNAL_FILE_NAME, line, (size_t)(nl - line), &o);
    if (e) { /* a damaged line: what the others say still holds */
      urun_error_free(e);
      continue;
    }
    if (json_is_object(o)) apply(ret, o);
  }
  return NULL;
}

void journal_free(struct journal *j) {
  free(j->bundle);
  free(j->cgroup);
  free(j->unit);
  free(j->unit_cgroup);
  memset(j, 0, sizeof(*j));
}
