/* line.c - framing input into lines and serializing output lines. */
#include <stdio.h>
#include <string.h>

#include "bounds.h"
#include "line.h"

size_t
line_frame(char *buf, size_t len, line_cb on_line, void *arg)
{
	size_t pos = 0;

	while (pos < len) {
		char *start = buf + pos;
		char *nl = memchr(start, '\n', len - pos);
		size_t linelen;
		char cut;
		enum line_action act;

		if (nl == NULL)
			break;
		linelen = (size_t)(nl - start);
		if (linelen > 0 && start[linelen - 1] == '\r')
			linelen--;
		cut = start[linelen];
		start[linelen] = '\0';
		act = on_line(arg, start, linelen);
		if (act == LINE_DEFER) {
			start[linelen] = cut;
			break;
		}
		pos = (size_t)(nl - buf) + 1;
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

size_t
line_vformat(char *out, const char *prefix, const char *fmt, va_list ap)
{
	size_t max = OUT_LINE_MAX - 2;
	size_t n = 0;
	int r;

	if (prefix != NULL) {
		n = str_copy(out, prefix, max + 1);
		if (n > max)
			n = max;
	}
	r = vsnprintf(out + n, max + 1 - n, fmt, ap);
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
