/* parse.c - the message parser: tags, source, command, params. */
#include <stdio.h>
#include <string.h>

#include "base/util.h"
#include "proto/parse.h"

static char *
skip_spaces(char *p)
{
	while (*p == ' ')
		p++;
	return p;
}

/* Split at the first space; return the rest (spaces skipped) or NULL. */
static char *
cut_word(char *p)
{
	char *sp = strchr(p, ' ');
	if (sp == NULL)
		return NULL;
	*sp = '\0';
	return skip_spaces(sp + 1);
}

static enum parse_result
parse_tags(char **cursor, size_t tags_limit, struct irc_msg *msg)
{
	char *p = *cursor + 1;
	char *rest = cut_word(p);
	size_t tag_len = strlen(p);

	if (tag_len > tags_limit)
		return PARSE_TOO_LONG;
	if (tag_len == 0 || rest == NULL)
		return PARSE_BAD_TAGS;
	msg->tags = p;
	*cursor = rest;
	return PARSE_OK;
}

static void
parse_params(char *p, struct irc_msg *msg)
{
	while (p != NULL && *p != '\0') {
		if (*p == ':' || msg->argc == IRC_PARAMS_MAX - 1) {
			/* Trailing, or the 15th parameter takes the rest. */
			msg->argv[msg->argc++] = *p == ':' ? p + 1 : p;
			return;
		}
		msg->argv[msg->argc++] = p;
		p = cut_word(p);
	}
}

enum parse_result
irc_parse(char *line, size_t len, size_t tags_limit, struct irc_msg *msg)
{
	char *p = line;
	enum parse_result r;

	msg->tags = NULL;
	msg->source = NULL;
	msg->command = NULL;
	msg->argc = 0;

	if (*p == '@') {
		if ((r = parse_tags(&p, tags_limit, msg)) != PARSE_OK)
			return r;
	}
	/* The 512-byte rule counts the body plus CRLF. */
	if ((size_t)(line + len - p) + 2 > IRC_LINE_MAX)
		return PARSE_TOO_LONG;
	p = skip_spaces(p);
	if (*p == '\0')
		return msg->tags ? PARSE_NO_COMMAND : PARSE_EMPTY;
	if (*p == ':') {
		msg->source = p + 1;
		p = cut_word(p);
		if (p == NULL || *p == '\0')
			return PARSE_NO_COMMAND;
	}
	msg->command = p;
	parse_params(cut_word(p), msg);
	return PARSE_OK;
}

void
tag_unescape(char *value)
{
	char *in = value, *out = value;

	while (*in != '\0') {
		if (*in != '\\') {
			*out++ = *in++;
			continue;
		}
		in++;
		switch (*in) {
		case ':': *out++ = ';'; break;
		case 's': *out++ = ' '; break;
		case 'r': *out++ = '\r'; break;
		case 'n': *out++ = '\n'; break;
		case '\0': *out = '\0'; return; /* a lone trailing backslash is dropped */
		default: *out++ = *in; break;
		}
		in++;
	}
	*out = '\0';
}

size_t
tag_escape(const char *value, char *out, size_t size)
{
	size_t n = 0;

	if (size == 0)
		return 0;
	for (; *value != '\0'; value++) {
		const char *esc = NULL;
		switch (*value) {
		case ';': esc = "\\:"; break;
		case ' ': esc = "\\s"; break;
		case '\\': esc = "\\\\"; break;
		case '\r': esc = "\\r"; break;
		case '\n': esc = "\\n"; break;
		}
		size_t need = esc ? 2 : 1;
		if (n + need >= size)
			break;
		if (esc) {
			out[n++] = esc[0];
			out[n++] = esc[1];
		} else {
			out[n++] = *value;
		}
	}
	out[n] = '\0';
	return n;
}

const char *
param_word(const char *s)
{
	/* A few buffers in turn, so one reply may echo two words. */
	static char bufs[4][CHANNELLEN_MAX + 1];
	static unsigned next;
	char *buf = bufs[next++ % 4];
	size_t n = strcspn(s, " ");

	if (n == 0 || s[0] == ':')
		return "*";
	snprintf(buf, sizeof(bufs[0]), "%.*s", (int)MIN(n, sizeof(bufs[0]) - 1), s);
	return buf;
}

char *
list_next(char **cursor)
{
	char *item = *cursor, *comma;

	if (item == NULL)
		return NULL;
	comma = strchr(item, ',');
	if (comma != NULL) {
		*comma = '\0';
		*cursor = comma + 1;
	} else {
		*cursor = NULL;
	}
	return item;
}

int
tag_present(const char *tags, const char *key)
{
	size_t klen = strlen(key);

	while (tags != NULL && *tags != '\0') {
		size_t len = strcspn(tags, ";");
		if (len >= klen && strncmp(tags, key, klen) == 0 &&
		    (len == klen || tags[klen] == '='))
			return 1;
		tags += len;
		if (*tags == ';')
			tags++;
	}
	return 0;
}

size_t
tags_client_only(const char *tags, char *out, size_t size)
{
	size_t n = 0;

	out[0] = '\0';
	while (tags != NULL && *tags != '\0') {
		size_t len = strcspn(tags, ";");
		if (tags[0] == '+' && len > 1 && n + len + 2 < size) {
			if (n > 0)
				out[n++] = ';';
			memcpy(out + n, tags, len);
			n += len;
			out[n] = '\0';
		}
		tags += len;
		if (*tags == ';')
			tags++;
	}
	return n;
}
