/* sync.c: parent <-> init messages over a SOCK_SEQPACKET pair. */
#define _GNU_SOURCE
#include "sync.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "cleanup.h"

/* One message of N pieces, with one fd attached (SCM_RIGHTS) unless fd < 0. */
static urun_error *send_iov(int sock, struct iovec *iov, size_t n, int fd) {
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  memset(&u, 0, sizeof(u));
  struct msghdr msg = {.msg_iov = iov, .msg_iovlen = n};
  if (fd >= 0) {
    msg.msg_control = u.buf;
    msg.msg_controllen = sizeof(u.buf);
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
  }
  ssize_t w;
  do w = sendmsg(sock, &msg, MSG_NOSIGNAL);
  while (w < 0 && errno == EINTR);
  if (w < 0) return urun_error_errno("send to %s", fd >= 0 ? "peer (with an fd)" : "container init");
  return NULL;
}

urun_error *send_with_fd(int sock, const void *data, size_t len, int fd) {
  struct iovec iov = {.iov_base = (void *)data, .iov_len = len};
  return send_iov(sock, &iov, 1, fd);
}

urun_error *send_fd_to_socket_path(const char *path, const char *label, const void *data, size_t len, int fd) {
  _cleanup_close_ int sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0) return urun_error_errno("%s: socket", label);
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof(addr.sun_path)) return urun_error_new("%s %s: path too long", label, path);
  strcpy(addr.sun_path, path);
  if (connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0) return urun_error_errno("%s %s: connect", label, path);
  /* The fd (a pty master, a seccomp listener) is the container's: only for
   * a listener of the caller's own or root's, never another user's that
   * sits at the path (a socket planted in /tmp, say).  The kernel says who
   * listens, whatever the path resolved to. */
  struct ucred peer;
  socklen_t plen = sizeof(peer);
  if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &peer, &plen) < 0) return urun_error_errno("%s %s: peer", label, path);
  if (peer.uid != geteuid() && peer.uid != 0)
    return urun_error_new("%s %s: its listener runs as uid %u, not as you (uid %u) or root: the container's "
                          "descriptor would go to another user",
                          label, path, (unsigned)peer.uid, (unsigned)geteuid());
  return urun_error_wrap(send_with_fd(sock, data, len, fd), "%s %s", label, path);
}

/* The header of a message; the text (if any) follows it on the wire.  No
 * whole struct sync_msg is built or cleared here: its 64 KiB text buffer
 * would cost a memset and page faults on every message. */
struct sync_header {
  uint32_t type;
  int32_t code;
  int64_t value;
};
_Static_assert(sizeof(struct sync_header) == offsetof(struct sync_msg, fd), "wire header");

urun_error *sync_send(int fd, enum sync_type type, int code, int64_t value, const char *text) {
  struct sync_header h = {.type = type, .code = code, .value = value};
  size_t tlen = text ? strnlen(text, sizeof(((struct sync_msg *)0)->text) - 1) : 0;
  struct iovec iov[3] = {{.iov_base = &h, .iov_len = sizeof(h)},
                         {.iov_base = (void *)text, .iov_len = tlen},
                         {.iov_base = "", .iov_len = 1}};
  return send_iov(fd, iov, text ? 3 : 1, -1);
}

urun_error *sync_send_fd(int sock, enum sync_type type, int fd) {
  struct sync_header h = {.type = type};
  return send_with_fd(sock, &h, sizeof(h), fd);
}

urun_error *sync_recv(int fd, struct sync_msg *ret) {
  ret->fd = -1;
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  struct iovec iov[2] = {{.iov_base = ret, .iov_len = sizeof(struct sync_header)},
                         {.iov_base = ret->text, .iov_len = sizeof(ret->text)}};
  struct msghdr msg = {.msg_iov = iov, .msg_iovlen = 2, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
  ssize_t r;
  do r = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
  while (r < 0 && errno == EINTR);
  struct cmsghdr *c = r > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
  if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) memcpy(&ret->fd, CMSG_DATA(c), sizeof(int));
  if (r < 0) return urun_error_errno("sync with container init");
  if (r == 0) return urun_error_new("container init exited during setup");
  if ((size_t)r < sizeof(struct sync_header)) return urun_error_new("sync: short message");
  /* the text is what came, ended here whatever the sender sent */
  size_t tlen = (size_t)r - sizeof(struct sync_header);
  ret->text[tlen < sizeof(ret->text) ? tlen : sizeof(ret->text) - 1] = '\0';
  return NULL;
}

urun_error *sync_expect(int fd, enum sync_type type, struct sync_msg *ret) {
  struct sync_msg local;
  struct sync_msg *m = ret ? ret : &local;
  TRY(sync_recv(fd, m));
  if (m->type == SYNC_ERROR) return urun_error_code(m->code, "%s", m->text);
  if (m->type != type) return urun_error_new("sync: unexpected message %u (wanted %u)", m->type, type);
  return NULL;
}

void sync_send_error(int fd, const urun_error *e) {
  urun_error *s = sync_send(fd, SYNC_ERROR, e->code, 0, e->message);
  urun_error_free(s);
}
