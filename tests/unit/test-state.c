/* test-state.c: ids, state files, locking, signals, mount options, id maps. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fsutil.h"
#include "journal.h"
#include "mount.h"
#include "rfc3339.h"
#include "signals.h"
#include "spec.h"
#include "spec_default.h"
#include "state.h"
#include "userns.h"
#include "unit.h"

static void test_ids(void) {
  CHECK(state_validate_id("web-1_2.3+x") == NULL);
  CHECK(err_has(state_validate_id(""), "empty"));
  CHECK(err_has(state_validate_id(".."), "invalid container id"));
  CHECK(err_has(state_validate_id("."), "invalid container id"));
  CHECK(err_has(state_validate_id("a/b"), "only letters"));
  char *long_id = malloc(1026);
  memset(long_id, 'a', 1025);
  long_id[1025] = '\0';
  CHECK(err_has(state_validate_id(long_id), "longer than 1024"));
  long_id[1024] = '\0';
  CHECK(state_validate_id(long_id) == NULL);
  free(long_id);
}

/* our arithmetic agrees with gmtime_r and strftime, leap days and
 * centuries included, before and after the epoch */
static void test_rfc3339(void) {
  static const time_t samples[] = {0, -1, 951782400 /* 2000-02-29 */, 951868800, 4107542399 /* 2100-02-28T23:59:59 */,
                                   4107542400, -2208988800 /* 1900-01-01 */, 1798502400, 253402300799};
  int bad = 0;
  for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]) + 2000; i++) {
    time_t t = i < sizeof(samples) / sizeof(samples[0]) ? samples[i] : (time_t)(i * 7919 * 86400LL / 3 - 40000000000LL / 7);
    struct timespec ts = {.tv_sec = t, .tv_nsec = 123456789};
    char ours[RFC3339_LEN], want[64];
    rfc3339_format(&ts, ours);
    struct tm tm;
    gmtime_r(&t, &tm);
    size_t n = strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(want + n, sizeof(want) - n, ".123456789Z");
    if (tm.tm_year + 1900 >= 0 && strcmp(ours, want)) {
      if (bad++ < 3) fprintf(stderr, "  rfc3339 %lld: %s, want %s\n", (long long)t, ours, want);
    }
  }
  CHECK(bad == 0);
}

static void test_signals(void) {
  int sig = 0;
  CHECK(signal_parse("TERM", &sig) == NULL && sig == SIGTERM);
  CHECK(signal_parse("SIGKILL", &sig) == NULL && sig == SIGKILL);
  CHECK(signal_parse("sigusr1", &sig) == NULL && sig == SIGUSR1);
  CHECK(signal_parse("9", &sig) == NULL && sig == 9);
  CHECK(signal_parse("RTMIN+2", &sig) == NULL && sig == SIGRTMIN + 2);
  CHECK(err_has(signal_parse("NOPE", &sig), "invalid signal \"NOPE\""));
  CHECK(err_has(signal_parse("0", &sig), "invalid signal"));
  CHECK(err_has(signal_parse("999", &sig), "invalid signal"));
}

static void test_state_files(void) {
  char tmpl[] = "/tmp/urun-unit-XXXXXX";
  CHECK(mkdtemp(tmpl) != NULL);
  _cleanup_free_ char *rootpath = path_join(tmpl, "root");
  struct state_root root = {.fd = -1};
  CHECK(state_root_open(rootpath, &root) == NULL);
  int dirfd = -1;
  CHECK(state_claim(&root, "c1", &dirfd) == NULL && dirfd >= 0);
  /* a second claim of the same id is refused while the first is working */
  int other = -1;
  CHECK(err_has(state_claim(&root, "c1", &other), "already exists"));
  char *keys[] = {"a", NULL}, *values[] = {"b", NULL};
  struct state st = {.id = "c1", .pid = getpid(), .start_time = process_start_time(getpid()),
                     .bundle = "/b", .rootfs = "/b/rootfs", .created = "2026-01-01T00:00:00Z",
                     .owner = getuid(), .annotations = {keys, values, 1}, .mnt_ns = 42};
  CHECK(st.start_time > 0);
  CHECK(state_write(dirfd, &st) == NULL);
  close(dirfd);
  dirfd = -1;
  CHECK(err_has(state_claim(&root, "c1", &other), "already exists"));
  CHECK(state_open(&root, "c1", LOCK_SH, &dirfd) == NULL);
  struct state *back = NULL;
  CHECK(state_read(dirfd, "c1", &back) == NULL && back);
  if (back) {
    CHECK(back->pid == getpid());
    CHECK(back->start_time == st.start_time);
    CHECK(!strcmp(back->bundle, "/b") && !strcmp(back->rootfs, "/b/rootfs"));
    CHECK(back->annotations.len == 1 && !strcmp(back->annotations.values[0], "b"));
    CHECK(back->mnt_ns == 42);
    /* we are alive and there is no exec.fifo: running */
    CHECK(state_status(dirfd, back) == STATUS_RUNNING);
    back->start_time++; /* a recycled pid: not ours */
    CHECK(state_status(dirfd, back) == STATUS_STOPPED);
    char *json = NULL;
    CHECK(state_to_json(back, STATUS_STOPPED, false, &json) == NULL);
    CHECK(json && strstr(json, "\"status\":\"stopped\"") && strstr(json, "\"pid\":0"));
    CHECK(json && strstr(json, "\"ociVersion\":\"1.3.0\""));
    free(json);
    state_free(back);
  }
  close(dirfd);
  CHECK(err_has(state_open(&root, "nope", LOCK_SH, &dirfd), "does not exist"));
  /* a directory left by a create that died (no state.json, no lock) is reused */
  CHECK(mkdirat(root.fd, "stale", 0700) == 0);
  CHECK(state_claim(&root, "stale", &dirfd) == NULL);
  close(dirfd);
  CHECK(state_remove(&root, "c1") == NULL);
  CHECK(state_remove(&root, "stale") == NULL);
  CHECK(faccessat(root.fd, "c1", F_OK, 0) < 0 && errno == ENOENT);
  state_root_close(&root);
  CHECK(remove_tree_at(AT_FDCWD, tmpl) == NULL);
}

static void test_mount_options(void) {
  char *opts[] = {"rbind", "ro", "nosuid", "rslave", "size=10k", "mode=755", "rnoexec", NULL};
  struct spec_mount m = {.destination = "/x", .type = "bind", .source = "/tmp", .options = {opts, 7}};
  struct mount_flags f;
  CHECK(mount_parse_options(&m, 0, &f) == NULL);
  CHECK(f.bind && f.rbind);
  CHECK((f.flags & MS_RDONLY) && (f.flags & MS_NOSUID));
  CHECK(f.propagation == (MS_SLAVE | MS_REC));
  CHECK(f.data && !strcmp(f.data, "size=10k,mode=755"));
  CHECK(f.attr_set != 0);
  free(f.data);
  char *rw[] = {"ro", "rw", NULL};
  struct spec_mount m2 = {.destination = "/y", .type = "tmpfs", .options = {rw, 2}};
  CHECK(mount_parse_options(&m2, 3, &f) == NULL && !(f.flags & MS_RDONLY));
  free(f.data);
  char *extra[] = {"tmpcopyup", "ridmap", NULL};
  struct spec_mount m3 = {.destination = "/z", .type = "tmpfs", .options = {extra, 2}};
  CHECK(mount_parse_options(&m3, 2, &f) == NULL && f.tmpcopyup && f.idmap && f.ridmap && !f.data);
  /* idmap on a tmpfs is refused by JSON path when the config is checked */
  struct spec cfg = {.mounts = &m3, .mounts_len = 1};
  CHECK(err_has(mount_check_config(&cfg), ".mounts[0]: idmapped mounts are bind mounts only"));
}

static void test_id_maps(void) {
  struct spec_id_mapping items[] = {{0, 1000, 1}, {1, 100000, 65536}};
  struct spec_id_mappings m = {items, 2};
  CHECK(userns_to_host(&m, 0) == 1000);
  CHECK(userns_to_host(&m, 1) == 100000);
  CHECK(userns_to_host(&m, 65536) == 165535);
  CHECK(userns_to_host(&m, 65537) == -1);
  CHECK(userns_is_mapped(&m, 500) && !userns_is_mapped(&m, 70000));
}

static void test_default_spec(void) {
  for (int rootless = 0; rootless < 2; rootless++) {
    char *json = NULL;
    size_t len = 0;
    CHECK(spec_default_json(rootless, &json, &len) == NULL && json);
    struct spec *s = NULL;
    urun_error *e = spec_parse("config.json", json, len, &s);
    CHECK(e == NULL && s);
    urun_error_free(e);
    if (s) {
      CHECK(!strcmp(s->oci_version, "1.3.0"));
      CHECK(!strcmp(s->root_path, "rootfs") && s->root_readonly);
      CHECK((spec_find_namespace(s, "user") != NULL) == (rootless == 1));
      CHECK((spec_find_namespace(s, "network") != NULL) == (rootless == 0));
      CHECK(s->process.args.len == 1 && !s->process.terminal);
      if (rootless) CHECK(s->linux_.uid_mappings.len == 1 && s->linux_.uid_mappings.items[0].host_id == geteuid());
      spec_free(s);
    }
    free(json);
  }
}

/* the journal reads back what was noted, whatever a cut-short or damaged
 * line holds; state.json naming another pid than the journal's is damage */
static void test_journal(void) {
  char tmpl[] = "/tmp/urun-unit-XXXXXX";
  CHECK(mkdtemp(tmpl) != NULL);
  int dirfd = open(tmpl, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int fd = -1;
  CHECK(journal_create(dirfd, &fd) == NULL && fd >= 0);
  CHECK(journal_note_path(fd, "cgroup", "/sys/fs/cgroup/urun/c1", false) == NULL);
  CHECK(journal_note_path(fd, "cgroup", "/sys/fs/cgroup/urun/c1", true) == NULL);
  CHECK(journal_note_pid(fd, "init", getpid(), process_start_time(getpid())) == NULL);
  CHECK(write(fd, "\x01garbage\n{\"helper\":", 20) == 20); /* a damaged line, then one cut short */
  struct journal j;
  bool found;
  CHECK(journal_read(dirfd, &j, &found) == NULL && found);
  CHECK(j.cgroup && !strcmp(j.cgroup, "/sys/fs/cgroup/urun/c1") && j.cgroup_owned);
  CHECK(j.init == getpid() && j.init_start == process_start_time(getpid()));
  CHECK(j.helper == 0 && !j.unit);
  journal_free(&j);
  struct state st = {.id = "c1", .pid = getppid(), .start_time = process_start_time(getppid()), .bundle = "/b",
                     .rootfs = "/b/rootfs", .created = "2026-01-01T00:00:00Z"};
  CHECK(state_write(dirfd, &st) == NULL);
  struct state *back = NULL;
  char *damage = NULL;
  CHECK(state_load(dirfd, "c1", &back, &damage) == NULL && !back && damage);
  CHECK(damage && strstr(damage, "is not the container's init"));
  free(damage);
  CHECK(err_has(state_read(dirfd, "c1", &back), "its state is damaged"));
  close(fd);
  unlinkat(dirfd, JOURNAL_FILE_NAME, 0);
  CHECK(journal_read(dirfd, &j, &found) == NULL && !found && j.init == 0);
  unlinkat(dirfd, STATE_FILE_NAME, 0);
  close(dirfd);
  rmdir(tmpl);
}

int main(void) {
  test_ids();
  test_rfc3339();
  test_signals();
  test_state_files();
  test_journal();
  test_mount_options();
  test_id_maps();
  test_default_spec();
  return unit_finish();
}
