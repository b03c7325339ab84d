/* options.c: parse urun-fuse-overlay's command line: the options that
 * containers/storage passes to fuse-overlayfs, and the usual FUSE ones. */
#define _GNU_SOURCE
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helper_util.h"
#include "kvopts.h"

static void usage(void) {
  printf("Usage: " PROG " -o lowerdir=A[:B...][,upperdir=U,workdir=W][,OPTIONS] MOUNTPOINT\n"
         "Mount the overlay of the lower directories (A on top) and the writable upper\n"
         "directory at MOUNTPOINT, in the on-disk format of the kernel's overlayfs.\n"
         "Without upperdir the mount is read-only.\n\n"
         "  -f                      stay in the foreground\n"
         "  -d                      foreground, and log every FUSE request\n"
         "  -o uidmapping=C:H:N[:C:H:N...]  show stored id C+i as H+i (gidmapping= likewise)\n"
         "  -o squash_to_root | squash_to_uid=N | squash_to_gid=N   show every file as owned by that id\n"
         "  -o static_nlink         directories show a link count of 1\n"
         "  -o timeout=S            cache entries and attributes for S seconds (default 1)\n"
         "  -o fsync=0 | volatile   skip fsync\n"
         "  -o threaded=0           serve every request on one thread (default 1: fsync and large\n"
         "                          writes on up to 8 more, so they hold up no other request)\n"
         "  -o noacl, xattr_permissions=0, context=...   accepted (see urun-fuse-overlay(1))\n"
         "  -o ro, allow_other, allow_root, nosuid, nodev, noexec, noatime, ...  FUSE mount options\n");
}

static void append_fuse_opt(struct options *o, const char *key, const char *value) {
  size_t len = strlen(o->fuse_opts);
  int n = snprintf(o->fuse_opts + len, sizeof(o->fuse_opts) - len, "%s%s%s%s", len ? "," : "", key,
                   value ? "=" : "", value ? value : "");
  if (n < 0 || (size_t)n >= sizeof(o->fuse_opts) - len) die("-o: too many FUSE mount options");
}

static long number(const char *key, const char *value, long min, long max) {
  char *end;
  errno = 0;
  long v = value ? strtol(value, &end, 10) : 0;
  if (!value || errno || end == value || *end || v < min || v > max)
    die("-o %s: expected a number %ld..%ld, got '%s'", key, min, max, value ? value : "");
  return v;
}

static char **split_lowers(const char *s, size_t *n) {
  char *copy = strdup(s);
  if (!copy) die("out of memory");
  size_t cap = 1;
  for (const char *p = s; *p; p++) cap += *p == ':';
  char **v = calloc(cap + 1, sizeof(*v));
  if (!v) die("out of memory");
  size_t k = 0;
  for (char *save = NULL, *t = strtok_r(copy, ":", &save); t; t = strtok_r(NULL, ":", &save)) v[k++] = t;
  if (k == 0) die("-o lowerdir: expected at least one directory");
  *n = k;
  return v;
}

/* Options without a value that the kernel mount takes as they are. */
static const char *const fuse_flags[] = {
    "allow_other", "allow_root", "nosuid", "suid", "nodev", "dev", "noexec", "exec", "noatime", "atime",
    "relatime", "norelatime", "strictatime", "nodiratime", "diratime", "sync", "async", "dirsync", "rw",
    "default_permissions", "auto_unmount", NULL,
};

static int one_option(const char *key, const char *value, void *arg) {
  struct options *o = arg;
  if (!strcmp(key, "lowerdir") && value) {
    o->lowers = split_lowers(value, &o->nlowers);
  } else if (!strcmp(key, "upperdir") && value && *value) {
    if (!(o->upperdir = strdup(value))) die("out of memory");
  } else if (!strcmp(key, "workdir") && value && *value) {
    if (!(o->workdir = strdup(value))) die("out of memory");
  } else if (!strcmp(key, "uidmapping") || !strcmp(key, "gidmapping")) {
    struct idmap *m = key[0] == 'u' ? &o->uidmap : &o->gidmap;
    const char *why = idmap_parse(value ? value : "", m);
    if (why) die("-o %s=%s: %s", key, value ? value : "", why);
  } else if (!strcmp(key, "squash_to_root") && !value) {
    o->squash_to_root = true;
  } else if (!strcmp(key, "squash_to_uid")) {
    o->squash_uid = number(key, value, 0, 0xfffffffe);
  } else if (!strcmp(key, "squash_to_gid")) {
    o->squash_gid = number(key, value, 0, 0xfffffffe);
  } else if (!strcmp(key, "static_nlink") && !value) {
    o->static_nlink = true;
  } else if (!strcmp(key, "noacl") && !value) {
    o->noacl = true;
  } else if (!strcmp(key, "fsync")) {
    o->no_fsync = number(key, value, 0, 1) == 0;
  } else if (!strcmp(key, "threaded")) {
    o->threaded = number(key, value, 0, 1) == 1;
  } else if (!strcmp(key, "volatile") && !value) {
    o->no_fsync = true;
  } else if (!strcmp(key, "timeout")) {
    char *end;
    errno = 0;
    double t = value ? strtod(value, &end) : -1;
    if (!value || errno || end == value || *end || t < 0 || t > 1e9) die("-o timeout: expected seconds, got '%s'", value ? value : "");
    o->timeout = t;
  } else if (!strcmp(key, "xattr_permissions")) {
    if (number(key, value, 0, 2) != 0)
      die("-o xattr_permissions=%s: not supported (permissions are kept in the files' own modes)", value);
  } else if (!strcmp(key, "context") || !strcmp(key, "fscontext") || !strcmp(key, "defcontext") ||
             !strcmp(key, "rootcontext")) {
    /* a FUSE mount has no SELinux context of its own to set: ignored */
  } else if (!strcmp(key, "ro") && !value) {
    o->readonly = true;
    append_fuse_opt(o, key, NULL);
  } else if ((!strcmp(key, "fsname") || !strcmp(key, "subtype") || !strcmp(key, "max_read")) && value) {
    append_fuse_opt(o, key, value);
  } else {
    for (size_t i = 0; fuse_flags[i]; i++)
      if (!strcmp(key, fuse_flags[i]) && !value) {
        append_fuse_opt(o, key, NULL);
        return 0;
      }
    die("-o %s%s%s: unknown option (see --help)", key, value ? "=" : "", value ? value : "");
  }
  return 0;
}

void options_parse(struct options *o, int argc, char **argv) {
  memset(o, 0, sizeof(*o));
  o->squash_uid = o->squash_gid = -1;
  o->timeout = 1.0;
  /* one thread reads and serves; only long requests go to workers (loop.c) */
  o->threaded = true;
  static const struct option longopts[] = {
      {"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'V'}, {0, 0, 0, 0}};
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, ":hVfdo:", longopts, NULL)) != -1) {
    switch (c) {
    case 'h': usage(); exit(0);
    case 'V': printf(PROG " version " PROG_VERSION "\n"); exit(0);
    case 'f': o->foreground = true; break;
    case 'd': o->foreground = o->debug = true; break;
    case 'o':
      if (kvopts_parse(optarg, one_option, o) < 0) die("out of memory");
      break;
    case ':': die("%s: missing argument", argv[optind - 1]);
    default:
      if (optopt && optopt < 256 && optopt != '?') die("unknown option -%c (see --help)", optopt);
      die("unknown option %s (see --help)", argv[optind - 1]);
    }
  }
  if (argc - optind != 1) die("expected one MOUNTPOINT after the options (see --help)");
  o->mountpoint = argv[optind];
  if (!o->lowers) die("-o lowerdir=: required");
  if (!!o->upperdir != !!o->workdir) die("-o upperdir= and workdir= go together");
  if (!o->upperdir) o->readonly = true;
  if (o->squash_to_root) o->squash_uid = o->squash_gid = 0;
}
