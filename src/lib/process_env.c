/* process_env.c: HOME and socket activation for the process; see process_env.h. */
#define _GNU_SOURCE
#include "process_env.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"

static bool env_has(const struct str_list *env, const char *key) {
  size_t n = strlen(key);
  for (size_t i = 0; i < env->len; i++)
    if (!strncmp(env->items[i], key, n) && env->items[i][n] == '=') return true;
  return false;
}

int process_env_listen_fds(void) {
  const char *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
  if (!fds || !*fds) return 0;
  char *end;
  long n = strtol(fds, &end, 10);
  if (*end || n <= 0 || n > 4096) return 0;
  /* systemd names the process the fds are for (runc's rule): without our
   * pid there, fd 3 on may be anything, our own state directory included */
  if (!pid || strtol(pid, &end, 10) != (long)getpid() || *end) return 0;
  return (int)n;
}

/* The home of `uid` in the current root's /etc/passwd, or NULL.  A regular
 * file only: the container's own /etc/passwd may be anything (a fifo would
 * block the process before it starts). */
static char *home_of(uid_t uid) {
  int fd = open("/etc/passwd", O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return NULL;
  struct stat st;
  FILE *f = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? fdopen(fd, "re") : NULL;
  if (!f) {
    close(fd);
    return NULL;
  }
  size_t size = 4096;
  char *buf = malloc(size), *home = NULL;
  struct passwd pw, *res;
  while (buf) {
    int r = fgetpwent_r(f, &pw, buf, size, &res);
    if (r == ERANGE && size < (1 << 20)) { /* the line is read again, into more room */
      char *bigger = realloc(buf, size *= 2);
      if (!bigger) break;
      buf = bigger;
      continue;
    }
    if (r != 0 || !res || ftell(f) > (16L << 20)) break; /* (an exec must not wait on a huge file) */
    if (pw.pw_uid == uid) {
      home = strdup(*pw.pw_dir ? pw.pw_dir : "/");
      break;
    }
  }
  free(buf);
  fclose(f);
  return home;
}

urun_error *process_env_build(const struct spec_process *p, int listen_fds, struct process_env *ret) {
  memset(ret, 0, sizeof(*ret));
  size_t n_added = 0;
  if (!env_has(&p->env, "HOME")) {
    _cleanup_free_ char *home = home_of(p->user.uid);
    if (asprintf(&ret->added[n_added++], "HOME=%s", home ? home : "/") < 0) ret->added[--n_added] = NULL;
  }
  bool has_listen = env_has(&p->env, "LISTEN_FDS");
  if (listen_fds > 0 && !has_listen) {
    if (asprintf(&ret->added[n_added++], "LISTEN_FDS=%d", listen_fds) < 0) ret->added[--n_added] = NULL;
    has_listen = true;
  }
  if (has_listen && !env_has(&p->env, "LISTEN_PID")) {
    /* the process's pid in its own pid namespace: 1 for a container's init */
    if (asprintf(&ret->added[n_added++], "LISTEN_PID=%d", (int)getpid()) < 0) ret->added[--n_added] = NULL;
  }
  ret->envp = calloc(p->env.len + n_added + 1, sizeof(char *));
  if (!ret->envp) return urun_error_code(ENOMEM, "process environment");
  size_t k = 0;
  for (size_t i = 0; i < p->env.len; i++) ret->envp[k++] = p->env.items[i];
  for (size_t i = 0; i < n_added; i++)
    if (ret->added[i]) ret->envp[k++] = ret->added[i];
  return NULL;
}

void process_env_free(struct process_env *e) {
  free(e->envp);
  for (size_t i = 0; i < sizeof(e->added) / sizeof(e->added[0]); i++) free(e->added[i]);
  memset(e, 0, sizeof(*e));
}
