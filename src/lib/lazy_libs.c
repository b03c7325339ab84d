/* lazy_libs.c: dlopen and dlsym for lazy_libs.h. */
#define _GNU_SOURCE
#include "config.h"
#define LAZY_LIBS_IMPL
#include "lazy_libs.h"

#include <dlfcn.h>
#include <stddef.h>
#include <stdlib.h>

/* The free that goes with the library's malloc.  A static urun: the libc
 * dlopen brought in beside the library.  A dynamic one: ours, which is also
 * what the library's calls bind to (a sanitizer's, in such a build; dlsym
 * on the handle would skip that and find libc's). */
static void *lib_free(void *h) {
#ifdef URUN_STATIC_PIE
  return dlsym(h, "free");
#else
  (void)h;
  return (void *)free;
#endif
}

/* Fill SLOTS with NAMES from SONAME, and the last slot with the library's
 * free; the handle stays open for good. */
static urun_error *load(const char *soname, const char *const *names, void **slots, size_t n, bool *done) {
  if (*done) return NULL;
  void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (!h) return urun_error_new("cannot load %s: %s", soname, dlerror());
  slots[n] = lib_free(h);
  if (!slots[n]) {
    urun_error *e = urun_error_new("%s: no free(): %s", soname, dlerror());
    dlclose(h);
    return e;
  }
  for (size_t i = 0; i < n; i++) {
    slots[i] = dlsym(h, names[i]);
    if (!slots[i]) {
      urun_error *e = urun_error_new("%s has no %s: %s", soname, names[i], dlerror());
      dlclose(h);
      return e;
    }
  }
  *done = true;
  return NULL;
}

#define X(f) #f,
#define SLOTS(api) ((void **)&(api))

/* The table API_api, its names, and API_load() loading them from SONAME. */
#define LAZY_LIB(api, soname, FUNCS)                                                                    \
  struct api##_api api##_api;                                                                           \
  static const char *const api##_names[] = {FUNCS(X)};                                                  \
  urun_error *api##_load(void) {                                                                        \
    static bool done;                                                                                   \
    enum { n = sizeof(api##_names) / sizeof(api##_names[0]) };                                          \
    _Static_assert(sizeof(api##_api) == (n + 1) * sizeof(void *), "table");                             \
    return load(soname, api##_names, SLOTS(api##_api), n, &done);                                       \
  }

LAZY_LIB(subid, "libsubid.so.4", SUBID_FUNCS)
#ifdef HAVE_SYSTEMD
LAZY_LIB(sdbus, "libsystemd.so.0", SDBUS_FUNCS)
#endif
#ifdef HAVE_APPARMOR
LAZY_LIB(apparmor, "libapparmor.so.1", APPARMOR_FUNCS)
#endif
#ifdef HAVE_SELINUX
LAZY_LIB(selinux, "libselinux.so.1", SELINUX_FUNCS)
#endif
