/* json.c: the one module that talks to yajl; see json.h. */
#define _GNU_SOURCE
#include "json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "cleanup.h"

#define JSON_MAX_DEPTH 256

/* json_node is yajl's tree node; the alias keeps yajl out of json.h. */
static inline yajl_val V(const json_node *n) { return (yajl_val)n; }

urun_error *json_error(const char *label, const char *path, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  _cleanup_free_ char *msg = NULL;
  int r = vasprintf(&msg, fmt, ap);
  va_end(ap);
  if (r < 0) return urun_error_code(ENOMEM, "%s", label);
  if (path && *path) return urun_error_new("%s: %s: %s", label, path, msg);
  return urun_error_new("%s: %s", label, msg);
}

/* Reject nesting deeper than JSON_MAX_DEPTH before yajl builds (and later
 * recursively frees) a tree of it. */
static bool too_deep(const char *data, size_t len) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < len; i++) {
    char c = data[i];
    if (in_string) {
      if (c == '\\') i++;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > JSON_MAX_DEPTH) return true;
    } else if (c == '}' || c == ']') {
      depth--;
    }
  }
  return false;
}

/* yajl accepts the bytes of invalid UTF-8 in some positions: check ourselves. */
static bool valid_utf8(const unsigned char *s, size_t len, size_t *bad) {
  for (size_t i = 0; i < len;) {
    unsigned char c = s[i];
    size_t n;
    uint32_t cp;
    if (c < 0x80) { i++; continue; }
    if ((c & 0xE0) == 0xC0) { n = 1; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { n = 2; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { n = 3; cp = c & 0x07; }
    else { *bad = i; return false; }
    for (size_t k = 1; k <= n; k++) {
      if (i + k >= len || (s[i + k] & 0xC0) != 0x80) { *bad = i; return false; }
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    /* overlong forms, surrogates, beyond U+10FFFF */
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
      *bad = i;
      return false;
    }
    i += n + 1;
  }
  return true;
}

urun_error *json_parse(const char *label, const char *data, size_t len, json_node **ret) {
  size_t i = 0;
  while (i < len && (data[i] == ' ' || data[i] == '\n' || data[i] == '\t' || data[i] == '\r')) i++;
  if (i == len) return json_error(label, NULL, "file is empty");
  if (memchr(data, '\0', len)) return json_error(label, NULL, "invalid JSON: contains a NUL byte");
  size_t bad;
  if (!valid_utf8((const unsigned char *)data, len, &bad))
    return json_error(label, NULL, "invalid UTF-8 at byte %zu", bad);
  if (too_deep(data, len)) return json_error(label, NULL, "nesting deeper than %d levels", JSON_MAX_DEPTH);
  _cleanup_free_ char *copy = strndup(data, len);
  if (!copy) return urun_error_code(ENOMEM, "%s", label);
  char err[256] = "";
  yajl_val root = yajl_tree_parse(copy, err, sizeof(err));
  if (!root) {
    for (char *p = err; *p; p++)
      if (*p == '\n' || *p == '\r' || *p == '\t') *p = ' ';
    /* trim yajl's trailing context lines to one short message */
    char *end = err + strlen(err);
    while (end > err && end[-1] == ' ') *--end = '\0';
    if (strstr(err, "premature EOF"))
      return json_error(label, NULL, "invalid JSON: truncated (premature end of file)");
    return json_error(label, NULL, "invalid JSON: %s", *err ? err : "parse error");
  }
  *ret = (json_node *)root;
  return NULL;
}

void json_free(json_node *root) { yajl_tree_free(V(root)); }

json_node *json_member(const json_node *object, const char *key) {
  yajl_val o = V(object);
  if (!YAJL_IS_OBJECT(o)) return NULL;
  for (size_t i = 0; i < o->u.object.len; i++)
    if (!strcmp(o->u.object.keys[i], key)) {
      yajl_val v = o->u.object.values[i];
      return YAJL_IS_NULL(v) ? NULL : (json_node *)v;
    }
  return NULL;
}

bool json_is_object(const json_node *n) { return YAJL_IS_OBJECT(V(n)); }
bool json_is_array(const json_node *n) { return YAJL_IS_ARRAY(V(n)); }
size_t json_array_len(const json_node *n) { return YAJL_IS_ARRAY(V(n)) ? V(n)->u.array.len : 0; }
json_node *json_array_at(const json_node *n, size_t i) { return (json_node *)V(n)->u.array.values[i]; }
size_t json_object_len(const json_node *n) { return YAJL_IS_OBJECT(V(n)) ? V(n)->u.object.len : 0; }
const char *json_object_key_at(const json_node *n, size_t i) { return V(n)->u.object.keys[i]; }
json_node *json_object_value_at(const json_node *n, size_t i) { return (json_node *)V(n)->u.object.values[i]; }

urun_error *json_get_string(const char *label, const char *path, const json_node *n, const char **ret) {
  if (!YAJL_IS_STRING(V(n))) return json_error(label, path, "expected a string");
  *ret = V(n)->u.string;
  return NULL;
}

urun_error *json_get_bool(const char *label, const char *path, const json_node *n, bool *ret) {
  if (YAJL_IS_TRUE(V(n))) *ret = true;
  else if (YAJL_IS_FALSE(V(n))) *ret = false;
  else return json_error(label, path, "expected a boolean");
  return NULL;
}

/* An integer literal: digits only (no fraction or exponent). */
static bool integer_text(const char *r) {
  if (*r == '-') r++;
  if (!*r) return false;
  for (; *r; r++)
    if (*r < '0' || *r > '9') return false;
  return true;
}

urun_error *json_get_int64(const char *label, const char *path, const json_node *n, int64_t *ret) {
  yajl_val v = V(n);
  if (!YAJL_IS_NUMBER(v) || !integer_text(v->u.number.r)) return json_error(label, path, "expected an integer");
  if (!(v->u.number.flags & YAJL_NUMBER_INT_VALID)) return json_error(label, path, "integer out of range");
  *ret = v->u.number.i;
  return NULL;
}

urun_error *json_get_uint64(const char *label, const char *path, const json_node *n, uint64_t *ret) {
  yajl_val v = V(n);
  if (!YAJL_IS_NUMBER(v) || !integer_text(v->u.number.r) || v->u.number.r[0] == '-')
    return json_error(label, path, "expected an unsigned integer");
  errno = 0;
  char *end;
  unsigned long long x = strtoull(v->u.number.r, &end, 10);
  if (errno == ERANGE || *end) return json_error(label, path, "expected an unsigned integer (out of range)");
  *ret = x;
  return NULL;
}

struct json_writer {
  yajl_gen g;
  bool failed;
};

json_writer *json_writer_new(bool pretty) {
  json_writer *w = calloc(1, sizeof(*w));
  if (!w) return NULL;
  w->g = yajl_gen_alloc(NULL);
  if (!w->g) {
    free(w);
    return NULL;
  }
  yajl_gen_config(w->g, yajl_gen_validate_utf8, 1);
  if (pretty) {
    yajl_gen_config(w->g, yajl_gen_beautify, 1);
    yajl_gen_config(w->g, yajl_gen_indent_string, "  ");
  }
  return w;
}

void json_writer_free(json_writer *w) {
  if (!w) return;
  yajl_gen_free(w->g);
  free(w);
}

#define GEN(call) do { if ((call) != yajl_gen_status_ok) w->failed = true; } while (0)
void json_begin_object(json_writer *w) { GEN(yajl_gen_map_open(w->g)); }
void json_end_object(json_writer *w) { GEN(yajl_gen_map_close(w->g)); }
void json_begin_array(json_writer *w) { GEN(yajl_gen_array_open(w->g)); }
void json_end_array(json_writer *w) { GEN(yajl_gen_array_close(w->g)); }
void json_key(json_writer *w, const char *key) { json_string(w, key); }
void json_string(json_writer *w, const char *s) {
  if (!s) json_null(w);
  else GEN(yajl_gen_string(w->g, (const unsigned char *)s, strlen(s)));
}
void json_int(json_writer *w, int64_t v) { GEN(yajl_gen_integer(w->g, v)); }
void json_uint(json_writer *w, uint64_t v) {
  char buf[32];
  int n = snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
  GEN(yajl_gen_number(w->g, buf, (size_t)n));
}
void json_bool(json_writer *w, bool v) { GEN(yajl_gen_bool(w->g, v)); }
void json_null(json_writer *w) { GEN(yajl_gen_null(w->g)); }
void json_kv_string(json_writer *w, const char *key, const char *s) { json_key(w, key); json_string(w, s); }
void json_kv_int(json_writer *w, const char *key, int64_t v) { json_key(w, key); json_int(w, v); }
void json_kv_bool(json_writer *w, const char *key, bool v) { json_key(w, key); json_bool(w, v); }
void json_kv_strings(json_writer *w, const char *key, const char *const *v) {
  json_key(w, key);
  json_begin_array(w);
  for (; *v; v++) json_string(w, *v);
  json_end_array(w);
}

const char *json_writer_buffer(json_writer *w, size_t *len) {
  const unsigned char *buf;
  size_t l;
  if (w->failed || yajl_gen_get_buf(w->g, &buf, &l) != yajl_gen_status_ok) return NULL;
  *len = l;
  return (const char *)buf;
}
