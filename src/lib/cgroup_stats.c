/* cgroup_stats.c: statistics in the shape `runc events` prints them, read
 * from cgroup v2's files: cpu.stat, memory.*, pids.*, io.stat, hugetlb.*.
 * A file that is not there (controller not enabled) leaves its fields 0. */
#define _GNU_SOURCE
#include "cgroup_stats.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"

static char *read_cg(const char *path, const char *file) {
  _cleanup_free_ char *full = path_join(path, file);
  char *data = NULL;
  size_t len;
  if (!full) return NULL;
  urun_error *e = read_file_at(AT_FDCWD, full, &data, &len);
  if (e) {
    urun_error_free(e);
    return NULL;
  }
  return data;
}

/* A single-value file: a number, or "max" (UINT64_MAX, as runc reports it). */
static uint64_t read_value(const char *path, const char *file) {
  _cleanup_free_ char *s = read_cg(path, file);
  if (!s) return 0;
  if (!strncmp(s, "max", 3)) return UINT64_MAX;
  return strtoull(s, NULL, 10);
}

/* The line after `line` in a file's text, or NULL at the end. */
static const char *next_line(const char *line) {
  const char *nl = strchr(line, '\n');
  return nl && nl[1] ? nl + 1 : NULL;
}

/* "key value" lines (cpu.stat, memory.stat, memory.events). */
uint64_t cgroup_keyed(const char *data, const char *key) {
  size_t klen = strlen(key);
  for (const char *line = data; line && *line; line = next_line(line))
    if (!strncmp(line, key, klen) && line[klen] == ' ') return strtoull(line + klen + 1, NULL, 10);
  return 0;
}

bool cgroup_read_oom_kills(int events_fd, uint64_t *ret) {
  char buf[512];
  ssize_t n = events_fd < 0 ? -1 : pread(events_fd, buf, sizeof(buf) - 1, 0);
  if (n <= 0) return false;
  buf[n] = 0;
  *ret = cgroup_keyed(buf, "oom_kill");
  return true;
}

static void kv_u64(json_writer *w, const char *key, uint64_t v) {
  json_key(w, key);
  json_uint(w, v);
}

static void write_cpu(json_writer *w, const char *path) {
  _cleanup_free_ char *stat = read_cg(path, "cpu.stat");
  const char *s = stat ? stat : "";
  json_key(w, "cpu");
  json_begin_object(w);
  json_key(w, "usage");
  json_begin_object(w);
  kv_u64(w, "total", cgroup_keyed(s, "usage_usec") * 1000);
  kv_u64(w, "kernel", cgroup_keyed(s, "system_usec") * 1000);
  kv_u64(w, "user", cgroup_keyed(s, "user_usec") * 1000);
  json_end_object(w);
  json_key(w, "throttling");
  json_begin_object(w);
  kv_u64(w, "periods", cgroup_keyed(s, "nr_periods"));
  kv_u64(w, "throttledPeriods", cgroup_keyed(s, "nr_throttled"));
  kv_u64(w, "throttledTime", cgroup_keyed(s, "throttled_usec") * 1000);
  json_end_object(w);
  json_end_object(w);
}

static void write_usage(json_writer *w, const char *key, uint64_t usage, uint64_t max, uint64_t limit,
                        uint64_t failcnt) {
  json_key(w, key);
  json_begin_object(w);
  kv_u64(w, "limit", limit);
  kv_u64(w, "usage", usage);
  kv_u64(w, "max", max);
  kv_u64(w, "failcnt", failcnt);
  json_end_object(w);
}

static void write_memory(json_writer *w, const char *path) {
  _cleanup_free_ char *stat = read_cg(path, "memory.stat");
  _cleanup_free_ char *events = read_cg(path, "memory.events");
  const char *s = stat ? stat : "";
  json_key(w, "memory");
  json_begin_object(w);
  kv_u64(w, "cache", cgroup_keyed(s, "file"));
  write_usage(w, "usage", read_value(path, "memory.current"), read_value(path, "memory.peak"),
              read_value(path, "memory.max"), events ? cgroup_keyed(events, "max") : 0);
  uint64_t swap = read_value(path, "memory.swap.current");
  write_usage(w, "swap_usage", swap, read_value(path, "memory.swap.peak"), read_value(path, "memory.swap.max"), 0);
  write_usage(w, "kernel_usage", cgroup_keyed(s, "kernel"), 0, 0, 0);
  json_key(w, "raw");
  json_begin_object(w);
  for (const char *line = s; line && *line; line = next_line(line)) {
    const char *nl = strchr(line, '\n');
    const char *sp = memchr(line, ' ', nl ? (size_t)(nl - line) : strlen(line));
    if (sp) {
      char key[128];
      snprintf(key, sizeof(key), "%.*s", (int)(sp - line), line);
      kv_u64(w, key, strtoull(sp + 1, NULL, 10));
    }
  }
  json_end_object(w);
  json_end_object(w);
}

static void write_pids(json_writer *w, const char *path) {
  json_key(w, "pids");
  json_begin_object(w);
  kv_u64(w, "current", read_value(path, "pids.current"));
  uint64_t limit = read_value(path, "pids.max");
  kv_u64(w, "limit", limit == UINT64_MAX ? 0 : limit); /* runc: 0 is "no limit" */
  json_end_object(w);
}

/* io.stat: "MAJ:MIN rbytes=N wbytes=N rios=N wios=N ..." per device. */
static void write_blkio(json_writer *w, const char *path) {
  _cleanup_free_ char *stat = read_cg(path, "io.stat");
  static const struct {
    const char *json, *bytes_key, *ios_key, *op;
  } ops[] = {{NULL, "rbytes", "rios", "Read"}, {NULL, "wbytes", "wios", "Write"}};
  json_key(w, "blkio");
  json_begin_object(w);
  for (int pass = 0; pass < 2; pass++) {
    json_key(w, pass == 0 ? "ioServiceBytesRecursive" : "ioServicedRecursive");
    json_begin_array(w);
    for (const char *line = stat; line && *line; line = next_line(line)) {
      unsigned major, minor;
      const char *nl = strchr(line, '\n');
      if (sscanf(line, "%u:%u", &major, &minor) == 2) {
        for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
          const char *key = pass == 0 ? ops[i].bytes_key : ops[i].ios_key;
          char pat[16];
          snprintf(pat, sizeof(pat), " %s=", key);
          const char *at = strstr(line, pat);
          if (!at || (nl && at > nl)) continue;
          json_begin_object(w);
          kv_u64(w, "major", major);
          kv_u64(w, "minor", minor);
          json_kv_string(w, "op", ops[i].op);
          kv_u64(w, "value", strtoull(at + strlen(pat), NULL, 10));
          json_end_object(w);
        }
      }
    }
    json_end_array(w);
  }
  json_end_object(w);
}

/* hugetlb.<size>.current/.max/.events per page size present. */
static void write_hugetlb(json_writer *w, const char *path) {
  json_key(w, "hugetlb");
  json_begin_object(w);
  _cleanup_closedir_ DIR *d = opendir(path);
  struct dirent *de;
  while (d && (de = readdir(d))) {
    size_t n = strlen(de->d_name);
    if (strncmp(de->d_name, "hugetlb.", 8) || n < 16 || strcmp(de->d_name + n - 8, ".current")) continue;
    char size[64], file[96];
    snprintf(size, sizeof(size), "%.*s", (int)(n - 16), de->d_name + 8);
    json_key(w, size);
    json_begin_object(w);
    snprintf(file, sizeof(file), "hugetlb.%s.current", size);
    kv_u64(w, "usage", read_value(path, file));
    snprintf(file, sizeof(file), "hugetlb.%s.events", size);
    _cleanup_free_ char *events = read_cg(path, file);
    kv_u64(w, "failcnt", events ? cgroup_keyed(events, "max") : 0);
    json_end_object(w);
  }
  json_end_object(w);
}

urun_error *cgroup_stats_write(json_writer *w, const char *path) {
  json_begin_object(w);
  write_cpu(w, path);
  write_memory(w, path);
  write_pids(w, path);
  write_blkio(w, path);
  write_hugetlb(w, path);
  json_end_object(w);
  return NULL;
}
