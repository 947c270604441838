/* fuzz_frame.c - bytes from a client through the framer (ircd/net/line.c) and
 * the parser (ircd/proto/parse.c), then the helpers handlers use on the
 * parsed fields: tag unescaping, comma lists, param_word, and a line built
 * back with line_format.  Checks what the layers above rely on: every
 * framed line is NUL-terminated with no LF inside; every parsed field lies
 * inside the line; a formatted line fits in 512 bytes and ends in CRLF. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/bounds.h"
#include "net/line.h"
#include "proto/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_inside(const char *field, const char *line, size_t len)
{
	if (field == NULL)
		return;
	if (field < line || field > line + len || field + strlen(field) > line + len)
		abort();
}

static enum line_action
on_line(void *arg, char *line, size_t len)
{
	struct irc_msg m;
	char out[OUT_LINE_MAX + 1];
	char escaped[1024];
	size_t n;

	(void)arg;
	if (line[len] != '\0' || memchr(line, '\n', len) != NULL)
		abort();
	if (irc_parse(line, len, IRC_TAGS_MAX, &m) != PARSE_OK)
		return LINE_NEXT;
	check_inside(m.tags, line, len);
	check_inside(m.source, line, len);
	check_inside(m.command, line, len);
	if (m.argc < 0 || m.argc > IRC_PARAMS_MAX)
		abort();
	for (int i = 0; i < m.argc; i++)
		check_inside(m.argv[i], line, len);
	if (m.tags != NULL) {
		char *cursor = m.tags, *item;
		while ((item = cursor) != NULL) {
			char *semi = strchr(item, ';');
			char *eq;
			cursor = semi ? semi + 1 : NULL;
			if (semi)
				*semi = '\0';
			if ((eq = strchr(item, '=')) != NULL) {
				tag_unescape(eq + 1);
				tag_escape(eq + 1, escaped, sizeof(escaped));
			}
		}
	}
	if (m.argc > 0) {
		char *cursor = m.argv[0], *item;
		(void)param_word(m.argv[0]);
		while ((item = list_next(&cursor)) != NULL)
			check_inside(item, line, len);
	}
	n = line_format(out, ":irc.fuzz", "%s %s :%s", m.command, m.argc > 0 ? m.argv[0] : "*",
	                m.argc > 1 ? m.argv[m.argc - 1] : "");
	if (n > OUT_LINE_MAX || n < 2 || out[n - 2] != '\r' || out[n - 1] != '\n')
		abort();
	return LINE_NEXT;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The framer works in place on the recvq, so on a copy here. */
	char *buf = malloc(size + 1);

	memcpy(buf, data, size);
	buf[size] = '\0';
	line_frame(buf, size, on_line, NULL);
	free(buf);
	return 0;
}
