/* testprog: a tiny static program placed in test bundles.  With no
 * arguments (or "info") it prints, as one JSON object, what it sees of its
 * world; other modes help lifecycle tests:
 *   exit N | sleep SECONDS | signal-wait | cat FILE | write FILE TEXT | fds */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "tools.h"

extern char **environ;

static void json_str(const char *s) {
  putchar('"');
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\') printf("\\%c", *p);
    else if (*p == '\n') printf("\\n");
    else if (*p == '\t') printf("\\t");
    else if (*p < 0x20) printf("\\u%04x", *p);
    else putchar(*p);
  }
  putchar('"');
}

static void key(const char *k, int *first) {
  if (!*first) putchar(',');
  *first = 0;
  json_str(k);
  putchar(':');
}

static char *slurp(const char *path) {
  static char buf[65536];
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NULL;
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  if (n < 0) return NULL;
  buf[n] = '\0';
  return buf;
}

static void file_field(const char *k, const char *path, int *first) {
  key(k, first);
  char *s = slurp(path);
  if (s) json_str(s);
  else printf("null");
}

static void status_field(const char *field, int *first) {
  char *s = slurp("/proc/self/status");
  char want[64];
  snprintf(want, sizeof(want), "\n%s:", field);
  char *p = s ? strstr(s, want) : NULL;
  key(field, first);
  if (!p) {
    printf("null");
    return;
  }
  p += strlen(want);
  while (*p == ' ' || *p == '\t') p++;
  char val[128];
  size_t n = strcspn(p, "\n");
  if (n >= sizeof(val)) n = sizeof(val) - 1;
  memcpy(val, p, n);
  val[n] = '\0';
  json_str(val);
}

static void mounts(int *first) {
  key("mounts", first);
  printf("[");
  FILE *f = fopen("/proc/self/mountinfo", "re");
  char line[4096];
  int n = 0;
  while (f && fgets(line, sizeof(line), f)) {
    /* id parent maj:min root target options [optional...] - fstype source superopts */
    char root[1024], target[1024], opts[512], fstype[128], source[1024], super[1024];
    char *dash = strstr(line, " - ");
    if (!dash || sscanf(line, "%*s %*s %*s %1023s %1023s %511s", root, target, opts) != 3) continue;
    if (sscanf(dash + 3, "%127s %1023s %1023s", fstype, source, super) < 2) continue;
    printf("%s{\"target\":", n++ ? "," : "");
    json_str(target);
    printf(",\"fstype\":");
    json_str(fstype);
    printf(",\"source\":");
    json_str(source);
    printf(",\"options\":");
    json_str(opts);
    printf(",\"super\":");
    json_str(super);
    printf("}");
  }
  if (f) fclose(f);
  printf("]");
}

static void rlimits(int *first) {
  static const struct { const char *name; int r; } lim[] = {
      {"RLIMIT_AS", RLIMIT_AS}, {"RLIMIT_CORE", RLIMIT_CORE}, {"RLIMIT_CPU", RLIMIT_CPU},
      {"RLIMIT_DATA", RLIMIT_DATA}, {"RLIMIT_FSIZE", RLIMIT_FSIZE}, {"RLIMIT_LOCKS", RLIMIT_LOCKS},
      {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
      {"RLIMIT_NOFILE", RLIMIT_NOFILE}, {"RLIMIT_NPROC", RLIMIT_NPROC}, {"RLIMIT_RSS", RLIMIT_RSS},
      {"RLIMIT_RTPRIO", RLIMIT_RTPRIO}, {"RLIMIT_RTTIME", RLIMIT_RTTIME},
      {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING}, {"RLIMIT_STACK", RLIMIT_STACK}};
  key("rlimits", first);
  printf("{");
  for (size_t i = 0; i < sizeof(lim) / sizeof(lim[0]); i++) {
    struct rlimit rl;
    getrlimit(lim[i].r, &rl);
    /* unlimited is -1 */
    printf("%s\"%s\":{\"soft\":%lld,\"hard\":%lld}", i ? "," : "", lim[i].name,
           rl.rlim_cur == RLIM_INFINITY ? -1LL : (long long)rl.rlim_cur,
           rl.rlim_max == RLIM_INFINITY ? -1LL : (long long)rl.rlim_max);
  }
  printf("}");
}

static void fds(int *first) {
  key("fds", first);
  printf("[");
  DIR *d = opendir("/proc/self/fd");
  int self = d ? dirfd(d) : -1, n = 0;
  struct dirent *de;
  while (d && (de = readdir(d))) {
    if (de->d_name[0] == '.' || atoi(de->d_name) == self) continue;
    char path[300], target[1024];
    snprintf(path, sizeof(path), "/proc/self/fd/%s", de->d_name);
    ssize_t l = readlink(path, target, sizeof(target) - 1);
    target[l < 0 ? 0 : l] = '\0';
    printf("%s{\"fd\":%s,\"target\":", n++ ? "," : "", de->d_name);
    json_str(target);
    printf("}");
  }
  if (d) closedir(d);
  printf("]");
}

static void namespaces(int *first) {
  static const char *const ns[] = {"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts"};
  key("namespaces", first);
  printf("{");
  for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
    char path[64], target[128];
    snprintf(path, sizeof(path), "/proc/self/ns/%s", ns[i]);
    ssize_t l = readlink(path, target, sizeof(target) - 1);
    target[l < 0 ? 0 : l] = '\0';
    printf("%s\"%s\":", i ? "," : "", ns[i]);
    json_str(target);
  }
  printf("}");
}

static int info(void) {
  int first = 1;
  printf("{");
  key("uid", &first); printf("%u", getuid());
  key("gid", &first); printf("%u", getgid());
  key("euid", &first); printf("%u", geteuid());
  key("egid", &first); printf("%u", getegid());
  gid_t groups[256];
  int ng = getgroups(256, groups);
  key("groups", &first);
  printf("[");
  for (int i = 0; i < ng; i++) printf("%s%u", i ? "," : "", groups[i]);
  printf("]");
  file_field("uid_map", "/proc/self/uid_map", &first);
  file_field("gid_map", "/proc/self/gid_map", &first);
  file_field("setgroups", "/proc/self/setgroups", &first);
  status_field("CapInh", &first);
  status_field("CapPrm", &first);
  status_field("CapEff", &first);
  status_field("CapBnd", &first);
  status_field("CapAmb", &first);
  status_field("NoNewPrivs", &first);
  status_field("Seccomp", &first);
  mounts(&first);
  rlimits(&first);
  struct utsname u;
  uname(&u);
  key("hostname", &first); json_str(u.nodename);
  key("domainname", &first); json_str(u.domainname);
  char cwd[4096];
  key("cwd", &first); json_str(getcwd(cwd, sizeof(cwd)) ? cwd : "");
  mode_t m = umask(0);
  umask(m);
  key("umask", &first); printf("%u", (unsigned)m);
  key("env", &first);
  printf("[");
  for (char **e = environ; *e; e++) {
    if (e != environ) putchar(',');
    json_str(*e);
  }
  printf("]");
  fds(&first);
  namespaces(&first);
  key("pid", &first); printf("%d", getpid());
  key("ppid", &first); printf("%d", getppid());
  char *oom = slurp("/proc/self/oom_score_adj");
  key("oom_score_adj", &first); printf("%d", oom ? atoi(oom) : 0);
  key("personality", &first); printf("%d", personality(0xffffffff));
  file_field("cgroup", "/proc/self/cgroup", &first);
  printf("}\n");
  return 0;
}

static volatile sig_atomic_t got;
static void on_signal(int s) { got = s; }

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  const char *mode = argc > 1 ? argv[1] : "info";
  if (!strcmp(mode, "info")) return info();
  int r = tool_main(mode, argc, argv);
  if (r >= 0) return r;
  if (!strcmp(mode, "exit") && argc > 2) return atoi(argv[2]);
  if (!strcmp(mode, "sleep") && argc > 2) {
    sleep((unsigned)atoi(argv[2]));
    return 0;
  }
  if (!strcmp(mode, "signal-wait")) {
    for (int s = 1; s < 32; s++)
      if (s != SIGKILL && s != SIGSTOP && s != SIGCHLD) signal(s, on_signal);
    printf("ready\n");
    while (!got) pause();
    printf("signal %d\n", (int)got);
    return got == SIGTERM ? 0 : 128 + got;
  }
  if (!strcmp(mode, "cat") && argc > 2) {
    char *s = slurp(argv[2]);
    if (!s) {
      fprintf(stderr, "testprog: %s: %s\n", argv[2], strerror(errno));
      return 1;
    }
    fputs(s, stdout);
    return 0;
  }
  if (!strcmp(mode, "write") && argc > 3) {
    FILE *f = fopen(argv[2], "we");
    if (!f) {
      fprintf(stderr, "testprog: %s: %s\n", argv[2], strerror(errno));
      return 1;
    }
    fputs(argv[3], f);
    return fclose(f) ? 1 : 0;
  }
  fprintf(stderr, "usage: testprog [info|exit N|sleep S|signal-wait|cat F|write F TEXT|console-recv SOCK OUT|\n"
                  "                seccomp-agent SOCK OUT|dgram-recv SOCK|sd-notify TEXT]\n");
  return 2;
}
