/* hooks.c: run OCI hooks; see hooks.h. */
#define _GNU_SOURCE
#include "hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"

extern char **environ;

static urun_error *run_one(const struct spec_hook *h, const char *kind, size_t i, const char *state,
                           char *const *default_env) {
  int in[2];
  if (pipe2(in, O_CLOEXEC) < 0) return urun_error_errno(".hooks.%s[%zu]", kind, i);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
  char *const empty[] = {NULL};
  char *const argv0[] = {h->path, NULL};
  char *const *argv = h->args.len ? h->args.items : argv0;
  char *const *envp = h->has_env ? (h->env.len ? h->env.items : empty) : default_env ? default_env : environ;
  pid_t pid;
  int r = posix_spawn(&pid, h->path, &fa, NULL, argv, envp);
  posix_spawn_file_actions_destroy(&fa);
  close(in[0]);
  if (r != 0) {
    close(in[1]);
    return urun_error_code(r, ".hooks.%s[%zu]: run %s", kind, i, h->path);
  }
  /* The hook may not read its stdin; a full pipe must not block us. */
  signal(SIGPIPE, SIG_IGN);
  fcntl(in[1], F_SETFL, O_NONBLOCK);
  if (write(in[1], state, strlen(state)) < 0) { /* the hook chose not to read */ }
  close(in[1]);
  _cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  int timeout_ms = h->has_timeout ? h->timeout * 1000 : -1;
  if (timeout_ms >= 0) {
    bool exited;
    if (pidfd >= 0) {
      struct pollfd p = {.fd = pidfd, .events = POLLIN};
      int n;
      do n = poll(&p, 1, timeout_ms);
      while (n < 0 && errno == EINTR);
      exited = n > 0;
    } else { /* no pidfd: look every 10 ms */
      int waited = 0;
      siginfo_t si;
      for (;;) {
        si.si_pid = 0;
        exited = waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid;
        if (exited || waited >= timeout_ms) break;
        usleep(10000);
        waited += 10;
      }
    }
    if (!exited) {
      kill(pid, SIGKILL);
      waitpid(pid, NULL, 0);
      return urun_error_new(".hooks.%s[%zu]: %s timed out after %d s and was killed", kind, i, h->path,
                            h->timeout);
    }
  }
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return urun_error_errno(".hooks.%s[%zu]: wait", kind, i);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return NULL;
  if (WIFEXITED(status))
    return urun_error_new(".hooks.%s[%zu]: %s failed with exit status %d", kind, i, h->path, WEXITSTATUS(status));
  return urun_error_new(".hooks.%s[%zu]: %s killed by signal %d", kind, i, h->path, WTERMSIG(status));
}

urun_error *hooks_run(const struct spec_hook_list *list, const char *kind, const char *state_json,
                      char *const *default_env) {
  for (size_t i = 0; i < list->len; i++) TRY(run_one(&list->items[i], kind, i, state_json, default_env));
  return NULL;
}

urun_error *hooks_run_all(const struct spec_hook_list *list, const char *kind, const char *state_json,
                          char *const *default_env) {
  urun_error *first = NULL;
  for (size_t i = 0; i < list->len; i++) {
    urun_error *e = run_one(&list->items[i], kind, i, state_json, default_env);
    if (!first) first = e;
    else urun_error_free(e);
  }
  return first;
}
