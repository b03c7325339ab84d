/* cleanup.h: scope-bound release of fds, memory and files. */
#ifndef URUN_CLEANUP_H
#define URUN_CLEANUP_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <dirent.h>

static inline void cleanup_freep(void *p) { free(*(void **)p); }
static inline void cleanup_closep(int *fd) {
  if (*fd >= 0) {
    int saved = errno;
    close(*fd);
    errno = saved;
  }
}
static inline void cleanup_fclosep(FILE **f) { if (*f) fclose(*f); }
static inline void cleanup_closedirp(DIR **d) { if (*d) closedir(*d); }
static inline void cleanup_strvfreep(char ***v) {
  if (*v) {
    for (char **i = *v; *i; i++) free(*i);
    free(*v);
  }
}

#define _cleanup_free_ __attribute__((cleanup(cleanup_freep)))
#define _cleanup_close_ __attribute__((cleanup(cleanup_closep)))
#define _cleanup_fclose_ __attribute__((cleanup(cleanup_fclosep)))
#define _cleanup_closedir_ __attribute__((cleanup(cleanup_closedirp)))
#define _cleanup_strv_ __attribute__((cleanup(cleanup_strvfreep)))

/* Hand ownership out of a cleanup variable: `return steal_ptr(p);` */
#define steal_ptr(p) ({ __typeof__(p) steal_tmp__ = (p); (p) = NULL; steal_tmp__; })
static inline int steal_fd(int *fd) { int r = *fd; *fd = -1; return r; }

#endif
