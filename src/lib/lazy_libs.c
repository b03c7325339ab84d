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

struct subid_api subid_api;
static const char *const subid_names[] = {SUBID_FUNCS(X)};

urun_error *subid_load(void) {
  static bool done;
  _Static_assert(sizeof(subid_api) == (sizeof(subid_names) / sizeof(subid_names[0]) + 1) * sizeof(void *), "table");
  return load("libsubid.so.4", subid_names, SLOTS(subid_api), sizeof(subid_names) / sizeof(subid_names[0]), &done);
}

#ifdef HAVE_SYSTEMD
struct sdbus_api sdbus_api;
static const char *const sdbus_names[] = {SDBUS_FUNCS(X)};

urun_error *sdbus_load(void) {
  static bool done;
  _Static_assert(sizeof(sdbus_api) == (sizeof(sdbus_names) / sizeof(sdbus_names[0]) + 1) * sizeof(void *), "table");
  return load("libsystemd.so.0", sdbus_names, SLOTS(sdbus_api), sizeof(sdbus_names) / sizeof(sdbus_names[0]), &done);
}
#endif

#ifdef HAVE_APPARMOR
struct apparmor_api apparmor_api;
static const char *const apparmor_names[] = {APPARMOR_FUNCS(X)};

urun_error *apparmor_load(void) {
  static bool done;
  _Static_assert(sizeof(apparmor_api) == (sizeof(apparmor_names) / sizeof(apparmor_names[0]) + 1) * sizeof(void *),
                 "table");
  return load("libapparmor.so.1", apparmor_names, SLOTS(apparmor_api),
              sizeof(apparmor_names) / sizeof(apparmor_names[0]), &done);
}
#endif

#ifdef HAVE_SELINUX
struct selinux_api selinux_api;
static const char *const selinux_names[] = {SELINUX_FUNCS(X)};

urun_error *selinux_load(void) {
  static bool done;
  _Static_assert(sizeof(selinux_api) == (sizeof(selinux_names) / sizeof(selinux_names[0]) + 1) * sizeof(void *),
                 "table");
  return load("libselinux.so.1", selinux_names, SLOTS(selinux_api), sizeof(selinux_names) / sizeof(selinux_names[0]),
              &done);
}
#endif
