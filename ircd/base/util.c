/* util.c - allocation wrappers and small string helpers. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"

time_t now;
uint64_t now_ms;

void
clock_update(void)
{
	struct timespec ts;

	now = time(NULL);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
oom(size_t size)
{
	log_fatal("out of memory allocating %zu bytes", size);
}

void *
xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	if (p == NULL)
		oom(size);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (p == NULL)
		oom(nmemb * size);
	return p;
}

void *
xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);
	if (p == NULL)
		oom(size);
	return p;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

size_t
str_copy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);
	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

int
str_to_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

void
str_truncate_utf8(char *s, size_t max)
{
	size_t len = strlen(s);
	if (len <= max)
		return;
	/* Step back over continuation bytes so no code point is split. */
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	s[max] = '\0';
}

/* The length of the well-formed UTF-8 sequence at p, or 0 when it is not one. */
static size_t
utf8_seq_len(const unsigned char *p, const unsigned char *end)
{
	unsigned c = *p, cp;
	size_t n;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		n = 1, cp = c & 0x1F;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 2, cp = c & 0x0F;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 3, cp = c & 0x07;
	else
		return 0;
	if ((size_t)(end - p) <= n)
		return 0;
	for (size_t i = 1; i <= n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	/* Overlong forms, surrogates and values past U+10FFFF. */
	if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n + 1;
}

int
utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		size_t n;
		uint64_t word;

		/* Most text is ASCII: eight bytes at a time while no high bit is set. */
		if (end - p >= 8) {
			memcpy(&word, p, sizeof(word));
			if ((word & 0x8080808080808080ull) == 0) {
				p += 8;
				continue;
			}
		}
		n = utf8_seq_len(p, end);
		if (n == 0)
			return 0;
		p += n;
	}
	return 1;
}

size_t
utf8_repair(char *s, size_t len)
{
	unsigned char *p = (unsigned char *)s, *end = p + len;
	size_t fixed = 0;

	while (p < end) {
		size_t n = utf8_seq_len(p, end);
		if (n == 0) {
			*p = '?';
			n = 1;
			fixed++;
		}
		p += n;
	}
	return fixed;
}

long
process_rss_bytes(void)
{
	long total = 0, rss = 0;
	FILE *fp = fopen("/proc/self/statm", "re");

	if (fp == NULL)
		return 0;
	if (fscanf(fp, "%ld %ld", &total, &rss) != 2)
		rss = 0;
	fclose(fp);
	return rss * sysconf(_SC_PAGESIZE);
}

int
mkdir_parents(const char *path, unsigned mode)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	int r = 0;

	if (slash == NULL || slash == dir) {
		free(dir);
		return 0;
	}
	*slash = '\0';
	for (char *p = dir + 1; r == 0; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char c = *p;
		*p = '\0';
		if (mkdir(dir, (mode_t)mode) != 0 && errno != EEXIST)
			r = -1;
		*p = c;
		if (c == '\0')
			break;
	}
	free(dir);
	return r;
}
