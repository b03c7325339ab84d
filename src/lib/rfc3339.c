/* rfc3339.c: see rfc3339.h.
 *
 * gmtime_r would do, but glibc loads /etc/localtime on a process's first
 * call even for UTC: a file read and a dozen freshly touched pages on
 * create's path, for a date that needs only arithmetic. */
#include "rfc3339.h"

#include <stdint.h>
#include <stdio.h>

/* Proleptic Gregorian date of a day count since 1970-01-01, by 400-year
 * eras of 146097 days that start on March 1st (the leap day ends a year). */
static void civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d) {
  days += 719468; /* from 0000-03-01 */
  int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  unsigned doe = (unsigned)(days - era * 146097);                      /* [0, 146096] */
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
  unsigned mp = (5 * doy + 2) / 153;                                    /* March = 0 */
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

void rfc3339_format(const struct timespec *ts, char buf[RFC3339_LEN]) {
  int64_t secs = ts->tv_sec;
  int64_t days = (secs >= 0 ? secs : secs - 86399) / 86400;
  unsigned sod = (unsigned)(secs - days * 86400);
  int64_t y;
  unsigned m, d;
  civil_from_days(days, &y, &m, &d);
  snprintf(buf, RFC3339_LEN, "%04lld-%02u-%02uT%02u:%02u:%02u.%09ldZ", (long long)y, m, d, sod / 3600,
           sod / 60 % 60, sod % 60, ts->tv_nsec);
}
