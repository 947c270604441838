/* util.h - allocation wrappers, string helpers and the error idiom. */
#ifndef EVIRCD_UTIL_H
#define EVIRCD_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/*
 * The one error idiom: functions that can fail return 0 on success and -1
 * on failure; command handlers return irc_result_t.  Allocation never fails
 * from the caller's point of view: x*alloc aborts on OOM, as OpenSMTPD does.
 */
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define UNUSED __attribute__((unused))
#define PRINTF(f, a) __attribute__((format(printf, f, a)))

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Copy with truncation; always NUL-terminates; returns strlen(src). */
size_t str_copy(char *dst, const char *src, size_t size);
/* Parse a whole decimal string into [min, max]; 0 on success. */
int str_to_long(const char *s, long min, long max, long *out);
/* Truncate s in place to at most max bytes without splitting a UTF-8 sequence. */
void str_truncate_utf8(char *s, size_t max);

/* 1 when s[0..len) is well-formed UTF-8 (no overlongs or surrogates). */
int utf8_valid(const char *s, size_t len);
/* Each byte of s that is not part of well-formed UTF-8 becomes '?' (same length); how many. */
size_t utf8_repair(char *s, size_t len);

/* Make the folders above the file path (mkdir -p of its folder); 0 on success. */
int mkdir_parents(const char *path, unsigned mode);

/* This process's resident set size in bytes (0 if unknown). */
long process_rss_bytes(void);

/* Wall-clock seconds, cached once per loop iteration by the reactor. */
extern time_t now;
/* Monotonic milliseconds, cached alongside now. */
extern uint64_t now_ms;
void clock_update(void);

#endif
