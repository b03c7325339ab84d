/* api.c: API socket clients and the three requests, JSON through yajl. */
#define _GNU_SOURCE
#include "api.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "fwd.h"
#include "loop.h"

#define MAX_REQUEST 65536

struct client {
  struct handler h;
  int fd;
  size_t len;
  char buf[MAX_REQUEST];
};

static const struct options *opts;
static struct handler listen_handler;
static int listen_fd = -1;
static int dir_fd = -1;
static char *base_name;

static void gen_str(yajl_gen g, const char *s) { yajl_gen_string(g, (const unsigned char *)s, strlen(s)); }

static void gen_error(yajl_gen g, const char *desc) {
  yajl_gen_map_open(g);
  gen_str(g, "error");
  yajl_gen_map_open(g);
  gen_str(g, "desc");
  gen_str(g, desc);
  yajl_gen_map_close(g);
  yajl_gen_map_close(g);
}

static void gen_return_open(yajl_gen g) {
  yajl_gen_map_open(g);
  gen_str(g, "return");
  yajl_gen_map_open(g);
}

static void gen_return_close(yajl_gen g) {
  yajl_gen_map_close(g);
  yajl_gen_map_close(g);
}

static yajl_val arg(yajl_val args, const char *name) {
  const char *path[] = {name, NULL};
  return args ? yajl_tree_get(args, path, yajl_t_any) : NULL;
}

/* A port argument: integer 1..65535 (numeric strings too, as some clients send). */
static int port_arg(yajl_val args, const char *name, const char **why) {
  yajl_val v = arg(args, name);
  long long p = -1;
  if (YAJL_IS_INTEGER(v)) p = YAJL_GET_INTEGER(v);
  else if (YAJL_IS_STRING(v)) p = parse_port(YAJL_GET_STRING(v));
  if (p < 1 || p > 65535) {
    *why = v ? "must be 1..65535" : "is missing";
    return -1;
  }
  return (int)p;
}

static const char *str_arg(yajl_val args, const char *name, const char *def) {
  yajl_val v = arg(args, name);
  if (!v) return def;
  return YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : NULL;
}

static void add_hostfwd(yajl_gen g, yajl_val args) {
  char err[256];
  const char *why = NULL;
  const char *proto = str_arg(args, "proto", "tcp");
  if (!proto || (strcmp(proto, "tcp") && strcmp(proto, "udp"))) return gen_error(g, "proto: expected \"tcp\" or \"udp\"");
  int hport = port_arg(args, "host_port", &why);
  if (hport < 0) {
    snprintf(err, sizeof(err), "host_port %s", why);
    return gen_error(g, err);
  }
  int gport = port_arg(args, "guest_port", &why);
  if (gport < 0) {
    snprintf(err, sizeof(err), "guest_port %s", why);
    return gen_error(g, err);
  }
  char guest_default[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &opts->guest, guest_default, sizeof(guest_default));
  const char *haddr = str_arg(args, "host_addr", "0.0.0.0"), *gaddr = str_arg(args, "guest_addr", guest_default);
  struct addr host, guest;
  if (!haddr || !addr_parse(haddr, hport, &host)) return gen_error(g, "host_addr: expected a numeric IP address");
  if (!gaddr || !addr_parse(gaddr, gport, &guest)) return gen_error(g, "guest_addr: expected a numeric IP address");
  int id = fwd_add(!strcmp(proto, "tcp") ? IPPROTO_TCP : IPPROTO_UDP, &host, &guest, err, sizeof(err));
  if (id < 0) return gen_error(g, err);
  gen_return_open(g);
  gen_str(g, "id");
  yajl_gen_integer(g, id);
  gen_return_close(g);
}

static void list_hostfwd(yajl_gen g) {
  size_t n;
  _cleanup_free_ struct fwd_info *v = fwd_list(&n);
  gen_return_open(g);
  gen_str(g, "entries");
  yajl_gen_array_open(g);
  for (size_t i = 0; i < n; i++) {
    char h[INET6_ADDRSTRLEN];
    yajl_gen_map_open(g);
    gen_str(g, "id");
    yajl_gen_integer(g, v[i].id);
    gen_str(g, "proto");
    gen_str(g, v[i].proto == IPPROTO_TCP ? "tcp" : "udp");
    gen_str(g, "host_addr");
    gen_str(g, addr_host_str(&v[i].host, h, sizeof(h)));
    gen_str(g, "host_port");
    yajl_gen_integer(g, addr_port(&v[i].host));
    gen_str(g, "guest_addr");
    gen_str(g, addr_host_str(&v[i].guest, h, sizeof(h)));
    gen_str(g, "guest_port");
    yajl_gen_integer(g, addr_port(&v[i].guest));
    yajl_gen_map_close(g);
  }
  yajl_gen_array_close(g);
  gen_return_close(g);
}

static void remove_hostfwd(yajl_gen g, yajl_val args) {
  yajl_val id = arg(args, "id");
  if (!YAJL_IS_INTEGER(id)) return gen_error(g, "id: expected an integer");
  if (fwd_remove((int)YAJL_GET_INTEGER(id)) < 0) return gen_error(g, "no forward with that id");
  gen_return_open(g);
  gen_return_close(g);
}

static void request(yajl_gen g, const char *text) {
  char err[256];
  yajl_val tree = yajl_tree_parse(text, err, sizeof(err));
  if (!tree) {
    char *nl = strchr(err, '\n');
    if (nl) *nl = '\0';
    char desc[300];
    snprintf(desc, sizeof(desc), "bad request: %s", err);
    return gen_error(g, desc);
  }
  const char *path_exec[] = {"execute", NULL}, *path_args[] = {"arguments", NULL};
  yajl_val exec = yajl_tree_get(tree, path_exec, yajl_t_string);
  yajl_val args = yajl_tree_get(tree, path_args, yajl_t_any);
  const char *cmd = exec ? YAJL_GET_STRING(exec) : "";
  if (args && !YAJL_IS_OBJECT(args)) gen_error(g, "bad request: arguments must be an object");
  else if (!strcmp(cmd, "add_hostfwd")) add_hostfwd(g, args);
  else if (!strcmp(cmd, "list_hostfwd")) list_hostfwd(g);
  else if (!strcmp(cmd, "remove_hostfwd")) remove_hostfwd(g, args);
  else if (!exec) gen_error(g, "bad request: no \"execute\"");
  else {
    snprintf(err, sizeof(err), "bad request: unknown execute \"%.100s\"", cmd);
    gen_error(g, err);
  }
  yajl_tree_free(tree);
}

static void client_close(struct client *c) {
  loop_del(c->fd);
  close(c->fd);
  c->fd = -1;
  loop_defer_free(c);
}

/* Send the answer in g, a line; frees g. */
static bool send_answer(struct client *c, yajl_gen g) {
  const unsigned char *out;
  size_t len;
  yajl_gen_get_buf(g, &out, &len);
  bool ok = send(c->fd, out, len, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)len &&
            send(c->fd, "\n", 1, MSG_DONTWAIT | MSG_NOSIGNAL) == 1;
  yajl_gen_free(g);
  return ok;
}

/* Answer one request of `len` bytes (the line without its newline); false
 * when the client cannot take the answer.  Any bytes get one answer: a NUL
 * byte is refused here, before anything reads the line as a C string. */
static bool answer(struct client *c, const char *line, size_t len) {
  yajl_gen g = yajl_gen_alloc(NULL);
  if (!g) return false;
  if (memchr(line, '\0', len)) {
    gen_error(g, "bad request: it contains a NUL byte");
  } else {
    _cleanup_free_ char *text = strndup(line, len);
    if (text) request(g, text);
    else gen_error(g, "out of memory");
  }
  return send_answer(c, g);
}

static bool blank(const char *s, size_t len) {
  for (size_t i = 0; i < len; i++)
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') return false;
  return true;
}

static bool answer_error(struct client *c, const char *desc) {
  yajl_gen g = yajl_gen_alloc(NULL);
  if (!g) return false;
  gen_error(g, desc);
  return send_answer(c, g);
}

static void client_event(struct handler *h, uint32_t ev) {
  struct client *c = (struct client *)h;
  if (c->fd < 0) return;
  ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n > 0) c->len += (size_t)n;
  /* lines by length, not as C strings: whatever a line holds, it is one request */
  char *line = c->buf, *nl;
  while ((nl = memchr(line, '\n', c->len - (size_t)(line - c->buf)))) {
    size_t len = (size_t)(nl - line);
    if (!blank(line, len) && !answer(c, line, len)) return client_close(c);
    line = nl + 1;
  }
  c->len -= (size_t)(line - c->buf);
  memmove(c->buf, line, c->len);
  if (n <= 0) {
    /* end of the client's requests: the last one needs no newline */
    if (!blank(c->buf, c->len)) answer(c, c->buf, c->len);
    return client_close(c);
  }
  if (c->len == sizeof(c->buf)) {
    /* no newline in MAX_REQUEST bytes: that request is refused, and the
     * rest of it could not be told from a next one */
    answer_error(c, "request too long");
    client_close(c);
  }
}

static void listen_event(struct handler *h, uint32_t ev) {
  for (;;) {
    int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    struct client *c = malloc(sizeof(*c));
    if (!c) {
      close(fd);
      continue;
    }
    c->h.fn = client_event;
    c->fd = fd;
    c->len = 0;
    if (loop_add(fd, EPOLLIN, &c->h) < 0) {
      close(fd);
      free(c);
    }
  }
}

/* A socket file nobody listens on (a helper that died) may be replaced. */
static bool stale(const struct sockaddr_un *sa) {
  _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  return fd >= 0 && connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0 && errno == ECONNREFUSED;
}

int api_init(const struct options *o, const char *path) {
  opts = o;
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof(sa.sun_path)) {
    errmsg("--api-socket: path longer than %zu bytes", sizeof(sa.sun_path) - 1);
    return -1;
  }
  strcpy(sa.sun_path, path);
  _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    errmsg("--api-socket: %s", strerror(errno));
    return -1;
  }
  int rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
  if (rc < 0 && errno == EADDRINUSE && stale(&sa) && unlink(path) == 0) rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
  if (rc < 0 || listen(fd, 16) < 0) {
    errmsg("--api-socket %s: %s", path, strerror(errno));
    return -1;
  }
  _cleanup_free_ char *d1 = strdup(path), *d2 = strdup(path);
  if (!d1 || !d2 || !(base_name = strdup(basename(d2)))) {
    errmsg("out of memory");
    unlink(path);
    return -1;
  }
  dir_fd = open(dirname(d1), O_PATH | O_DIRECTORY | O_CLOEXEC);
  listen_handler.fn = listen_event;
  if (loop_add(fd, EPOLLIN, &listen_handler) < 0) {
    errmsg("epoll: %s", strerror(errno));
    unlink(path);
    return -1;
  }
  listen_fd = steal_fd(&fd);
  return 0;
}

void api_cleanup(void) {
  if (dir_fd >= 0 && base_name) unlinkat(dir_fd, base_name, 0);
}
