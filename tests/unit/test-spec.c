/* test-spec.c: config.json parsing - every field, every kind of bad input. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spec.h"
#include "unit.h"

static const char *fixtures(void) {
  const char *f = getenv("FIXTURES");
  return f ? f : "tests/fixtures";
}

static struct spec *load(const char *name) {
  char path[4096];
  snprintf(path, sizeof(path), "%s/config/%s", fixtures(), name);
  struct spec *s = NULL;
  urun_error *e = spec_load_file(path, "config.json", &s, NULL, NULL);
  if (e) {
    char *t = urun_error_text(e);
    fprintf(stderr, "load %s: %s\n", name, t);
    free(t);
    urun_error_free(e);
  }
  return s;
}

static void test_minimal(void) {
  struct spec *s = load("minimal.json");
  CHECK(s != NULL);
  if (!s) return;
  CHECK(!strcmp(s->oci_version, "1.3.0"));
  CHECK(s->has_process && s->process.args.len == 1 && !strcmp(s->process.args.items[0], "/bin/true"));
  CHECK(s->process.args.items[1] == NULL);
  CHECK(!s->linux_.present && s->mounts_len == 0 && !s->has_hooks);
  spec_free(s);
}

static void test_maximal(void) {
  struct spec *s = load("maximal.json");
  CHECK(s != NULL);
  if (!s) return;
  const struct spec_process *p = &s->process;
  CHECK(p->terminal && p->has_console_size && p->console_height == 25 && p->console_width == 80);
  CHECK(p->user.uid == 1000 && p->user.has_umask && p->user.umask == 18);
  CHECK(p->user.additional_gids_len == 2 && p->user.additional_gids[1] == 6);
  CHECK(p->args.len == 3 && !strcmp(p->cwd, "/home") && p->env.len == 2);
  CHECK(p->capabilities.present && p->capabilities.bounding.len == 2 && p->capabilities.inheritable.len == 0);
  CHECK(p->rlimits_len == 2 && p->rlimits[0].hard == 4096 && p->rlimits[1].soft == UINT64_MAX);
  CHECK(p->no_new_privileges && p->has_oom_score_adj && p->oom_score_adj == -500);
  CHECK(p->scheduler.present && !strcmp(p->scheduler.policy, "SCHED_BATCH") && p->scheduler.nice == -2);
  CHECK(p->io_priority.present && !strcmp(p->io_priority.class_, "IOPRIO_CLASS_BE") && p->io_priority.priority == 4);
  CHECK(p->has_exec_cpu_affinity && !strcmp(p->exec_cpu_affinity_final, "0-1"));
  CHECK(s->root_readonly && !strcmp(s->hostname, "h") && !strcmp(s->domainname, "d"));
  CHECK(s->mounts_len == 2 && !strcmp(s->mounts[1].destination, "data") && s->mounts[1].options.len == 2);
  CHECK(s->mounts[1].uid_mappings.len == 1 && s->mounts[1].uid_mappings.items[0].host_id == 1000);
  CHECK(s->hooks.poststop.len == 2 && s->hooks.create_runtime.items[0].has_timeout &&
        s->hooks.create_runtime.items[0].timeout == 5 && s->hooks.create_runtime.items[0].args.len == 2);
  CHECK(s->annotations.len == 2 && !strcmp(s->annotations.keys[0], "z.first")); /* file order */
  CHECK(!strcmp(spec_annotation(s, "a.second"), "2") && spec_annotation(s, "nope") == NULL);
  const struct spec_linux *l = &s->linux_;
  CHECK(l->namespaces_len == 8 && !strcmp(spec_find_namespace(s, "network")->path, "/proc/1/ns/net"));
  CHECK(l->uid_mappings.len == 1 && l->uid_mappings.items[0].size == 65536);
  CHECK(l->time_offsets_len == 2 && l->time_offsets[0].secs == -10 && l->time_offsets[0].nanosecs == 5);
  CHECK(l->devices_len == 2 && l->devices[0].major == 10 && l->devices[0].file_mode == 438);
  CHECK(!strcmp(l->cgroups_path, "user.slice:libpod:abc"));
  const struct spec_resources *r = &l->resources;
  CHECK(r->devices_len == 2 && !r->devices[0].allow && r->devices[1].has_major && r->devices[1].minor == 3);
  CHECK(r->memory.limit == 536870912 && r->memory.swap == -1 && r->memory.has_disable_oom_killer);
  CHECK(r->cpu.shares == 1024 && r->cpu.quota == 50000 && !strcmp(r->cpu.cpus, "0-1") && r->cpu.has_idle);
  CHECK(r->has_pids_limit && r->pids_limit == 100);
  CHECK(r->block_io.weight == 500 && r->block_io.weight_device_len == 1 && r->block_io.throttle_read_bps.len == 1);
  CHECK(r->block_io.throttle_write_iops.items[0].rate == 100);
  CHECK(r->hugepage_limits_len == 1 && !strcmp(r->hugepage_limits[0].page_size, "2MB"));
  CHECK(r->network.class_id == 1048577 && r->network.priorities_len == 1);
  CHECK(r->rdma_len == 1 && !strcmp(r->rdma[0].device, "mlx5_1") && r->rdma[0].hca_objects == 10000);
  CHECK(r->unified.len == 2 && !strcmp(r->unified.values[1], "8:0 rbps=1"));
  CHECK(l->sysctl.len == 1);
  const struct spec_seccomp *sc = &l->seccomp;
  CHECK(sc->present && sc->default_errno_ret == 38 && sc->architectures.len == 2 && sc->syscalls_len == 2);
  CHECK(sc->syscalls[1].args_len == 2 && sc->syscalls[1].args[1].value == 4294967295u && sc->syscalls[1].args[1].value_two == 1);
  CHECK(!strcmp(l->rootfs_propagation, "rslave") && l->masked_paths.len == 1 && l->readonly_paths.len == 1);
  CHECK(l->personality.present && !strcmp(l->personality.domain, "LINUX32"));
  CHECK(l->net_devices_len == 1 && !strcmp(l->net_devices[0].name, "in0"));
  CHECK(l->memory_policy.present && !strcmp(l->memory_policy.mode, "MPOL_BIND"));
  CHECK(l->intel_rdt.present && l->intel_rdt.enable_monitoring);
  spec_free(s);
}

/* Parse `json` and expect exactly `want`. */
static bool bad(const char *json, const char *want) {
  struct spec *s = NULL;
  urun_error *e = spec_parse("config.json", json, strlen(json), &s);
  if (!e) spec_free(s);
  return err_is(e, want);
}

#define BASE "\"ociVersion\": \"1.3.0\", \"root\": {\"path\": \"r\"}"
#define PROC(x) "{" BASE ", \"process\": {\"args\": [\"a\"], \"cwd\": \"/\"" x "}}"

static void test_errors(void) {
  CHECK(bad("[]", "config.json: expected a JSON object at the top level"));
  CHECK(bad("{\"root\": {\"path\": \"r\"}}", "config.json: .ociVersion: required field is missing"));
  CHECK(bad("{\"ociVersion\": 1}", "config.json: .ociVersion: expected a string"));
  CHECK(bad("{" BASE ", \"process\": {\"args\": \"a\", \"cwd\": \"/\"}}", "config.json: .process.args: expected an array"));
  CHECK(bad("{" BASE ", \"process\": {\"args\": [], \"cwd\": \"/\"}}", "config.json: .process.args: must have at least one entry"));
  CHECK(bad("{" BASE ", \"process\": {\"args\": [1], \"cwd\": \"/\"}}", "config.json: .process.args[0]: expected a string"));
  CHECK(bad("{" BASE ", \"process\": {\"args\": [\"a\"]}}", "config.json: .process.cwd: required field is missing"));
  CHECK(bad("{" BASE ", \"process\": {\"args\": [\"a\"], \"cwd\": \"x\"}}", "config.json: .process.cwd: must be an absolute path"));
  CHECK(bad(PROC(", \"terminal\": 1"), "config.json: .process.terminal: expected a boolean"));
  CHECK(bad(PROC(", \"user\": {\"uid\": 0}"), "config.json: .process.user.gid: required field is missing"));
  CHECK(bad(PROC(", \"user\": {\"uid\": 4294967296, \"gid\": 0}"), "config.json: .process.user.uid: expected an unsigned 32-bit integer"));
  CHECK(bad(PROC(", \"user\": {\"uid\": -1, \"gid\": 0}"), "config.json: .process.user.uid: expected an unsigned integer"));
  CHECK(bad(PROC(", \"user\": {\"uid\": 1.5, \"gid\": 0}"), "config.json: .process.user.uid: expected an unsigned integer"));
  CHECK(bad(PROC(", \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1, \"hard\": 1}, {\"type\": \"RLIMIT_CORE\", \"soft\": 1, \"hard\": 1}, {\"type\": \"RLIMIT_AS\", \"soft\": 1, \"hard\": \"x\"}]"),
            "config.json: .process.rlimits[2].hard: expected an unsigned integer"));
  CHECK(bad(PROC(", \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1}]"), "config.json: .process.rlimits[0].hard: required field is missing"));
  CHECK(bad(PROC(", \"oomScoreAdj\": 3000000000"), "config.json: .process.oomScoreAdj: expected a 32-bit integer"));
  /* the type and the int64 range errors too (under ASan: without a leak of the first error) */
  CHECK(bad(PROC(", \"oomScoreAdj\": \"x\""), "config.json: .process.oomScoreAdj: expected an integer"));
  CHECK(bad(PROC(", \"oomScoreAdj\": 1.5"), "config.json: .process.oomScoreAdj: expected an integer"));
  CHECK(bad(PROC(", \"oomScoreAdj\": 99999999999999999999"), "config.json: .process.oomScoreAdj: expected a 32-bit integer"));
  CHECK(bad(PROC(", \"capabilities\": {\"bounding\": \"CAP_KILL\"}"), "config.json: .process.capabilities.bounding: expected an array"));
  CHECK(bad(PROC(", \"scheduler\": {\"policy\": \"SCHED_NOPE\"}"), "config.json: .process.scheduler.policy: unknown scheduler policy \"SCHED_NOPE\""));
  CHECK(bad(PROC(", \"ioPriority\": {\"priority\": 1}"), "config.json: .process.ioPriority.class: required field is missing"));
  CHECK(bad("{" BASE ", \"mounts\": [{\"type\": \"tmpfs\"}]}", "config.json: .mounts[0].destination: required field is missing"));
  CHECK(bad("{" BASE ", \"mounts\": {}}", "config.json: .mounts: expected an array"));
  CHECK(bad("{" BASE ", \"hooks\": {\"poststop\": [{\"path\": \"/x\", \"timeout\": 0}]}}", "config.json: .hooks.poststop[0].timeout: must be greater than zero"));
  CHECK(bad("{" BASE ", \"hooks\": {\"prestart\": [{}]}}", "config.json: .hooks.prestart[0].path: required field is missing"));
  CHECK(bad("{" BASE ", \"annotations\": {\"a\": 1}}", "config.json: .annotations[\"a\"]: expected a string"));
  CHECK(bad("{" BASE ", \"linux\": {\"namespaces\": [{\"type\": \"foo\"}]}}", "config.json: .linux.namespaces[0].type: unknown namespace type \"foo\""));
  CHECK(bad("{" BASE ", \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"pid\"}]}}", "config.json: .linux.namespaces[1].type: duplicate namespace type \"pid\""));
  CHECK(bad("{" BASE ", \"linux\": {\"uidMappings\": [{\"containerID\": 0, \"hostID\": 1}]}}", "config.json: .linux.uidMappings[0].size: required field is missing"));
  CHECK(bad("{" BASE ", \"linux\": {\"devices\": [{\"path\": \"/dev/x\", \"type\": \"x\"}]}}", "config.json: .linux.devices[0].type: unknown device type \"x\""));
  CHECK(bad("{" BASE ", \"linux\": {\"resources\": {\"memory\": {\"limit\": \"1G\"}}}}", "config.json: .linux.resources.memory.limit: expected an integer"));
  CHECK(bad("{" BASE ", \"linux\": {\"resources\": {\"blockIO\": {\"weight\": 70000}}}}", "config.json: .linux.resources.blockIO.weight: expected a 16-bit unsigned integer"));
  CHECK(bad("{" BASE ", \"linux\": {\"seccomp\": {}}}", "config.json: .linux.seccomp.defaultAction: required field is missing"));
  CHECK(bad("{" BASE ", \"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"action\": \"SCMP_ACT_ERRNO\"}]}}}", "config.json: .linux.seccomp.syscalls[0].names: required field is missing"));
  CHECK(bad("{" BASE ", \"linux\": {\"personality\": {\"domain\": \"LINUX64\"}}}", "config.json: .linux.personality.domain: unknown personality domain \"LINUX64\""));
  CHECK(bad("{" BASE ", \"linux\": {\"timeOffsets\": {\"realtime\": {\"secs\": 1}}}}", "config.json: .linux.timeOffsets[\"realtime\"]: unknown clock \"realtime\""));
  CHECK(bad("{" BASE ", \"linux\": {\"sysctl\": {\"a\": 1}}}", "config.json: .linux.sysctl[\"a\"]: expected a string"));
  /* unknown fields are ignored, null counts as absent */
  struct spec *s = NULL;
  const char *ok = "{" BASE ", \"future\": {\"x\": 1}, \"hostname\": null, \"process\": {\"args\": [\"a\"], \"cwd\": \"/\", \"newField\": [true]}}";
  urun_error *e = spec_parse("config.json", ok, strlen(ok), &s);
  CHECK(e == NULL && s && s->hostname == NULL);
  urun_error_free(e);
  spec_free(s);
}

static void test_files(void) {
  char dir[] = "/tmp/urun-spec-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char path[256];
  struct spec *s = NULL;
  snprintf(path, sizeof(path), "%s/missing.json", dir);
  CHECK(err_is(spec_load_file(path, "config.json", &s, NULL, NULL), "open config.json: No such file or directory"));
  CHECK(err_is(spec_load_file(dir, "config.json", &s, NULL, NULL), "config.json: is a directory"));
  snprintf(path, sizeof(path), "%s/empty.json", dir);
  close(open(path, O_CREAT | O_WRONLY, 0644));
  CHECK(err_is(spec_load_file(path, "config.json", &s, NULL, NULL), "config.json: file is empty"));
  FILE *f = fopen(path, "w");
  fputs("{\"ociVersion\": \"1.3.0\", \"process\": {\"args\": [", f);
  fclose(f);
  CHECK(err_has(spec_load_file(path, "config.json", &s, NULL, NULL), "config.json: invalid JSON: truncated"));
  f = fopen(path, "w");
  fputs("{\"ociVersion\": \"1.3\xff\"}", f);
  fclose(f);
  CHECK(err_has(spec_load_file(path, "config.json", &s, NULL, NULL), "config.json: invalid UTF-8"));
  unlink(path);
  rmdir(dir);
}

static void test_process_json(void) {
  const char *doc = "{\"args\": [\"/bin/ls\"], \"cwd\": \"/\", \"env\": [\"A=1\"], \"user\": {\"uid\": 5, \"gid\": 6}}";
  struct spec_process *p = NULL;
  CHECK(spec_parse_process("process.json", doc, strlen(doc), &p) == NULL && p);
  if (p) {
    CHECK(p->user.uid == 5 && p->env.len == 1);
    spec_process_free(p);
  }
  CHECK(err_is(spec_parse_process("process.json", "{\"cwd\": \"/\"}", 12, &p), "process.json: .args: required field is missing"));
}

int main(void) {
  test_minimal();
  test_maximal();
  test_errors();
  test_files();
  test_process_json();
  return unit_finish();
}
