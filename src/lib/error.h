/* error.h: the one error type of urun.
 *
 * A function that can fail returns `urun_error *`: NULL is success, anything
 * else is an error that the caller either handles (and frees) or passes up,
 * usually with context added by urun_error_wrap().  Library code never prints;
 * the command line prints the final error once, e.g.
 *   urun: create "web": mount "/proc": Operation not permitted
 */
#ifndef URUN_ERROR_H
#define URUN_ERROR_H

#include <stdarg.h>

typedef struct urun_error {
  int code;     /* errno value, 0 when the error is not a system error */
  char *message; /* context chain and message, without the errno text */
} urun_error;

/* An error with a message only (code 0). */
urun_error *urun_error_new(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* An error carrying `code` (an errno value); printed as "message: strerror". */
urun_error *urun_error_code(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same as urun_error_code(errno, ...), errno read before anything else. */
urun_error *urun_error_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
urun_error *urun_error_vcode(int code, const char *fmt, va_list ap);
/* Prefix context: "context: old message".  Returns e; NULL stays NULL. */
urun_error *urun_error_wrap(urun_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The full text: message plus ": strerror(code)" when code != 0.  Caller frees. */
char *urun_error_text(const urun_error *e);
void urun_error_free(urun_error *e);

static inline void urun_error_freep(urun_error **e) { if (*e) urun_error_free(*e); }
#define _cleanup_error_ __attribute__((cleanup(urun_error_freep)))

/* Propagate: `TRY(f(x));` returns the error of f upward unchanged. */
#define TRY(expr) do { urun_error *try_err__ = (expr); if (try_err__) return try_err__; } while (0)

#endif
