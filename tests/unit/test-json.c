/* test-json.c: json.c - parsing errors and the writer. */
#define _GNU_SOURCE
#include "json.h"

#include "unit.h"

static void test_parse_errors(void) {
  json_node *n = NULL;
  CHECK(err_is(json_parse("f.json", "", 0, &n), "f.json: file is empty"));
  CHECK(err_is(json_parse("f.json", "  \n ", 4, &n), "f.json: file is empty"));
  CHECK(err_has(json_parse("f.json", "{\"a\": [1, 2", 11, &n), "f.json: invalid JSON: truncated"));
  CHECK(err_has(json_parse("f.json", "{\"a\": }", 7, &n), "f.json: invalid JSON: "));
  const char bad_utf8[] = "{\"a\": \"\xc3\x28\"}";
  CHECK(err_has(json_parse("f.json", bad_utf8, sizeof(bad_utf8) - 1, &n), "invalid UTF-8"));
  const char overlong[] = "{\"a\": \"\xc0\xaf\"}";
  CHECK(err_has(json_parse("f.json", overlong, sizeof(overlong) - 1, &n), "invalid UTF-8"));
  CHECK(err_has(json_parse("f.json", "{\"a\": 1, \"b\": \"x\0y\"}", 20, &n), "NUL"));
  /* deep nesting is refused before yajl builds (and recursively frees) it */
  size_t depth = 100000;
  char *deep = malloc(depth * 2);
  memset(deep, '[', depth);
  memset(deep + depth, ']', depth);
  CHECK(err_is(json_parse("f.json", deep, depth * 2, &n), "f.json: nesting deeper than 256 levels"));
  free(deep);
  /* brackets inside strings do not count */
  const char strs[] = "{\"a\": \"[[[[[[[[[[[[[[[[[[[[\"}";
  CHECK(json_parse("f.json", strs, sizeof(strs) - 1, &n) == NULL);
  json_free(n);
}

static void test_typed_reads(void) {
  const char doc[] = "{\"s\": \"x\", \"b\": true, \"i\": -5, \"u\": 18446744073709551615, \"f\": 1.5, \"n\": null, "
                     "\"big\": 18446744073709551616, \"o\": {\"k\": 1}, \"a\": [1, 2]}";
  json_node *root = NULL;
  CHECK(json_parse("f.json", doc, sizeof(doc) - 1, &root) == NULL);
  const char *s;
  bool b;
  int64_t i;
  uint64_t u;
  CHECK(json_get_string("f.json", ".s", json_member(root, "s"), &s) == NULL && !strcmp(s, "x"));
  CHECK(json_get_bool("f.json", ".b", json_member(root, "b"), &b) == NULL && b);
  CHECK(json_get_int64("f.json", ".i", json_member(root, "i"), &i) == NULL && i == -5);
  CHECK(json_get_uint64("f.json", ".u", json_member(root, "u"), &u) == NULL && u == UINT64_MAX);
  CHECK(err_is(json_get_uint64("f.json", ".i", json_member(root, "i"), &u), "f.json: .i: expected an unsigned integer"));
  CHECK(err_is(json_get_int64("f.json", ".f", json_member(root, "f"), &i), "f.json: .f: expected an integer"));
  CHECK(err_has(json_get_uint64("f.json", ".big", json_member(root, "big"), &u), "out of range"));
  CHECK(err_is(json_get_string("f.json", ".b", json_member(root, "b"), &s), "f.json: .b: expected a string"));
  CHECK(err_is(json_get_bool("f.json", ".s", json_member(root, "s"), &b), "f.json: .s: expected a boolean"));
  CHECK(json_member(root, "n") == NULL); /* null counts as absent */
  CHECK(json_member(root, "missing") == NULL);
  CHECK(json_is_object(json_member(root, "o")) && json_object_len(json_member(root, "o")) == 1);
  CHECK(json_is_array(json_member(root, "a")) && json_array_len(json_member(root, "a")) == 2);
  json_free(root);
}

static void test_writer(void) {
  json_writer *w = json_writer_new(false);
  json_begin_object(w);
  json_kv_string(w, "s", "a\"b\\c\n");
  json_key(w, "u");
  json_uint(w, UINT64_MAX);
  json_kv_int(w, "i", -3);
  json_kv_bool(w, "b", false);
  json_key(w, "n");
  json_string(w, NULL);
  json_key(w, "a");
  json_begin_array(w);
  json_int(w, 1);
  json_end_array(w);
  json_end_object(w);
  size_t len;
  const char *buf = json_writer_buffer(w, &len);
  CHECK(buf && !strncmp(buf, "{\"s\":\"a\\\"b\\\\c\\n\",\"u\":18446744073709551615,\"i\":-3,\"b\":false,\"n\":null,\"a\":[1]}", len));
  json_writer_free(w);
  /* invalid UTF-8 in a string fails the whole document */
  w = json_writer_new(true);
  json_begin_object(w);
  json_kv_string(w, "bad", "\xff");
  json_end_object(w);
  CHECK(json_writer_buffer(w, &len) == NULL);
  json_writer_free(w);
}

int main(void) {
  test_parse_errors();
  test_typed_reads();
  test_writer();
  return unit_finish();
}
