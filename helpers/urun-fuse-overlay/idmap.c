/* idmap.c: id shifting between the layers and the mount. */
#include "idmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ovl.h"

const char *idmap_parse(const char *s, struct idmap *m) {
  uint32_t v[3];
  int k = 0;
  /* storage's optsAppendMappings puts a ':' before the first triple too */
  const char *p = *s == ':' ? s + 1 : s;
  if (!*p) return "expected CONTAINER:HOST:LENGTH triples of numbers";
  while (*p) {
    char *end;
    errno = 0;
    unsigned long x = strtoul(p, &end, 10);
    if (errno || end == p || x > 0xffffffffUL || *p == '-') return "expected CONTAINER:HOST:LENGTH triples of numbers";
    v[k++] = (uint32_t)x;
    if (k == 3) {
      if (v[2] == 0) return "a range of length 0";
      if ((uint64_t)v[0] + v[2] > 0x100000000ULL || (uint64_t)v[1] + v[2] > 0x100000000ULL)
        return "a range past the largest id";
      struct idrange *r = realloc(m->r, (m->n + 1) * sizeof(*r));
      if (!r) return "out of memory";
      m->r = r;
      m->r[m->n++] = (struct idrange){v[0], v[1], v[2]};
      k = 0;
    }
    p = end;
    if (*p == ':') {
      p++;
      if (!*p) return "expected CONTAINER:HOST:LENGTH triples of numbers";
    } else if (*p) {
      return "expected CONTAINER:HOST:LENGTH triples of numbers";
    }
  }
  if (k != 0 || m->n == 0) return "expected CONTAINER:HOST:LENGTH triples of numbers";
  return NULL;
}

uint32_t idmap_show(const struct idmap *m, uint32_t stored) {
  if (m->n == 0) return stored;
  for (size_t i = 0; i < m->n; i++)
    if (stored >= m->r[i].container && stored - m->r[i].container < m->r[i].len)
      return m->r[i].host + (stored - m->r[i].container);
  return OVERFLOW_ID;
}

bool idmap_store(const struct idmap *m, uint32_t shown, uint32_t *stored) {
  if (m->n == 0) {
    *stored = shown;
    return true;
  }
  for (size_t i = 0; i < m->n; i++)
    if (shown >= m->r[i].host && shown - m->r[i].host < m->r[i].len) {
      *stored = m->r[i].container + (shown - m->r[i].host);
      return true;
    }
  return false;
}

void idmap_present(struct stat *st) {
  const struct options *o = ovl.opt;
  st->st_uid = o->squash_uid >= 0 ? (uid_t)o->squash_uid : idmap_show(&o->uidmap, st->st_uid);
  st->st_gid = o->squash_gid >= 0 ? (gid_t)o->squash_gid : idmap_show(&o->gidmap, st->st_gid);
  if (o->static_nlink && S_ISDIR(st->st_mode)) st->st_nlink = 1;
}
