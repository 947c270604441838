/* line.c - framing input into lines and serializing output lines. */
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "base/bounds.h"
#include "net/line.h"

/*
 * Where the line starting at s ends: the first LF, or the first CR, so a
 * bare CR cannot smuggle a second line through to other clients (as most
 * servers do, a bare CR ends the line).  A CR as the last byte waits for the
 * next one, which may be its LF.  NULL when no line is complete.
 */
static char *
line_end(char *s, size_t n)
{
	char *nl = memchr(s, '\n', n);
	char *cr = memchr(s, '\r', nl != NULL ? (size_t)(nl - s) : n);

	if (cr == NULL)
		return nl;
	if (cr + 1 == s + n)
		return NULL;
	return cr;
}

int
line_complete(const char *buf, size_t len)
{
	return line_end((char *)buf, len) != NULL;
}

size_t
line_frame(char *buf, size_t len, line_cb on_line, void *arg)
{
	size_t pos = 0;

	while (pos < len) {
		char *start = buf + pos;
		char *end = line_end(start, len - pos);
		size_t linelen, next;
		char cut;
		enum line_action act;

		if (end == NULL)
			break;
		linelen = (size_t)(end - start);
		next = pos + linelen + 1;
		if (*end == '\r' && buf[next] == '\n')
			next++;
		cut = *end;
		*end = '\0';
		act = on_line(arg, start, linelen);
		if (act == LINE_DEFER) {
			*end = cut;
			break;
		}
		pos = next;
		if (act == LINE_STOP)
			break;
	}
	return pos;
}

/* Shorten s[0..n) so it does not end inside a UTF-8 sequence. */
static size_t
utf8_cut(const char *s, size_t n)
{
	size_t lead = n;
	unsigned char c;
	size_t need;

	while (lead > 0 && ((unsigned char)s[lead - 1] & 0xC0) == 0x80 && n - lead < 3)
		lead--;
	if (lead == 0)
		return n;
	c = (unsigned char)s[lead - 1];
	if (c < 0xC0)
		return n; /* ASCII or stray continuation bytes: nothing to repair */
	need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
	return (n - (lead - 1) < need) ? lead - 1 : n;
}

/* Bytes appended to out[n..size), never past it; n grows as if they all fit. */
static size_t
put(char *out, size_t n, size_t size, const char *s, size_t len)
{
	if (n < size)
		memcpy(out + n, s, len < size - n ? len : size - n);
	return n + len;
}

static size_t
put_unsigned(char *out, size_t n, size_t size, unsigned long long v, int negative)
{
	char digits[24];
	size_t i = sizeof(digits);

	do
		digits[--i] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	if (negative)
		digits[--i] = '-';
	return put(out, n, size, digits + i, sizeof(digits) - i);
}

static size_t
put_signed(char *out, size_t n, size_t size, long long v)
{
	return put_unsigned(
	    out, n, size, v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v, v < 0);
}

/*
 * printf for what IRC lines are made of (%s %c %d %i %u, with l, ll or z,
 * and %%), several times faster than glibc's; -1 for anything else (width,
 * precision, other conversions), which the caller hands to vsnprintf.
 */
static long
fast_vformat(char *out, size_t size, const char *fmt, va_list ap)
{
	size_t n = 0;
	const char *s;
	char ch;

	for (;;) {
		const char *pct = strchr(fmt, '%');
		size_t lit = pct != NULL ? (size_t)(pct - fmt) : strlen(fmt);
		int longs = 0, size_t_arg = 0;

		n = put(out, n, size, fmt, lit);
		if (pct == NULL)
			break;
		fmt = pct + 1;
		while (*fmt == 'l' && longs < 2)
			longs++, fmt++;
		if (longs == 0 && *fmt == 'z')
			size_t_arg = 1, fmt++;
		switch (*fmt++) {
		case 's':
			if (longs || size_t_arg)
				return -1;
			if ((s = va_arg(ap, const char *)) == NULL)
				s = "(null)"; /* as glibc prints it */
			n = put(out, n, size, s, strlen(s));
			break;
		case 'c':
			if (longs || size_t_arg)
				return -1;
			ch = (char)va_arg(ap, int);
			n = put(out, n, size, &ch, 1);
			break;
		case 'd':
		case 'i':
			n = put_signed(out, n, size,
			               size_t_arg   ? (long long)va_arg(ap, ssize_t)
			               : longs == 2 ? va_arg(ap, long long)
			               : longs == 1 ? va_arg(ap, long)
			                            : va_arg(ap, int));
			break;
		case 'u':
			n = put_unsigned(out, n, size,
			                 size_t_arg   ? va_arg(ap, size_t)
			                 : longs == 2 ? va_arg(ap, unsigned long long)
			                 : longs == 1 ? va_arg(ap, unsigned long)
			                              : va_arg(ap, unsigned),
			                 0);
			break;
		case '%':
			if (longs || size_t_arg)
				return -1;
			n = put(out, n, size, "%", 1);
			break;
		default: return -1;
		}
	}
	if (size > 0)
		out[n < size ? n : size - 1] = '\0';
	return (long)n;
}

size_t
line_vformat(char *out, const char *prefix, const char *fmt, va_list ap)
{
	size_t max = OUT_LINE_MAX - 2;
	size_t n = 0;
	long r;
	va_list again;

	if (prefix != NULL) {
		n = str_copy(out, prefix, max + 1);
		if (n > max)
			n = max;
	}
	va_copy(again, ap);
	r = fast_vformat(out + n, max + 1 - n, fmt, ap);
	if (r < 0)
		r = vsnprintf(out + n, max + 1 - n, fmt, again);
	va_end(again);
	if (r > 0)
		n += (size_t)r;
	if (n > max)
		n = utf8_cut(out, max);
	out[n++] = '\r';
	out[n++] = '\n';
	out[n] = '\0';
	return n;
}

size_t
line_format(char *out, const char *prefix, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = line_vformat(out, prefix, fmt, ap);
	va_end(ap);
	return n;
}
