/* spec_default.c: the default config.json; see spec_default.h. */
#define _GNU_SOURCE
#include "spec_default.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "spec.h"

static void mount(json_writer *w, const char *dest, const char *type, const char *src,
                  const char *const *opts) {
  json_begin_object(w);
  json_kv_string(w, "destination", dest);
  json_kv_string(w, "type", type);
  json_kv_string(w, "source", src);
  json_kv_strings(w, "options", opts);
  json_end_object(w);
}

static void id_map(json_writer *w, const char *key, unsigned id) {
  json_key(w, key);
  json_begin_array(w);
  json_begin_object(w);
  json_kv_int(w, "containerID", 0);
  json_kv_int(w, "hostID", id);
  json_kv_int(w, "size", 1);
  json_end_object(w);
  json_end_array(w);
}

static void process(json_writer *w) {
  static const char *const caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", NULL};
  static const char *const env[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                                    "TERM=xterm", NULL};
  static const char *const args[] = {"sh", NULL};
  json_key(w, "process");
  json_begin_object(w);
  json_kv_bool(w, "terminal", false);
  json_key(w, "user");
  json_begin_object(w);
  json_kv_int(w, "uid", 0);
  json_kv_int(w, "gid", 0);
  json_end_object(w);
  json_kv_strings(w, "args", args);
  json_kv_strings(w, "env", env);
  json_kv_string(w, "cwd", "/");
  json_key(w, "capabilities");
  json_begin_object(w);
  json_kv_strings(w, "bounding", caps);
  json_kv_strings(w, "effective", caps);
  json_kv_strings(w, "permitted", caps);
  json_end_object(w);
  json_key(w, "rlimits");
  json_begin_array(w);
  json_begin_object(w);
  json_kv_string(w, "type", "RLIMIT_NOFILE");
  json_kv_int(w, "hard", 1024);
  json_kv_int(w, "soft", 1024);
  json_end_object(w);
  json_end_array(w);
  json_kv_bool(w, "noNewPrivileges", true);
  json_end_object(w);
}

static void mounts(json_writer *w, bool rootless) {
  json_key(w, "mounts");
  json_begin_array(w);
  mount(w, "/proc", "proc", "proc", (const char *const[]){NULL});
  mount(w, "/dev", "tmpfs", "tmpfs",
        (const char *const[]){"nosuid", "strictatime", "mode=755", "size=65536k", NULL});
  if (rootless)
    mount(w, "/dev/pts", "devpts", "devpts",
          (const char *const[]){"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", NULL});
  else
    mount(w, "/dev/pts", "devpts", "devpts",
          (const char *const[]){"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL});
  mount(w, "/dev/shm", "tmpfs", "shm",
        (const char *const[]){"nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL});
  mount(w, "/dev/mqueue", "mqueue", "mqueue", (const char *const[]){"nosuid", "noexec", "nodev", NULL});
  if (rootless)
    mount(w, "/sys", "none", "/sys", (const char *const[]){"rbind", "nosuid", "noexec", "nodev", "ro", NULL});
  else
    mount(w, "/sys", "sysfs", "sysfs", (const char *const[]){"nosuid", "noexec", "nodev", "ro", NULL});
  mount(w, "/sys/fs/cgroup", "cgroup", "cgroup",
        (const char *const[]){"nosuid", "noexec", "nodev", "relatime", "ro", NULL});
  json_end_array(w);
}

static void linux_section(json_writer *w, bool rootless) {
  static const char *const masked[] = {"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                                       "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                                       "/proc/sched_debug", "/sys/firmware", "/proc/scsi", NULL};
  static const char *const readonly[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                         "/proc/sysrq-trigger", NULL};
  json_key(w, "linux");
  json_begin_object(w);
  if (rootless) {
    id_map(w, "uidMappings", (unsigned)geteuid());
    id_map(w, "gidMappings", (unsigned)getegid());
  }
  json_key(w, "namespaces");
  json_begin_array(w);
  const char *ns[] = {"pid", "network", "ipc", "uts", "mount", "cgroup", "user"};
  for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
    if (rootless ? !strcmp(ns[i], "network") : !strcmp(ns[i], "user")) continue;
    json_begin_object(w);
    json_kv_string(w, "type", ns[i]);
    json_end_object(w);
  }
  json_end_array(w);
  json_kv_strings(w, "maskedPaths", masked);
  json_kv_strings(w, "readonlyPaths", readonly);
  json_end_object(w);
}

urun_error *spec_default_json(bool rootless, char **ret, size_t *ret_len) {
  json_writer *w = json_writer_new(true);
  if (!w) return urun_error_code(ENOMEM, "spec");
  json_begin_object(w);
  json_kv_string(w, "ociVersion", URUN_OCI_VERSION);
  process(w);
  json_key(w, "root");
  json_begin_object(w);
  json_kv_string(w, "path", "rootfs");
  json_kv_bool(w, "readonly", true);
  json_end_object(w);
  json_kv_string(w, "hostname", "urun");
  mounts(w, rootless);
  linux_section(w, rootless);
  json_end_object(w);
  size_t len;
  const char *buf = json_writer_buffer(w, &len);
  *ret = buf ? malloc(len + 2) : NULL;
  if (*ret) {
    memcpy(*ret, buf, len);
    (*ret)[len] = '\n';
    (*ret)[len + 1] = '\0';
    *ret_len = len + 1;
  }
  json_writer_free(w);
  return *ret ? NULL : urun_error_code(ENOMEM, "spec");
}
