/* sysctl.c: linux.sysctl; see sysctl.h.
 *
 * The kernel shows /proc/sys of the writer's namespaces: a namespaced
 * setting written by a container that shares the host's namespace changes
 * the host's (a config could raise fs.mqueue.queues_max for everyone).
 * Which setting follows which namespace is the kernel's (ipc_sysctl.c,
 * mq_sysctl.c, utsname_sysctl.c, net/); runc and crun keep the same list. */
#define _GNU_SOURCE
#include "sysctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "fsutil.h"
#include "namespaces.h"

static const char *const ipc_keys[] = {
    "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.msg_next_id",
    "kernel.sem", "kernel.sem_next_id",
    "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced", "kernel.shm_next_id",
};

const char *sysctl_namespace_of(const char *key) {
  for (size_t i = 0; i < sizeof(ipc_keys) / sizeof(ipc_keys[0]); i++)
    if (!strcmp(key, ipc_keys[i])) return "ipc";
  if (str_has_prefix(key, "fs.mqueue.")) return "ipc";
  if (str_has_prefix(key, "net.")) return "network";
  if (!strcmp(key, "kernel.hostname") || !strcmp(key, "kernel.domainname")) return "uts";
  return NULL;
}

static const char *proc_name_of(const char *type) {
  for (size_t i = 0; i < NS_KIND_COUNT; i++)
    if (!strcmp(ns_kinds[i].type, type)) return ns_kinds[i].proc;
  return type;
}

/* A namespace joined by path that is the one urun runs in: the host's, as
 * far as the container is concerned. */
static bool is_callers_namespace(const char *path, const char *type) {
  char own[64];
  snprintf(own, sizeof(own), "/proc/self/ns/%s", proc_name_of(type));
  struct stat a, b;
  /* an unreadable path is refused later, by open_namespaces, by name */
  if (stat(path, &a) < 0 || stat(own, &b) < 0) return false;
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

urun_error *sysctl_check(const struct spec *s) {
  const struct spec_linux *l = &s->linux_;
  for (size_t i = 0; i < l->sysctl.len; i++) {
    const char *key = l->sysctl.keys[i];
    const char *type = sysctl_namespace_of(key);
    if (!type)
      return urun_error_new("config.json: .linux.sysctl[\"%s\"]: not a namespaced sysctl: it would change the "
                            "host's kernel setting, which a container may not",
                            key);
    const struct spec_namespace *ns = spec_find_namespace(s, type);
    if (!ns)
      return urun_error_new("config.json: .linux.sysctl[\"%s\"]: belongs to the %s namespace, and .linux.namespaces "
                            "gives the container none of its own: it would change the host's",
                            key, type);
    if (ns->path && is_callers_namespace(ns->path, type))
      return urun_error_new("config.json: .linux.sysctl[\"%s\"]: the %s namespace joined by path (%s) is the "
                            "runtime's own: writing it would change the host's",
                            key, type, ns->path);
  }
  return NULL;
}

urun_error *sysctl_write_all(const struct spec *s, int procfd) {
  for (size_t i = 0; i < s->linux_.sysctl.len; i++) {
    _cleanup_free_ char *key = strdup(s->linux_.sysctl.keys[i]);
    if (!key) return urun_error_code(ENOMEM, "sysctl");
    for (char *p = key; *p; p++)
      if (*p == '.') *p = '/';
    _cleanup_free_ char *path = path_join("sys", key);
    const char *v = s->linux_.sysctl.values[i];
    urun_error *e = path ? write_file_at(procfd, path, v, strlen(v), 0) : urun_error_code(ENOMEM, "sysctl");
    if (e) return urun_error_wrap(e, "config.json: .linux.sysctl[\"%s\"]", s->linux_.sysctl.keys[i]);
  }
  return NULL;
}
