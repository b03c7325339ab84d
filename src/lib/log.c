/* log.c: message output; see log.h. */
#define _GNU_SOURCE
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "json.h"
#include "rfc3339.h"

static int log_file = -1;
static enum log_format log_fmt = LOG_FORMAT_TEXT;
static bool log_dbg = false;
static struct timespec log_start; /* for log_phase */

urun_error *log_setup(const char *path, enum log_format format, bool debug) {
  log_fmt = format;
  log_dbg = debug;
  if (debug) clock_gettime(CLOCK_MONOTONIC, &log_start);
  if (path && *path) {
    log_file = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (log_file < 0) return urun_error_errno("open log file %s", path);
  }
  return NULL;
}

bool log_debug_enabled(void) { return log_dbg; }

void log_phase(const char *name) {
  if (!log_dbg) return;
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  log_debug("phase %s at +%.3f ms", name,
            (double)(now.tv_sec - log_start.tv_sec) * 1e3 + (double)(now.tv_nsec - log_start.tv_nsec) / 1e6);
}

int log_fd(void) { return log_file; }

static void format_time(char buf[RFC3339_LEN]) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  rfc3339_format(&ts, buf);
}

static void emit(const char *level, const char *msg) {
  char when[RFC3339_LEN];
  format_time(when);
  if (log_file >= 0) {
    _cleanup_free_ char *line = NULL;
    if (log_fmt == LOG_FORMAT_JSON) {
      _cleanup_json_writer_ json_writer *w = json_writer_new(false);
      if (w) {
        json_begin_object(w);
        json_kv_string(w, "level", level);
        json_kv_string(w, "time", when);
        json_kv_string(w, "msg", msg);
        json_end_object(w);
        size_t len;
        const char *buf = json_writer_buffer(w, &len);
        if (buf && asprintf(&line, "%.*s\n", (int)len, buf) < 0) line = NULL;
      }
    } else if (asprintf(&line, "time=\"%s\" level=%s msg=\"%s\"\n", when, level, msg) < 0) {
      line = NULL;
    }
    if (line && write(log_file, line, strlen(line)) < 0) { /* nowhere else to report */ }
  }
}

static void vlog(const char *level, bool to_stderr, const char *fmt, va_list ap) {
  _cleanup_free_ char *msg = NULL;
  if (vasprintf(&msg, fmt, ap) < 0) return;
  emit(level, msg);
  if (to_stderr && log_file < 0) fprintf(stderr, "urun: %s: %s\n", level, msg);
}

void log_debug(const char *fmt, ...) {
  if (!log_dbg) return;
  va_list ap;
  va_start(ap, fmt);
  vlog("debug", true, fmt, ap);
  va_end(ap);
}

void log_warning(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog("warning", true, fmt, ap);
  va_end(ap);
}

void log_quiet_warning(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog("warning", log_dbg, fmt, ap);
  va_end(ap);
}

void log_final_error(const urun_error *e) {
  _cleanup_free_ char *text = urun_error_text(e);
  const char *msg = text ? text : e->message;
  emit("error", msg);
  fprintf(stderr, "urun: %s\n", msg);
}
