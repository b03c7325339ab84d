/* helper_exec.c: the helpers' paths. */
#define _GNU_SOURCE
#include "helper_exec.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"

#ifndef URUN_LIBEXECDIR
#define URUN_LIBEXECDIR "/usr/libexec"
#endif

char *helper_exec_path(const char *name) {
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n > 0) {
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (slash) {
      *slash = '\0';
      char *p = path_join(self, name);
      if (p && access(p, X_OK) == 0) return p;
      free(p);
    }
  }
  char *p = path_join(URUN_LIBEXECDIR "/urun", name);
  if (p && access(p, X_OK) == 0) return p;
  free(p);
  return strdup(name);
}
