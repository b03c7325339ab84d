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

/* A duration as runc takes it (Go's syntax: "5s", "500ms", "1m30s", "1h";
 * plain seconds too) -> milliseconds, at least 1. */
static urun_error *parse_interval(const char *s, long *ret_ms) {
  static const struct {
    const char *unit;
    double ms;
  } units[] = {{"ns", 1e-6}, {"us", 1e-3}, {"\u00b5s", 1e-3}, {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
  double total = 0;
  const char *p = s;
  do {
    char *end;
    errno = 0;
    double v = strtod(p, &end);
    /* digits and a point only: strtod would also take "nan", "0x10", " 5" */
    if (errno || end == p || strspn(p, "0123456789.") != (size_t)(end - p)) goto bad;
    size_t best = 0;
    double scale = 1000; /* a bare number is seconds, and only alone */
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
      size_t n = strlen(units[i].unit);
      if (n > best && !strncmp(end, units[i].unit, n)) best = n, scale = units[i].ms;
    }
    if (!best && (*end || p != s)) goto bad;
    total += v * scale;
    p = end + best;
  } while (*p);
  if (total < 1 || total > 86400000.0) goto bad;
  *ret_ms = (long)total;
  return NULL;
bad:
  return urun_error_new("events: --interval: \"%s\" is not a duration (e.g. 5s, 500ms, 1m30s)", s);
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

static int open_memory_events(const char *dir) {
  _cleanup_free_ char *file = dir ? path_join(dir, "memory.events") : NULL;
  return file ? open(file, O_RDONLY | O_CLOEXEC) : -1;
}

/* Until init exits: stats every interval, an oom event per new OOM kill.
 * memory.events wakes poll() (POLLPRI) when it changes; it is read on every
 * wake.  The kernel counts a kill before it sends SIGKILL, so a read after
 * init's exit sees the kill that ended it, unless the group is gone by then:
 * systemd removes a scope's groups the moment they empty.  A kill is counted
 * in every ancestor too, so the group's nearest lasting ancestor (the
 * witness) is read along with it, and kills the witness counted after the
 * group's last read are the group's: at most one is reported, for init. */
static urun_error *stream(const char *id, const struct state *st, const char *path, long interval_ms) {
  struct proc_handle h;
  TRY(proc_open(st->pid, st->start_time, &h));
  _cleanup_close_ int events = open_memory_events(path);
  _cleanup_free_ char *witness_dir = cgroup_lasting_ancestor(path, st->cgroup_unit != NULL);
  _cleanup_close_ int witness = open_memory_events(witness_dir);
  uint64_t seen_kills = 0, witness_kills = 0;
  cgroup_read_oom_kills(events, &seen_kills);
  bool witnessed = cgroup_read_oom_kills(witness, &witness_kills);
  int64_t next_stats = now_ms();
  urun_error *e = NULL;
  while (!e) {
    if (now_ms() >= next_stats) {
      if ((e = print_event("stats", id, path))) break;
      next_stats = now_ms() + interval_ms;
    }
    struct pollfd p[2] = {{.fd = h.pidfd, .events = POLLIN}, {.fd = events, .events = POLLPRI}};
    int64_t wait = next_stats - now_ms();
    /* without a pidfd, init's exit is looked for every 100 ms */
    if (h.pidfd < 0 && wait > 100) wait = 100;
    if (poll(p, 2, wait < 0 ? 0 : (int)wait) < 0 && errno != EINTR) {
      e = urun_error_errno("events: poll");
      break;
    }
    bool init_gone = p[0].revents || !proc_alive(&h);
    uint64_t kills, witness_now;
    if (cgroup_read_oom_kills(events, &kills)) {
      /* always the group first: a kill counted between the reads is then lost, not doubled */
      witnessed = cgroup_read_oom_kills(witness, &witness_kills);
      for (; seen_kills < kills && !e; seen_kills++) e = print_event("oom", id, NULL);
    } else if (init_gone && witnessed && cgroup_read_oom_kills(witness, &witness_now) &&
               witness_now > witness_kills) {
      e = print_event("oom", id, NULL);
    }
    if (init_gone) break;
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
