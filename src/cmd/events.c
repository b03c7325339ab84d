/* events.c: `urun events` - runc's event stream, one JSON object a line:
 * {"type":"stats","id":ID,"data":{...}} every --interval, and
 * {"type":"oom","id":ID} when the kernel OOM-kills in the container's
 * group, until the container stops.  --stats prints one stats event. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "cgroup_stats.h"
#include "cleanup.h"
#include "fsutil.h"
#include "cmd.h"
#include "json.h"
#include "options.h"
#include "pidfd.h"

/* "5s", "500ms", "1m", or plain seconds -> milliseconds. */
static urun_error *parse_interval(const char *s, long *ret_ms) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  double scale = 1000;
  if (!strcmp(end, "ms")) scale = 1;
  else if (!strcmp(end, "m")) scale = 60000;
  else if (*end && strcmp(end, "s")) end = NULL;
  if (errno || !end || end == s || v <= 0 || v * scale < 1 || v * scale > 86400000.0)
    return urun_error_new("events: --interval: \"%s\" is not a duration (e.g. 5s, 500ms)", s);
  *ret_ms = (long)(v * scale);
  return NULL;
}

static urun_error *print_event(const char *type, const char *id, const char *stats_path) {
  _cleanup_json_writer_ json_writer *w = json_writer_new(false);
  if (!w) return urun_error_code(ENOMEM, "events");
  json_begin_object(w);
  json_kv_string(w, "type", type);
  json_kv_string(w, "id", id);
  if (stats_path) {
    json_key(w, "data");
    TRY(cgroup_stats_write(w, stats_path));
  }
  json_end_object(w);
  size_t len;
  const char *doc = json_writer_buffer(w, &len);
  if (!doc) return urun_error_code(ENOMEM, "events");
  if (printf("%.*s\n", (int)len, doc) < 0 || fflush(stdout) != 0) return urun_error_errno("events: write");
  return NULL;
}

static int64_t now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Until init exits: stats every interval, an oom event per new OOM kill.
 * memory.events wakes poll() (POLLPRI) when it changes: the kernel says so
 * when it kills, before the group empties and (with systemd) goes away. */
static urun_error *stream(const char *id, const struct state *st, const char *path, long interval_ms) {
  struct proc_handle h;
  TRY(proc_open(st->pid, st->start_time, &h));
  _cleanup_free_ char *events_path = path_join(path, "memory.events");
  _cleanup_close_ int events = events_path ? open(events_path, O_RDONLY | O_CLOEXEC) : -1;
  uint64_t ooms = cgroup_oom_kills(path);
  int64_t next_stats = now_ms();
  urun_error *e = NULL;
  while (!e) {
    if (now_ms() >= next_stats) {
      if ((e = print_event("stats", id, path))) break;
      next_stats = now_ms() + interval_ms;
    }
    uint64_t n = cgroup_oom_kills(path);
    for (; ooms < n && !e; ooms++) e = print_event("oom", id, NULL);
    if (e) break;
    struct pollfd p[2] = {{.fd = h.pidfd, .events = POLLIN}, {.fd = events, .events = POLLPRI}};
    int64_t wait = next_stats - now_ms();
    /* without a pidfd, init's exit is looked for every 100 ms */
    if (h.pidfd < 0 && wait > 100) wait = 100;
    if (poll(p, 2, wait < 0 ? 0 : (int)wait) < 0 && errno != EINTR) e = urun_error_errno("events: poll");
    if (!e && (p[0].revents || !proc_alive(&h))) {
      for (n = cgroup_oom_kills(path); ooms < n && !e; ooms++) e = print_event("oom", id, NULL);
      break;
    }
  }
  proc_close(&h);
  return e;
}

urun_error *cmd_events(const struct global_options *g, int argc, char **argv, int *exit_code) {
  static const struct option longopts[] = {{"stats", no_argument, NULL, 's'},
                                           {"interval", required_argument, NULL, 'i'},
                                           {"help", no_argument, NULL, 'h'},
                                           {0}};
  bool stats_only = false;
  long interval_ms = 5000;
  int opt;
  optind = 0;
  while ((opt = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
    if (opt == 'h') {
      printf("Usage: urun events [--stats] [--interval DURATION] ID\n");
      return NULL;
    }
    if (opt == 's') stats_only = true;
    else if (opt == 'i') TRY(parse_interval(optarg, &interval_ms));
    else return urun_error_new("events: unknown option (see `urun events --help`)");
  }
  const char *id;
  TRY(options_one_id("events", argc, argv, optind, &id));
  _cleanup_container_ struct container_handle c = {.dirfd = -1};
  TRY(options_open_container(g, id, LOCK_SH, &c));
  if (c.status == STATUS_STOPPED) return urun_error_new("events \"%s\": it is stopped", id);
  if (!c.st->cgroup_path)
    return urun_error_new("events \"%s\": the container has no cgroup of its own, where its statistics "
                          "would be (see urun(8), CGROUPS)",
                          id);
  /* the lock is not held while streaming: delete must not wait for us */
  close(c.dirfd);
  c.dirfd = -1;
  if (stats_only) return print_event("stats", id, c.st->cgroup_path);
  return urun_error_wrap(stream(id, c.st, c.st->cgroup_path, interval_ms), "events \"%s\"", id);
}
