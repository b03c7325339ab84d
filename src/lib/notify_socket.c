/* notify_socket.c: sd_notify for containers, as crun passes it through:
 * the caller's datagram socket is bind-mounted into the container (a bind
 * of a socket file works in a user namespace too) and the process's
 * environment names it.  An abstract socket ("@name") lives in a network
 * namespace, so it is passed on only where the container keeps the
 * caller's. */
#define _GNU_SOURCE
#include "notify_socket.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "log.h"

static bool has_network_namespace(const struct spec *s) {
  for (size_t i = 0; i < s->linux_.namespaces_len; i++)
    if (!strcmp(s->linux_.namespaces[i].type, "network")) return true;
  return false;
}

/* Replace every NOTIFY_SOCKET= of the process env with `entry` (taken). */
static urun_error *set_env(struct str_list *env, char *entry) {
  size_t n = 0;
  for (size_t i = 0; i < env->len; i++) {
    if (!strncmp(env->items[i], "NOTIFY_SOCKET=", 14)) free(env->items[i]);
    else env->items[n++] = env->items[i];
  }
  char **items = realloc(env->items, (n + 2) * sizeof(char *));
  if (!items) {
    free(entry);
    env->len = n;
    if (env->items) env->items[n] = NULL;
    return urun_error_code(ENOMEM, "NOTIFY_SOCKET");
  }
  items[n++] = entry;
  items[n] = NULL;
  env->items = items;
  env->len = n;
  return NULL;
}

static urun_error *add_bind_mount(struct spec *s, const char *source) {
  struct spec_mount *mounts = realloc(s->mounts, (s->mounts_len + 1) * sizeof(*mounts));
  if (!mounts) return urun_error_code(ENOMEM, "NOTIFY_SOCKET");
  s->mounts = mounts;
  struct spec_mount *m = &mounts[s->mounts_len];
  *m = (struct spec_mount){0};
  char **options = calloc(2, sizeof(char *));
  m->destination = strdup(NOTIFY_SOCKET_IN_CONTAINER);
  m->type = strdup("bind");
  m->source = strdup(source);
  if (options) options[0] = strdup("bind");
  s->mounts_len++; /* spec_free frees whatever of it exists */
  m->options = (struct str_list){options, options ? 1 : 0};
  if (!m->destination || !m->type || !m->source || !options || !options[0])
    return urun_error_code(ENOMEM, "NOTIFY_SOCKET");
  return NULL;
}

urun_error *notify_socket_pass_through(struct spec *s) {
  const char *path = getenv("NOTIFY_SOCKET");
  if (!path || !*path) return NULL;
  if (path[0] == '@') {
    if (has_network_namespace(s)) {
      log_debug("NOTIFY_SOCKET %s is abstract and the container has its own network namespace: not passed", path);
      return NULL;
    }
    char *entry = NULL;
    if (asprintf(&entry, "NOTIFY_SOCKET=%s", path) < 0) return urun_error_code(ENOMEM, "NOTIFY_SOCKET");
    return set_env(&s->process.env, entry);
  }
  _cleanup_free_ char *real = realpath(path, NULL);
  struct stat st;
  if ((!real || stat(real, &st) < 0) && errno == ENOENT)
    /* crun makes a socket of its own and relays at start; urun binds the
     * caller's: it has to be there first */
    return urun_error_new("NOTIFY_SOCKET %s: no such socket: urun passes the caller's socket into the "
                          "container at create, so it must exist before create (bind it first, or unset "
                          "NOTIFY_SOCKET)",
                          path);
  if (!real || stat(real, &st) < 0) return urun_error_errno("NOTIFY_SOCKET %s", path);
  if (!S_ISSOCK(st.st_mode)) return urun_error_new("NOTIFY_SOCKET %s: not a socket", path);
  TRY(add_bind_mount(s, real));
  char *entry = strdup("NOTIFY_SOCKET=" NOTIFY_SOCKET_IN_CONTAINER);
  if (!entry) return urun_error_code(ENOMEM, "NOTIFY_SOCKET");
  return set_env(&s->process.env, entry);
}
