/* spec.c: `urun spec` - write a default config.json into a bundle. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "cleanup.h"
#include "cmd.h"
#include "fsutil.h"
#include "spec_default.h"

urun_error *cmd_spec(const struct global_options *g, int argc, char **argv, int *exit_code) {
  static const struct option longopts[] = {{"bundle", required_argument, NULL, 'b'},
                                           {"rootless", no_argument, NULL, 'r'},
                                           {"help", no_argument, NULL, 'h'},
                                           {0}};
  const char *bundle = ".";
  /* A caller without privileges gets a config it can run. */
  bool rootless = !running_as_real_root();
  int opt;
  optind = 0;
  while ((opt = getopt_long(argc, argv, "+b:h", longopts, NULL)) != -1) {
    switch (opt) {
    case 'b': bundle = optarg; break;
    case 'r': rootless = true; break;
    case 'h': printf("Usage: urun spec [-b|--bundle DIR] [--rootless]\n"); return NULL;
    default: return urun_error_new("spec: unknown option (see `urun spec --help`)");
    }
  }
  if (optind != argc) return urun_error_new("spec: takes no arguments");
  _cleanup_close_ int dirfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0) return urun_error_errno("spec: bundle %s", bundle);
  if (faccessat(dirfd, "config.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
    return urun_error_new("spec: %s/config.json exists: remove it first", bundle);
  _cleanup_free_ char *json = NULL;
  size_t len;
  TRY(spec_default_json(rootless, &json, &len));
  _cleanup_close_ int fd = openat(dirfd, "config.json", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return urun_error_errno("spec: create %s/config.json", bundle);
  if (write(fd, json, len) != (ssize_t)len) return urun_error_errno("spec: write %s/config.json", bundle);
  return NULL;
}
