/* seccomp_cache.c: see seccomp_cache.h. */
#define _GNU_SOURCE
#include "seccomp_cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"

#define CACHE_DIR ".seccomp-cache"
#define CACHE_MAX_ENTRIES 32
/* 2: programs are binary trees (seccomp_filter.c); 3: the ENOSYS stub */
#define MAGIC "urun-seccomp-cache 3\n"

/* A growing byte buffer for the key. */
struct buf {
  char *data;
  size_t len, cap;
  bool failed;
};

static void put(struct buf *b, const void *p, size_t n) {
  if (b->failed) return;
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 4096;
    while (cap < b->len + n) cap *= 2;
    char *d = realloc(b->data, cap);
    if (!d) {
      b->failed = true;
      return;
    }
    b->data = d;
    b->cap = cap;
  }
  memcpy(b->data + b->len, p, n);
  b->len += n;
}

static void put_u64(struct buf *b, uint64_t v) { put(b, &v, sizeof(v)); }

/* Length-prefixed, so ["ab","c"] and ["a","bc"] differ; NULL differs from "". */
static void put_str(struct buf *b, const char *s) {
  put_u64(b, s ? strlen(s) + 1 : 0);
  if (s) put(b, s, strlen(s));
}

static void put_list(struct buf *b, const struct str_list *l) {
  put_u64(b, l->len);
  for (size_t i = 0; i < l->len; i++) put_str(b, l->items[i]);
}

/* Everything that shapes the program: not listenerPath/listenerMetadata. */
static void make_key(const struct spec_seccomp *s, struct buf *b) {
  const struct scmp_version *v = seccomp_version();
  put(b, MAGIC, strlen(MAGIC));
  put_u64(b, v ? ((uint64_t)v->major << 32 | v->minor << 16 | v->micro) : 0);
  put_str(b, s->default_action);
  put_u64(b, s->has_default_errno_ret ? (uint64_t)s->default_errno_ret + 1 : 0);
  put_list(b, &s->architectures);
  put_list(b, &s->flags);
  put_u64(b, s->syscalls_len);
  for (size_t i = 0; i < s->syscalls_len; i++) {
    const struct spec_seccomp_syscall *c = &s->syscalls[i];
    put_list(b, &c->names);
    put_str(b, c->action);
    put_u64(b, c->has_errno_ret ? (uint64_t)c->errno_ret + 1 : 0);
    put_u64(b, c->args_len);
    for (size_t j = 0; j < c->args_len; j++) {
      put_u64(b, c->args[j].index);
      put_u64(b, c->args[j].value);
      put_u64(b, c->args[j].has_value_two ? 1 : 0);
      put_u64(b, c->args[j].value_two);
      put_str(b, c->args[j].op);
    }
  }
}

/* FNV-1a: only picks the file; the key inside decides. */
static uint64_t fnv1a(const char *p, size_t n) {
  uint64_t h = 14695981039346656037ULL;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
  return h;
}

/* Ours alone: owned by us, writable by nobody else. */
static bool private_to_us(int fd) {
  struct stat st;
  return fstat(fd, &st) == 0 && st.st_uid == geteuid() && !(st.st_mode & (S_IWGRP | S_IWOTH));
}

static int open_cache_dir(int root_fd) {
  if (mkdirat(root_fd, CACHE_DIR, 0700) < 0 && errno != EEXIST) return -1;
  int fd = openat(root_fd, CACHE_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd >= 0 && !private_to_us(fd)) {
    close(fd);
    errno = EPERM;
    return -1;
  }
  return fd;
}

struct header {
  uint64_t key_len;
  uint64_t insns;
  uint32_t flags;
  uint32_t notify;
};

static bool lookup(int dir, const char *name, const struct buf *key, struct seccomp_program *ret) {
  _cleanup_close_ int fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || !private_to_us(fd) || fstat(fd, &st) < 0 || st.st_size > (1 << 20)) return false;
  size_t len = (size_t)st.st_size;
  _cleanup_free_ char *data = malloc(len ? len : 1);
  if (!data || pread(fd, data, len, 0) != (ssize_t)len) return false;
  struct header h;
  if (len < sizeof(h)) return false;
  memcpy(&h, data, sizeof(h));
  if (h.key_len != key->len || h.insns == 0 || h.insns > BPF_MAXINSNS ||
      len != sizeof(h) + h.key_len + h.insns * sizeof(struct sock_filter) ||
      memcmp(data + sizeof(h), key->data, key->len) != 0)
    return false;
  size_t size = h.insns * sizeof(struct sock_filter);
  ret->filter = malloc(size);
  if (!ret->filter) return false;
  memcpy(ret->filter, data + sizeof(h) + h.key_len, size);
  ret->len = h.insns;
  ret->flags = h.flags;
  ret->notify = h.notify != 0;
  return true;
}

/* Bounded: past CACHE_MAX_ENTRIES files, the others go. */
static void prune(int dir, const char *keep) {
  _cleanup_close_ int d = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *dp = d >= 0 ? fdopendir(d) : NULL;
  if (!dp) return;
  d = -1; /* owned by dp now */
  size_t n = 0;
  struct dirent *de;
  while ((de = readdir(dp))) n += de->d_name[0] != '.';
  if (n > CACHE_MAX_ENTRIES) {
    rewinddir(dp);
    while ((de = readdir(dp)))
      if (de->d_name[0] != '.' && strcmp(de->d_name, keep)) unlinkat(dirfd(dp), de->d_name, 0);
  }
  closedir(dp);
}

static void store(int dir, const char *name, const struct buf *key, const struct seccomp_program *p) {
  char tmp[64];
  snprintf(tmp, sizeof(tmp), ".%s.%d", name, (int)getpid());
  _cleanup_close_ int fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return;
  struct header h = {.key_len = key->len, .insns = p->len, .flags = p->flags, .notify = p->notify};
  size_t size = p->len * sizeof(struct sock_filter);
  bool ok = write(fd, &h, sizeof(h)) == (ssize_t)sizeof(h) && write(fd, key->data, key->len) == (ssize_t)key->len &&
            write(fd, p->filter, size) == (ssize_t)size;
  /* rename: a reader sees a whole file or none */
  if (!ok || renameat(dir, tmp, dir, name) < 0) {
    unlinkat(dir, tmp, 0);
    return;
  }
  prune(dir, name);
}

urun_error *seccomp_compile_cached(const struct spec_seccomp *s, int root_fd, struct seccomp_program *ret) {
  memset(ret, 0, sizeof(*ret));
  if (!s->present) return NULL;
  struct buf key = {0};
  make_key(s, &key);
  _cleanup_close_ int dir = key.failed || root_fd < 0 ? -1 : open_cache_dir(root_fd);
  char name[32];
  snprintf(name, sizeof(name), "%016llx", (unsigned long long)fnv1a(key.data, key.len));
  if (dir >= 0 && lookup(dir, name, &key, ret)) {
    log_debug("seccomp: filter %s from the cache (%zu instructions)", name, ret->len);
    free(key.data);
    return NULL;
  }
  urun_error *e = seccomp_compile(s, ret);
  if (!e && dir >= 0) store(dir, name, &key, ret);
  free(key.data);
  return e;
}
