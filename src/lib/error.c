/* error.c: the one error type; see error.h. */
#define _GNU_SOURCE
#include "error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *vformat(const char *fmt, va_list ap) {
  char *s = NULL;
  if (vasprintf(&s, fmt, ap) < 0) return NULL;
  return s;
}

/* Out of memory while reporting an error: a static error we never free. */
static urun_error oom_error = {ENOMEM, (char *)"out of memory"};

urun_error *urun_error_vcode(int code, const char *fmt, va_list ap) {
  urun_error *e = calloc(1, sizeof(*e));
  if (!e) return &oom_error;
  e->code = code;
  e->message = vformat(fmt, ap);
  if (!e->message) {
    free(e);
    return &oom_error;
  }
  return e;
}

urun_error *urun_error_new(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  urun_error *e = urun_error_vcode(0, fmt, ap);
  va_end(ap);
  return e;
}

urun_error *urun_error_code(int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  urun_error *e = urun_error_vcode(code, fmt, ap);
  va_end(ap);
  return e;
}

urun_error *urun_error_errno(const char *fmt, ...) {
  int code = errno;
  va_list ap;
  va_start(ap, fmt);
  urun_error *e = urun_error_vcode(code, fmt, ap);
  va_end(ap);
  return e;
}

urun_error *urun_error_wrap(urun_error *e, const char *fmt, ...) {
  if (!e || e == &oom_error) return e;
  va_list ap;
  va_start(ap, fmt);
  char *ctx = vformat(fmt, ap);
  va_end(ap);
  char *joined = NULL;
  if (ctx && asprintf(&joined, "%s: %s", ctx, e->message) >= 0) {
    free(e->message);
    e->message = joined;
  }
  free(ctx);
  return e;
}

char *urun_error_text(const urun_error *e) {
  char *s = NULL;
  int r = e->code ? asprintf(&s, "%s: %s", e->message, strerror(e->code))
                  : asprintf(&s, "%s", e->message);
  return r < 0 ? NULL : s;
}

void urun_error_free(urun_error *e) {
  if (!e || e == &oom_error) return;
  free(e->message);
  free(e);
}
