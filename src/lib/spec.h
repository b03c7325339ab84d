/* spec.h: the OCI runtime-spec v1.3.0 configuration (Linux fields) as plain C.
 *
 * Produced by spec_parse() (spec_json.c, the only place that reads JSON for the
 * config); the rest of urun sees only these structs.  Optional scalars carry a
 * `has_` flag; absent strings are NULL; absent lists have len 0.
 */
#ifndef URUN_SPEC_H
#define URUN_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define URUN_OCI_VERSION "1.3.0"

struct str_list {
  char **items; /* NULL-terminated when len > 0 (items[len] == NULL) */
  size_t len;
};

/* A JSON object of string values (annotations, sysctl, unified, ...), in file order. */
struct str_map {
  char **keys;
  char **values;
  size_t len;
};

struct spec_id_mapping {
  uint32_t container_id;
  uint32_t host_id;
  uint32_t size;
};

struct spec_id_mappings {
  struct spec_id_mapping *items;
  size_t len;
};

struct spec_rlimit {
  char *type; /* e.g. "RLIMIT_NOFILE" */
  uint64_t soft;
  uint64_t hard;
};

struct spec_capabilities {
  bool present; /* process.capabilities was given */
  struct str_list bounding, effective, inheritable, permitted, ambient;
};

struct spec_scheduler {
  bool present;
  char *policy; /* required when present: SCHED_OTHER, ... */
  bool has_nice; int32_t nice;
  bool has_priority; int32_t priority;
  struct str_list flags;
  bool has_runtime; uint64_t runtime;
  bool has_deadline; uint64_t deadline;
  bool has_period; uint64_t period;
};

struct spec_io_priority {
  bool present;
  char *class_; /* IOPRIO_CLASS_RT, IOPRIO_CLASS_BE, IOPRIO_CLASS_IDLE */
  int32_t priority;
};

struct spec_user {
  uint32_t uid;
  uint32_t gid;
  bool has_umask; uint32_t umask;
  uint32_t *additional_gids;
  size_t additional_gids_len;
  char *username; /* windows only; ignored */
};

struct spec_process {
  bool terminal;
  bool has_console_size; uint32_t console_height, console_width;
  struct spec_user user;
  struct str_list args;
  char *command_line; /* windows only */
  struct str_list env;
  char *cwd;
  struct spec_capabilities capabilities;
  struct spec_rlimit *rlimits;
  size_t rlimits_len;
  bool no_new_privileges;
  char *apparmor_profile;
  bool has_oom_score_adj; int32_t oom_score_adj;
  char *selinux_label;
  struct spec_scheduler scheduler;
  struct spec_io_priority io_priority;
  bool has_exec_cpu_affinity;
  char *exec_cpu_affinity_initial; /* cpu list, e.g. "0-3,7" */
  char *exec_cpu_affinity_final;
};

struct spec_mount {
  char *destination;
  char *type;
  char *source;
  struct str_list options;
  struct spec_id_mappings uid_mappings;
  struct spec_id_mappings gid_mappings;
};

struct spec_hook {
  char *path;
  struct str_list args;
  struct str_list env;
  bool has_env;  /* without env the hook gets the runtime's environment */
  bool has_timeout; int32_t timeout; /* seconds, > 0 */
};

struct spec_hook_list {
  struct spec_hook *items;
  size_t len;
};

struct spec_hooks {
  struct spec_hook_list prestart, create_runtime, create_container, start_container, poststart,
      poststop;
};

struct spec_namespace {
  char *type; /* pid network mount ipc uts user cgroup time */
  char *path; /* NULL: create a new one */
};

struct spec_time_offset {
  char *clock; /* "monotonic" or "boottime" */
  int64_t secs;
  uint32_t nanosecs;
};

struct spec_device {
  char *path;
  char *type; /* c b u p */
  bool has_major; int64_t major;
  bool has_minor; int64_t minor;
  bool has_file_mode; uint32_t file_mode;
  bool has_uid; uint32_t uid;
  bool has_gid; uint32_t gid;
};

struct spec_device_cgroup {
  bool allow;
  char *type; /* NULL = all, "a", "c", "b" */
  bool has_major; int64_t major; /* absent = all (-1 in cgroup terms) */
  bool has_minor; int64_t minor;
  char *access; /* "rwm" subset; NULL = all */
};

struct spec_memory {
  bool present;
  bool has_limit; int64_t limit;
  bool has_reservation; int64_t reservation;
  bool has_swap; int64_t swap;
  bool has_kernel; int64_t kernel;
  bool has_kernel_tcp; int64_t kernel_tcp;
  bool has_swappiness; uint64_t swappiness;
  bool has_disable_oom_killer; bool disable_oom_killer;
  bool has_use_hierarchy; bool use_hierarchy;
  bool has_check_before_update; bool check_before_update;
};

struct spec_cpu {
  bool present;
  bool has_shares; uint64_t shares;
  bool has_quota; int64_t quota;
  bool has_burst; uint64_t burst;
  bool has_period; uint64_t period;
  bool has_realtime_runtime; int64_t realtime_runtime;
  bool has_realtime_period; uint64_t realtime_period;
  char *cpus;
  char *mems;
  bool has_idle; int64_t idle;
};

struct spec_weight_device {
  int64_t major, minor;
  bool has_weight; uint16_t weight;
  bool has_leaf_weight; uint16_t leaf_weight;
};

struct spec_throttle_device {
  int64_t major, minor;
  uint64_t rate;
};

struct spec_throttle_list {
  struct spec_throttle_device *items;
  size_t len;
};

struct spec_block_io {
  bool present;
  bool has_weight; uint16_t weight;
  bool has_leaf_weight; uint16_t leaf_weight;
  struct spec_weight_device *weight_device;
  size_t weight_device_len;
  struct spec_throttle_list throttle_read_bps, throttle_write_bps, throttle_read_iops,
      throttle_write_iops;
};

struct spec_hugepage_limit {
  char *page_size; /* "2MB" */
  uint64_t limit;
};

struct spec_net_priority {
  char *name;
  uint32_t priority;
};

struct spec_network_resources {
  bool present;
  bool has_class_id; uint32_t class_id;
  struct spec_net_priority *priorities;
  size_t priorities_len;
};

struct spec_rdma {
  char *device; /* the map key */
  bool has_hca_handles; uint32_t hca_handles;
  bool has_hca_objects; uint32_t hca_objects;
};

struct spec_resources {
  bool present;
  struct spec_device_cgroup *devices;
  size_t devices_len;
  struct spec_memory memory;
  struct spec_cpu cpu;
  bool has_pids_limit; int64_t pids_limit; /* pids present with limit */
  bool pids_present;
  struct spec_block_io block_io;
  struct spec_hugepage_limit *hugepage_limits;
  size_t hugepage_limits_len;
  struct spec_network_resources network;
  struct spec_rdma *rdma;
  size_t rdma_len;
  struct str_map unified;
};

struct spec_seccomp_arg {
  uint32_t index;
  uint64_t value;
  bool has_value_two; uint64_t value_two;
  char *op; /* SCMP_CMP_NE, ... */
};

struct spec_seccomp_syscall {
  struct str_list names;
  char *action;
  bool has_errno_ret; uint32_t errno_ret;
  struct spec_seccomp_arg *args;
  size_t args_len;
};

struct spec_seccomp {
  bool present;
  char *default_action;
  bool has_default_errno_ret; uint32_t default_errno_ret;
  struct str_list architectures;
  struct str_list flags;
  char *listener_path;
  char *listener_metadata;
  struct spec_seccomp_syscall *syscalls;
  size_t syscalls_len;
};

struct spec_personality {
  bool present;
  char *domain; /* LINUX or LINUX32 */
  struct str_list flags;
};

struct spec_memory_policy {
  bool present;
  char *mode; /* MPOL_DEFAULT, MPOL_BIND, ... */
  char *nodes;
  struct str_list flags;
};

struct spec_intel_rdt {
  bool present;
  char *clos_id;
  char *l3_cache_schema;
  char *mem_bw_schema;
  struct str_list schemata;
  bool enable_monitoring;
};

struct spec_net_device {
  char *host_name; /* the map key */
  char *name;      /* optional new name inside; NULL keeps host_name */
};

struct spec_linux {
  bool present;
  struct spec_namespace *namespaces;
  size_t namespaces_len;
  struct spec_id_mappings uid_mappings;
  struct spec_id_mappings gid_mappings;
  struct spec_time_offset *time_offsets;
  size_t time_offsets_len;
  struct spec_device *devices;
  size_t devices_len;
  char *cgroups_path;
  struct spec_resources resources;
  struct str_map sysctl;
  struct spec_seccomp seccomp;
  char *rootfs_propagation;
  bool has_masked_paths; struct str_list masked_paths;
  bool has_readonly_paths; struct str_list readonly_paths;
  char *mount_label;
  struct spec_personality personality;
  struct spec_net_device *net_devices;
  size_t net_devices_len;
  struct spec_memory_policy memory_policy;
  struct spec_intel_rdt intel_rdt;
};

struct spec {
  char *oci_version;
  bool has_process;
  struct spec_process process;
  char *root_path;
  bool root_readonly;
  char *hostname;
  char *domainname;
  struct spec_mount *mounts;
  size_t mounts_len;
  bool has_hooks;
  struct spec_hooks hooks;
  struct str_map annotations;
  struct spec_linux linux_;
};

/* Parse a config.json document.  `label` names the file in errors
 * ("config.json"); errors read e.g.
 *   config.json: .process.rlimits[2].hard: expected an unsigned integer */
urun_error *spec_parse(const char *label, const char *data, size_t len, struct spec **ret);
/* Read and parse a file (a directory, an empty or truncated file are errors
 * naming it).  The bytes read go to *ret_data and *ret_len when ret_data is
 * not NULL (create keeps them as its copy of the config). */
urun_error *spec_load_file(const char *path, const char *label, struct spec **ret, char **ret_data,
                           size_t *ret_len);
/* A process.json (the "process" object alone), as `exec --process` reads it. */
urun_error *spec_parse_process(const char *label, const char *data, size_t len,
                               struct spec_process **ret);
/* A linux.resources object on its own (update --resources); errors name
 * paths from the document's root, e.g. "resources.json: .memory.limit". */
urun_error *spec_parse_resources(const char *label, const char *data, size_t len, struct spec_resources *ret);
void spec_resources_free(struct spec_resources *r);
void spec_free(struct spec *s);
void spec_process_free(struct spec_process *p);
static inline void spec_freep(struct spec **s) { if (*s) spec_free(*s); }
#define _cleanup_spec_ __attribute__((cleanup(spec_freep)))

/* Lookup helpers for the engine. */
const struct spec_namespace *spec_find_namespace(const struct spec *s, const char *type);
const char *spec_annotation(const struct spec *s, const char *key);
/* Whether some mount of the config has that type ("overlay"). */
bool spec_has_mount_type(const struct spec *s, const char *type);

#endif
