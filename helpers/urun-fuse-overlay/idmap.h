/* idmap.h: the ids files show (uidmapping=, gidmapping=, squash_to_*) and
 * the ids written to disk. */
#ifndef URUN_FUSE_OVL_IDMAP_H
#define URUN_FUSE_OVL_IDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#define OVERFLOW_ID 65534

/* As containers/storage and fuse-overlayfs mean it: the layers store the
 * CONTAINER id C+i, the mount shows it as the HOST id H+i (i < LEN), the id
 * in the mounter's namespace that the container's user namespace maps back
 * to C+i. */
struct idrange {
  uint32_t container, host, len;
};

struct idmap {
  struct idrange *r;
  size_t n; /* 0: identity */
};

/* "C:H:LEN[:C:H:LEN...]" (fuse-overlayfs's form; containers/storage writes
 * it with a leading ':'). NULL, or why not. */
const char *idmap_parse(const char *s, struct idmap *m);
/* The id a stored id shows as: the overflow id where the map has none. */
uint32_t idmap_show(const struct idmap *m, uint32_t stored);
/* The id to store for an id set through the mount; false where the map has none. */
bool idmap_store(const struct idmap *m, uint32_t shown, uint32_t *stored);

/* Turn a layer's stat into what the mount shows (maps, squash, nlink). */
void idmap_present(struct stat *st);

#endif
