/* kvopts.c: split "-o" option lists. */
#include "kvopts.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int kvopts_parse(const char *list, kvopts_fn fn, void *arg) {
  size_t len = strlen(list);
  char *buf = malloc(len + 1);
  if (!buf) return -1;
  const char *p = list;
  int rc = 0;
  while (*p && rc == 0) {
    size_t n = 0;
    char *value = NULL;
    for (; *p && *p != ','; p++) {
      if (*p == '\\' && p[1]) {
        buf[n++] = *++p;
        continue;
      }
      if (*p == '=' && !value) {
        buf[n++] = '\0';
        value = buf + n;
        continue;
      }
      buf[n++] = *p;
    }
    buf[n] = '\0';
    if (*p == ',') p++;
    if (buf[0] || value) rc = fn(buf, value, arg);
  }
  free(buf);
  return rc;
}
