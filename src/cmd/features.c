/* features.c: `urun features` - what this build supports, as the
 * runtime-spec's features document (features.md). */
#define _GNU_SOURCE
#include "config.h"

#include <getopt.h>
#include <errno.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <string.h>
#include <sys/capability.h>

#include "cgroup.h"
#include "cmd.h"
#include "json.h"
#include "mount.h"
#include "seccomp_filter.h"
#include "spec.h"

typedef const char *(*name_at)(size_t i);

static void list(json_writer *w, const char *key, name_at f) {
  json_key(w, key);
  json_begin_array(w);
  for (size_t i = 0; f(i); i++) json_string(w, f(i));
  json_end_array(w);
}

static void capabilities(json_writer *w) {
  json_key(w, "capabilities");
  json_begin_array(w);
  for (cap_value_t c = 0; c < (cap_value_t)cap_max_bits(); c++) {
    char *name = cap_to_name(c);
    if (!name) continue;
    char upper[64];
    size_t n = 0;
    for (; name[n] && n < sizeof(upper) - 1; n++) upper[n] = (char)(name[n] >= 'a' && name[n] <= 'z' ? name[n] - 32 : name[n]);
    upper[n] = '\0';
    json_string(w, upper);
    cap_free(name);
  }
  json_end_array(w);
}

/* "key": {"enabled": bool} */
static void enabled_object(json_writer *w, const char *key, bool enabled) {
  json_key(w, key);
  json_begin_object(w);
  json_kv_bool(w, "enabled", enabled);
  json_end_object(w);
}

/* every list is the one the config parser checks against */
static void seccomp(json_writer *w) {
  json_key(w, "seccomp");
  json_begin_object(w);
  json_kv_bool(w, "enabled", true);
  list(w, "actions", seccomp_action_name);
  list(w, "operators", seccomp_operator_name);
  list(w, "archs", seccomp_arch_name);
  list(w, "knownFlags", seccomp_flag_name);
  list(w, "supportedFlags", seccomp_supported_flag_name);
  json_end_object(w);
}

urun_error *cmd_features(const struct global_options *g, int argc, char **argv, int *exit_code) {
  static const char *const hooks[] = {"prestart", "createRuntime", "createContainer", "startContainer",
                                      "poststart", "poststop", NULL};
  static const char *const namespaces[] = {"cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts", NULL};
  if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
    printf("Usage: urun features\n");
    return NULL;
  }
  if (argc > 1) return urun_error_new("features: takes no arguments");
  _cleanup_json_writer_ json_writer *w = json_writer_new(true);
  if (!w) return urun_error_new("features: out of memory");
  json_begin_object(w);
  json_kv_string(w, "ociVersionMin", "1.0.0");
  json_kv_string(w, "ociVersionMax", URUN_OCI_VERSION);
  json_kv_strings(w, "hooks", hooks);
  list(w, "mountOptions", mount_option_name);
  json_key(w, "linux");
  json_begin_object(w);
  json_kv_strings(w, "namespaces", namespaces);
  capabilities(w);
  json_key(w, "cgroup");
  json_begin_object(w);
  json_kv_bool(w, "v1", false);
  json_kv_bool(w, "v2", true);
#ifdef HAVE_SYSTEMD
  json_kv_bool(w, "systemd", true);
  json_kv_bool(w, "systemdUser", true);
#else
  json_kv_bool(w, "systemd", false);
  json_kv_bool(w, "systemdUser", false);
#endif
  json_kv_bool(w, "rdma", true);
  json_end_object(w);
  seccomp(w);
  /* compiled in (the spec's meaning), whether or not this host has them */
#ifdef HAVE_APPARMOR
  enabled_object(w, "apparmor", true);
#else
  enabled_object(w, "apparmor", false);
#endif
#ifdef HAVE_SELINUX
  enabled_object(w, "selinux", true);
#else
  enabled_object(w, "selinux", false);
#endif
  enabled_object(w, "intelRdt", false);
  json_key(w, "memoryPolicy");
  json_begin_object(w);
  static const char *const mpol_modes[] = {"MPOL_DEFAULT", "MPOL_BIND", "MPOL_INTERLEAVE", "MPOL_WEIGHTED_INTERLEAVE",
                                           "MPOL_PREFERRED", "MPOL_PREFERRED_MANY", "MPOL_LOCAL", NULL};
  static const char *const mpol_flags[] = {"MPOL_F_NUMA_BALANCING", "MPOL_F_RELATIVE_NODES", "MPOL_F_STATIC_NODES",
                                           NULL};
  json_kv_strings(w, "modes", mpol_modes);
  json_kv_strings(w, "flags", mpol_flags);
  json_end_object(w);
  enabled_object(w, "netDevices", false);
  json_key(w, "mountExtensions");
  json_begin_object(w);
  /* idmapped bind mounts: where the kernel has mount_setattr (5.12) */
  errno = 0;
  bool idmap = syscall(SYS_mount_setattr, -1, "", 0, NULL, 0) < 0 && errno != ENOSYS;
  enabled_object(w, "idmap", idmap);
  json_end_object(w);
  json_end_object(w);
  json_key(w, "annotations");
  json_begin_object(w);
  json_kv_string(w, "run.oci.keep_original_groups", "1");
  json_kv_string(w, "io.github.urun.version", PACKAGE_VERSION);
  json_end_object(w);
  json_end_object(w);
  size_t len;
  const char *buf = json_writer_buffer(w, &len);
  if (!buf) return urun_error_new("features: cannot encode JSON");
  printf("%.*s\n", (int)len, buf);
  return NULL;
}
