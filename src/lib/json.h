/* json.h: the one module that talks to yajl.
 *
 * Reading: json_parse() builds a tree; json_get_*() read typed values and on a
 * type mismatch return an error that names the value by its JSON path
 * ("config.json: .process.rlimits[2].hard: expected an unsigned integer").
 * Writing: a json_writer produces compact or pretty JSON into a buffer.
 */
#ifndef URUN_JSON_H
#define URUN_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef struct json_node json_node; /* opaque: a node of a parsed document */

/* Parse a whole document (UTF-8 validated, nesting bounded).  Errors name
 * `label` and say what is wrong: empty, truncated, invalid UTF-8, too deep. */
urun_error *json_parse(const char *label, const char *data, size_t len, json_node **ret);
void json_free(json_node *root);
static inline void json_freep(json_node **n) { if (*n) json_free(*n); }
#define _cleanup_json_ __attribute__((cleanup(json_freep)))

/* Object member lookup; NULL when absent (a JSON null counts as absent). */
json_node *json_member(const json_node *object, const char *key);
bool json_is_object(const json_node *n);
bool json_is_array(const json_node *n);
size_t json_array_len(const json_node *n);
json_node *json_array_at(const json_node *n, size_t i);
size_t json_object_len(const json_node *n);
const char *json_object_key_at(const json_node *n, size_t i);
json_node *json_object_value_at(const json_node *n, size_t i);

/* Typed reads.  `path` is the JSON path of `n` for error messages
 * (".process.args"), `label` the file name. */
urun_error *json_get_string(const char *label, const char *path, const json_node *n, const char **ret);
urun_error *json_get_bool(const char *label, const char *path, const json_node *n, bool *ret);
urun_error *json_get_int64(const char *label, const char *path, const json_node *n, int64_t *ret);
urun_error *json_get_uint64(const char *label, const char *path, const json_node *n, uint64_t *ret);
/* Error helpers that format "<label>: <path>: <message>". */
urun_error *json_error(const char *label, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writing. */
typedef struct json_writer json_writer;
json_writer *json_writer_new(bool pretty);
void json_writer_free(json_writer *w);
static inline void json_writer_freep(json_writer **w) { if (*w) json_writer_free(*w); }
#define _cleanup_json_writer_ __attribute__((cleanup(json_writer_freep)))
void json_begin_object(json_writer *w);
void json_end_object(json_writer *w);
void json_begin_array(json_writer *w);
void json_end_array(json_writer *w);
void json_key(json_writer *w, const char *key);
void json_string(json_writer *w, const char *s); /* NULL writes null */
void json_int(json_writer *w, int64_t v);
void json_uint(json_writer *w, uint64_t v);
void json_bool(json_writer *w, bool v);
void json_null(json_writer *w);
/* Convenience: key + value. */
void json_kv_string(json_writer *w, const char *key, const char *s);
void json_kv_int(json_writer *w, const char *key, int64_t v);
void json_kv_bool(json_writer *w, const char *key, bool v);
/* key: [strings of the NULL-terminated v] */
void json_kv_strings(json_writer *w, const char *key, const char *const *v);
/* The buffer so far (valid until the next write or free); NULL after any
 * generation error (invalid UTF-8 in a string, unbalanced nesting). */
const char *json_writer_buffer(json_writer *w, size_t *len);

#endif
