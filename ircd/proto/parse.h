/* parse.h - zero-allocation IRC message parser. */
#ifndef EVIRCD_PARSE_H
#define EVIRCD_PARSE_H

#include <stddef.h>

#include "base/bounds.h"

/*
 * A parsed message points into the line it came from: the parser writes
 * NULs over separators so every field is a C string, and copies nothing.
 */
struct irc_msg {
	char *tags;    /* raw tag section without '@', or NULL */
	char *source;  /* prefix without ':', or NULL */
	char *command; /* as sent */
	int argc;
	char *argv[IRC_PARAMS_MAX];
};

enum parse_result {
	PARSE_OK,
	PARSE_EMPTY,      /* blank line: ignore silently */
	PARSE_TOO_LONG,   /* body over 512 or tags over the limit: 417 */
	PARSE_BAD_TAGS,   /* malformed tag section */
	PARSE_NO_COMMAND, /* prefix with nothing after it */
};

/*
 * Parse one line (without its CR/LF, length len, NUL-terminated at
 * line[len]).  tags_limit is the bound on the tag data (4094 for clients).
 */
enum parse_result irc_parse(char *line, size_t len, size_t tags_limit, struct irc_msg *msg);

/* Unescape an IRCv3 tag value in place (\: \s \\ \r \n). */
void tag_unescape(char *value);
/* Escape a tag value into out (bounded); returns the length written. */
size_t tag_escape(const char *value, char *out, size_t size);

/* A client-supplied name made safe as a middle parameter: cut at a space. */
const char *param_word(const char *s);
/* Iterate a comma list in place: returns the next item or NULL. */
char *list_next(char **cursor);

/* 1 when a raw tag section (without '@') holds key, with or without a value. */
int tag_present(const char *tags, const char *key);
/* The client-only tags ("+name[=value]") of a raw tag section, as sent; its length. */
size_t tags_client_only(const char *tags, char *out, size_t size);

#endif
