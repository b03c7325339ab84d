/* rfc3339.h: UTC timestamps as the runtime-spec state and logs write them. */
#ifndef URUN_RFC3339_H
#define URUN_RFC3339_H

#include <stddef.h>
#include <time.h>

#define RFC3339_LEN 64

/* "2006-01-02T15:04:05.999999999Z" into buf (RFC3339_LEN bytes). */
void rfc3339_format(const struct timespec *ts, char buf[RFC3339_LEN]);

#endif
