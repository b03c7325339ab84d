/* helper_exec.c: the helpers' paths and sealed copies. */
#define _GNU_SOURCE
#include "helper_exec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "selfexe.h"

#ifndef URUN_LIBEXECDIR
#define URUN_LIBEXECDIR "/usr/libexec"
#endif

/* dir/name when it is an executable file; NULL otherwise. */
static char *executable_in(const char *dir, const char *name) {
  char *p = dir[0] == '/' ? path_join(dir, name) : NULL;
  if (p && access(p, X_OK) == 0) return p;
  free(p);
  return NULL;
}

char *helper_exec_path(const char *name) {
  _cleanup_free_ char *self = selfexe_path();
  char *slash = self ? strrchr(self, '/') : NULL;
  char *p = NULL;
  if (slash) {
    *slash = '\0';
    if ((p = executable_in(self, name))) return p;
  }
  if ((p = executable_in(URUN_LIBEXECDIR "/urun", name))) return p;
  const char *path = getenv("PATH");
  _cleanup_free_ char *dirs = strdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
  char *save = NULL;
  for (char *d = dirs ? strtok_r(dirs, ":", &save) : NULL; d; d = strtok_r(NULL, ":", &save))
    if ((p = executable_in(d, name))) return p;
  return NULL;
}

urun_error *helper_exec_sealed(const char *name, char **ret_path, int *ret_fd) {
  _cleanup_free_ char *path = helper_exec_path(name);
  if (!path) return urun_error_new("%s is neither beside urun, nor in " URUN_LIBEXECDIR "/urun, nor in $PATH", name);
  _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return urun_error_errno("open %s", path);
  TRY(selfexe_sealed_copy(fd, name, ret_fd));
  *ret_path = steal_ptr(path);
  return NULL;
}
