/* spec_json_util.h: typed reads of config.json members, errors by JSON path.
 * Internal to spec_json.c and spec_json_linux.c. */
#ifndef URUN_SPEC_JSON_UTIL_H
#define URUN_SPEC_JSON_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "json.h"
#include "spec.h"

#define SJ_PATH_MAX 512

/* "<parent>.<key>" and "<parent>[i]" */
void sj_key_path(char out[SJ_PATH_MAX], const char *parent, const char *key);
void sj_index_path(char out[SJ_PATH_MAX], const char *parent, size_t i);

urun_error *sj_missing(const char *L, const char *parent, const char *key);
/* Member `key` of `obj` as an object / array; *ret NULL when absent. */
urun_error *sj_object(const char *L, const char *path, const json_node *obj, const char *key, json_node **ret);
urun_error *sj_array(const char *L, const char *path, const json_node *obj, const char *key, json_node **ret);
urun_error *sj_str(const char *L, const char *path, const json_node *obj, const char *key, bool required, char **ret);
urun_error *sj_bool(const char *L, const char *path, const json_node *obj, const char *key, bool *has, bool *ret);
urun_error *sj_u64(const char *L, const char *path, const json_node *obj, const char *key, bool required, bool *has,
                   uint64_t *ret);
urun_error *sj_i64(const char *L, const char *path, const json_node *obj, const char *key, bool required, bool *has,
                   int64_t *ret);
urun_error *sj_u32(const char *L, const char *path, const json_node *obj, const char *key, bool required, bool *has,
                   uint32_t *ret);
urun_error *sj_i32(const char *L, const char *path, const json_node *obj, const char *key, bool required, bool *has,
                   int32_t *ret);
urun_error *sj_u16(const char *L, const char *path, const json_node *obj, const char *key, bool required, bool *has,
                   uint16_t *ret);
urun_error *sj_strlist(const char *L, const char *path, const json_node *obj, const char *key, bool *has,
                       struct str_list *ret);
urun_error *sj_strmap(const char *L, const char *path, const json_node *obj, const char *key, struct str_map *ret);
urun_error *sj_idmaps(const char *L, const char *path, const json_node *obj, const char *key,
                      struct spec_id_mappings *ret);
/* `value` must be one of the NULL-terminated `allowed`: "unknown <what> \"v\"". */
urun_error *sj_enum(const char *L, const char *path, const char *value, const char *what, const char *const *allowed);

void sj_strlist_free(struct str_list *l);
void spec_process_clear(struct spec_process *p);
void sj_strmap_free(struct str_map *m);

/* spec_json_linux.c */
urun_error *sj_parse_linux(const char *L, const json_node *root, struct spec_linux *ret);
void sj_linux_free(struct spec_linux *l);

#endif
