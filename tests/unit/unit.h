/* unit.h: a tiny unit-test kit: CHECK counts, main prints "N passed, N failed". */
#ifndef URUN_UNIT_H
#define URUN_UNIT_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

static int unit_passed, unit_failed;

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (cond) unit_passed++;                                                                       \
    else {                                                                                         \
      unit_failed++;                                                                               \
      fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                             \
    }                                                                                              \
  } while (0)

/* True when `e` is an error whose full text equals `want` (frees e). */
static inline bool err_is(urun_error *e, const char *want) {
  if (!e) {
    fprintf(stderr, "  expected error [%s], got success\n", want);
    return false;
  }
  char *t = urun_error_text(e);
  bool ok = t && !strcmp(t, want);
  if (!ok) fprintf(stderr, "  expected [%s]\n       got [%s]\n", want, t ? t : "(null)");
  free(t);
  urun_error_free(e);
  return ok;
}

/* True when `e` is an error whose text contains `needle` (frees e). */
static inline bool err_has(urun_error *e, const char *needle) {
  if (!e) {
    fprintf(stderr, "  expected an error containing [%s], got success\n", needle);
    return false;
  }
  char *t = urun_error_text(e);
  bool ok = t && strstr(t, needle);
  if (!ok) fprintf(stderr, "  expected [%s] in [%s]\n", needle, t ? t : "(null)");
  free(t);
  urun_error_free(e);
  return ok;
}

static inline int unit_finish(void) {
  printf("%d passed, %d failed\n", unit_passed, unit_failed);
  return unit_failed ? 1 : 0;
}

#endif
