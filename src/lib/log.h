/* log.h: where urun's messages go (stderr, --log FILE, text or json). */
#ifndef URUN_LOG_H
#define URUN_LOG_H

#include <stdbool.h>

#include "error.h"

enum log_format { LOG_FORMAT_TEXT, LOG_FORMAT_JSON };

/* Configure once from the global options; path may be NULL (stderr only). */
urun_error *log_setup(const char *path, enum log_format format, bool debug);
bool log_debug_enabled(void);
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Under --debug: "phase NAME at +N.NNN ms" since log_setup, where the time
 * of a start goes (the bench's breakdown). */
void log_phase(const char *name);
void log_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A warning about something urun adjusts as runc and crun do silently: into
 * the log file, on stderr only under --debug. */
void log_quiet_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print the final error of a command once: "urun: <text>" on stderr, and
 * into the log file (as a JSON object in json format). */
void log_final_error(const urun_error *e);
/* The fd of the log file or -1; kept out of containers (O_CLOEXEC). */
int log_fd(void);

#endif
