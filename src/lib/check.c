/* check.c: the report of `urun check` and the readers its checks share;
 * see check.h. */
#define _GNU_SOURCE
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "json.h"

static void add(struct check_report *r, const char *name, enum check_status st, bool required, char *found,
                char *fix) {
  if (r->len == r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 32;
    struct check_item *n = realloc(r->items, cap * sizeof(*n));
    if (!n) {
      free(found);
      free(fix);
      return;
    }
    r->items = n;
    r->cap = cap;
  }
  r->items[r->len++] = (struct check_item){.name = strdup(name), .status = st, .required = required,
                                           .found = found, .fix = st == CHECK_OK ? (free(fix), NULL) : fix};
}

void check_add(struct check_report *r, const char *name, enum check_status st, bool required, const char *fix,
               const char *found, ...) {
  va_list ap;
  va_start(ap, found);
  char *f = NULL;
  if (vasprintf(&f, found, ap) < 0) f = NULL;
  va_end(ap);
  add(r, name, st, required, f, fix ? strdup(fix) : NULL);
}

void check_add_fix(struct check_report *r, const char *name, enum check_status st, bool required, const char *found,
                   const char *fix, ...) {
  va_list ap;
  va_start(ap, fix);
  char *x = NULL;
  if (vasprintf(&x, fix, ap) < 0) x = NULL;
  va_end(ap);
  add(r, name, st, required, strdup(found), x);
}

void check_report_free(struct check_report *r) {
  for (size_t i = 0; i < r->len; i++) {
    free(r->items[i].name);
    free(r->items[i].found);
    free(r->items[i].fix);
  }
  free(r->items);
  r->items = NULL;
  r->len = r->cap = 0;
}

bool check_can_run(const struct check_report *r) {
  for (size_t i = 0; i < r->len; i++)
    if (r->items[i].required && r->items[i].status == CHECK_FAIL) return false;
  return true;
}

static const char *const status_names[] = {"ok", "warn", "fail"};

static urun_error *print_json(const struct check_report *r) {
  _cleanup_json_writer_ json_writer *w = json_writer_new(true);
  if (!w) return urun_error_code(ENOMEM, "check");
  json_begin_object(w);
  json_kv_bool(w, "canRun", check_can_run(r));
  json_key(w, "checks");
  json_begin_array(w);
  for (size_t i = 0; i < r->len; i++) {
    const struct check_item *c = &r->items[i];
    json_begin_object(w);
    json_kv_string(w, "name", c->name);
    json_kv_string(w, "status", status_names[c->status]);
    json_kv_bool(w, "required", c->required);
    json_kv_string(w, "found", c->found ? c->found : "");
    if (c->fix) json_kv_string(w, "fix", c->fix);
    json_end_object(w);
  }
  json_end_array(w);
  json_end_object(w);
  size_t len;
  const char *buf = json_writer_buffer(w, &len);
  if (!buf) return urun_error_new("check: cannot encode JSON");
  printf("%.*s\n", (int)len, buf);
  return NULL;
}

urun_error *check_print(const struct check_report *r, bool json) {
  if (json) return print_json(r);
  size_t fails = 0, warns = 0;
  for (size_t i = 0; i < r->len; i++) {
    const struct check_item *c = &r->items[i];
    printf("%-4s  %-18s %s\n", status_names[c->status], c->name, c->found ? c->found : "");
    if (c->fix) printf("      %-18s fix: %s\n", "", c->fix);
    fails += c->status == CHECK_FAIL;
    warns += c->status == CHECK_WARN;
  }
  printf("%s: %zu ok, %zu warn, %zu fail\n",
         check_can_run(r) ? "a container can run" : "no container can run", r->len - fails - warns, warns, fails);
  return NULL;
}

bool check_read_line(const char *path, char *buf, size_t size) {
  _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || size == 0) return false;
  ssize_t n = read(fd, buf, size - 1);
  if (n < 0) return false;
  buf[n] = '\0';
  buf[strcspn(buf, "\n")] = '\0';
  return true;
}

bool check_sysctl(const char *path, long *ret) {
  char buf[64], *end;
  if (!check_read_line(path, buf, sizeof(buf))) return false;
  *ret = strtol(buf, &end, 10);
  return end != buf;
}

const char *check_user_name(void) {
  static char name[256];
  struct passwd pw, *res = NULL;
  char buf[2048];
  if (getpwuid_r(getuid(), &pw, buf, sizeof(buf), &res) == 0 && res) snprintf(name, sizeof(name), "%s", res->pw_name);
  else snprintf(name, sizeof(name), "%u", (unsigned)getuid());
  return name;
}
