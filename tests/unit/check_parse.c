/* check_parse.c - irc_parse (tags, source, command, params, bounds) and tag escaping. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/bounds.h"
#include "proto/parse.h"

/* irc_parse writes into its input: parse a copy kept alive for the test. */
static char linebuf[IRC_INPUT_MAX + 64];

static enum parse_result
parse(const char *line, struct irc_msg *msg)
{
	size_t len = strlen(line);

	ck_assert_uint_lt(len, sizeof(linebuf));
	memcpy(linebuf, line, len + 1);
	return irc_parse(linebuf, len, IRC_CLIENT_TAGS_MAX, msg);
}

/* A string of n copies of c (caller frees). */
static char *
repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	ck_assert_ptr_nonnull(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

START_TEST(test_plain_command)
{
	struct irc_msg m;

	ck_assert_int_eq(parse("PING", &m), PARSE_OK);
	ck_assert_ptr_null(m.tags);
	ck_assert_ptr_null(m.source);
	ck_assert_str_eq(m.command, "PING");
	ck_assert_int_eq(m.argc, 0);

	/* Command case is kept as sent; trailing spaces add no parameter. */
	ck_assert_int_eq(parse("privmsg   ", &m), PARSE_OK);
	ck_assert_str_eq(m.command, "privmsg");
	ck_assert_int_eq(m.argc, 0);
}
END_TEST

START_TEST(test_source_prefix)
{
	struct irc_msg m;

	ck_assert_int_eq(parse(":nick!user@host PRIVMSG #chan :hi", &m), PARSE_OK);
	ck_assert_ptr_null(m.tags);
	ck_assert_str_eq(m.source, "nick!user@host");
	ck_assert_str_eq(m.command, "PRIVMSG");
	ck_assert_int_eq(m.argc, 2);
	ck_assert_str_eq(m.argv[0], "#chan");
	ck_assert_str_eq(m.argv[1], "hi");

	ck_assert_int_eq(parse(":irc.example.net PING", &m), PARSE_OK);
	ck_assert_str_eq(m.source, "irc.example.net");
	ck_assert_str_eq(m.command, "PING");
	ck_assert_int_eq(m.argc, 0);
}
END_TEST

START_TEST(test_middle_params)
{
	struct irc_msg m;

	ck_assert_int_eq(parse("USER guest 0 * realname", &m), PARSE_OK);
	ck_assert_str_eq(m.command, "USER");
	ck_assert_int_eq(m.argc, 4);
	ck_assert_str_eq(m.argv[0], "guest");
	ck_assert_str_eq(m.argv[1], "0");
	ck_assert_str_eq(m.argv[2], "*");
	ck_assert_str_eq(m.argv[3], "realname");
}
END_TEST

START_TEST(test_trailing_with_spaces_and_colon)
{
	struct irc_msg m;

	ck_assert_int_eq(parse("PRIVMSG #a :hello  there :) x:y", &m), PARSE_OK);
	ck_assert_int_eq(m.argc, 2);
	ck_assert_str_eq(m.argv[0], "#a");
	ck_assert_str_eq(m.argv[1], "hello  there :) x:y");

	/* Only the first ':' is the marker: a second one stays in the text. */
	ck_assert_int_eq(parse("PRIVMSG #a ::leading colon", &m), PARSE_OK);
	ck_assert_int_eq(m.argc, 2);
	ck_assert_str_eq(m.argv[1], ":leading colon");

	/* A ':' inside a middle parameter is not a trailing marker. */
	ck_assert_int_eq(parse("MODE #a +b a:b", &m), PARSE_OK);
	ck_assert_int_eq(m.argc, 3);
	ck_assert_str_eq(m.argv[2], "a:b");
}
END_TEST

START_TEST(test_empty_trailing)
{
	struct irc_msg m;

	ck_assert_int_eq(parse("PRIVMSG #a :", &m), PARSE_OK);
	ck_assert_int_eq(m.argc, 2);
	ck_assert_str_eq(m.argv[0], "#a");
	ck_assert_str_eq(m.argv[1], "");
}
END_TEST

START_TEST(test_fifteen_params)
{
	struct irc_msg m;

	/* Exactly 15: all separate. */
	ck_assert_int_eq(parse("CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15", &m), PARSE_OK);
	ck_assert_int_eq(m.argc, 15);
	ck_assert_str_eq(m.argv[0], "1");
	ck_assert_str_eq(m.argv[13], "14");
	ck_assert_str_eq(m.argv[14], "15");

	/* More than 15: the 15th takes the rest of the line, spaces included. */
	ck_assert_int_eq(parse("CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16  17", &m), PARSE_OK);
	ck_assert_int_eq(m.argc, 15);
	ck_assert_str_eq(m.argv[13], "14");
	ck_assert_str_eq(m.argv[14], "15 16  17");

	/* A trailing in 15th position loses its ':'. */
	ck_assert_int_eq(parse("CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 :a b", &m), PARSE_OK);
	ck_assert_int_eq(m.argc, 15);
	ck_assert_str_eq(m.argv[14], "a b");
}
END_TEST

START_TEST(test_multiple_spaces)
{
	struct irc_msg m;

	ck_assert_int_eq(parse(":src   KICK    #a    bob   :go  away", &m), PARSE_OK);
	ck_assert_str_eq(m.source, "src");
	ck_assert_str_eq(m.command, "KICK");
	ck_assert_int_eq(m.argc, 3);
	ck_assert_str_eq(m.argv[0], "#a");
	ck_assert_str_eq(m.argv[1], "bob");
	ck_assert_str_eq(m.argv[2], "go  away");

	/* Leading spaces before the command are skipped. */
	ck_assert_int_eq(parse("   NICK  foo  ", &m), PARSE_OK);
	ck_assert_str_eq(m.command, "NICK");
	ck_assert_int_eq(m.argc, 1);
	ck_assert_str_eq(m.argv[0], "foo");
}
END_TEST

START_TEST(test_tags_section)
{
	struct irc_msg m;

	ck_assert_int_eq(parse("@a=b;c PRIVMSG #x :hi", &m), PARSE_OK);
	ck_assert_str_eq(m.tags, "a=b;c");
	ck_assert_ptr_null(m.source);
	ck_assert_str_eq(m.command, "PRIVMSG");
	ck_assert_int_eq(m.argc, 2);
	ck_assert_str_eq(m.argv[0], "#x");
	ck_assert_str_eq(m.argv[1], "hi");

	ck_assert_int_eq(parse("@+draft/reply=1   :nick!u@h TAGMSG #x", &m), PARSE_OK);
	ck_assert_str_eq(m.tags, "+draft/reply=1");
	ck_assert_str_eq(m.source, "nick!u@h");
	ck_assert_str_eq(m.command, "TAGMSG");
	ck_assert_int_eq(m.argc, 1);
	ck_assert_str_eq(m.argv[0], "#x");
}
END_TEST

START_TEST(test_tags_limit)
{
	struct irc_msg m;
	char *tags = repeat('t', IRC_CLIENT_TAGS_MAX + 1);
	char *line = malloc(IRC_CLIENT_TAGS_MAX + 64);

	/* 4095 bytes of tag data: one over the client limit. */
	sprintf(line, "@%s PING x", tags);
	ck_assert_int_eq(parse(line, &m), PARSE_TOO_LONG);

	/* Exactly 4094 is accepted. */
	tags[IRC_CLIENT_TAGS_MAX] = '\0';
	sprintf(line, "@%s PING x", tags);
	ck_assert_int_eq(parse(line, &m), PARSE_OK);
	ck_assert_uint_eq(strlen(m.tags), IRC_CLIENT_TAGS_MAX);
	ck_assert_str_eq(m.command, "PING");
	ck_assert_int_eq(m.argc, 1);
	ck_assert_str_eq(m.argv[0], "x");
	free(tags);
	free(line);
}
END_TEST

START_TEST(test_body_limit)
{
	struct irc_msg m;
	const char *head = "PRIVMSG #a :";
	char line[IRC_LINE_MAX + 64];
	char *fill = repeat('x', 510 - strlen(head));
	char *tags = repeat('t', 1000);
	char *tagged = malloc(2000);

	/* 510 bytes + CRLF = 512: accepted, the trailing is intact. */
	sprintf(line, "%s%s", head, fill);
	ck_assert_uint_eq(strlen(line), 510);
	ck_assert_int_eq(parse(line, &m), PARSE_OK);
	ck_assert_int_eq(m.argc, 2);
	ck_assert_uint_eq(strlen(m.argv[1]), 510 - strlen(head));

	/* 511 + 2 > 512. */
	strcat(line, "y");
	ck_assert_uint_eq(strlen(line), 511);
	ck_assert_int_eq(parse(line, &m), PARSE_TOO_LONG);

	/* Tags do not count towards the 512: a 510-byte body after tags passes. */
	line[510] = '\0';
	sprintf(tagged, "@%s %s", tags, line);
	ck_assert_int_eq(parse(tagged, &m), PARSE_OK);
	ck_assert_uint_eq(strlen(m.tags), 1000);
	ck_assert_uint_eq(strlen(m.argv[1]), 510 - strlen(head));
	sprintf(tagged, "@%s %sy", tags, line);
	ck_assert_int_eq(parse(tagged, &m), PARSE_TOO_LONG);
	free(fill);
	free(tags);
	free(tagged);
}
END_TEST

START_TEST(test_empty_lines)
{
	struct irc_msg m;

	ck_assert_int_eq(parse("", &m), PARSE_EMPTY);
	ck_assert_int_eq(parse("     ", &m), PARSE_EMPTY);
	ck_assert_ptr_null(m.command);
	ck_assert_int_eq(m.argc, 0);
}
END_TEST

START_TEST(test_source_without_command)
{
	struct irc_msg m;

	ck_assert_int_eq(parse(":src", &m), PARSE_NO_COMMAND);
	ck_assert_int_eq(parse(":src    ", &m), PARSE_NO_COMMAND);
	ck_assert_ptr_null(m.command);
}
END_TEST

START_TEST(test_tags_without_command)
{
	struct irc_msg m;

	/* Tags alone with nothing after them. */
	ck_assert_int_eq(parse("@a=b", &m), PARSE_BAD_TAGS);
	ck_assert_ptr_null(m.command);
	/* An empty tag section. */
	ck_assert_int_eq(parse("@ PING", &m), PARSE_BAD_TAGS);
	/* Tags then only spaces: a message without a command. */
	ck_assert_int_eq(parse("@a=b   ", &m), PARSE_NO_COMMAND);
	ck_assert_ptr_null(m.command);
	ck_assert_int_eq(parse("@a=b :src", &m), PARSE_NO_COMMAND);
}
END_TEST

START_TEST(test_tag_unescape)
{
	char v1[] = "a\\:b\\sc\\\\d\\re\\nf";
	char v2[] = "x\\qy\\\\";
	char v3[] = "end\\";
	char v4[] = "plain";
	char v5[] = "\\";

	tag_unescape(v1);
	ck_assert_str_eq(v1, "a;b c\\d\re\nf");
	/* Unknown escape: the backslash is dropped, the character kept. */
	tag_unescape(v2);
	ck_assert_str_eq(v2, "xqy\\");
	/* A lone trailing backslash is dropped. */
	tag_unescape(v3);
	ck_assert_str_eq(v3, "end");
	tag_unescape(v4);
	ck_assert_str_eq(v4, "plain");
	tag_unescape(v5);
	ck_assert_str_eq(v5, "");
}
END_TEST

START_TEST(test_tag_escape_round_trip)
{
	const char *value = "a;b c\\d\re\nf";
	char out[64];
	size_t n = tag_escape(value, out, sizeof(out));

	ck_assert_str_eq(out, "a\\:b\\sc\\\\d\\re\\nf");
	ck_assert_uint_eq(n, strlen("a\\:b\\sc\\\\d\\re\\nf"));
	tag_unescape(out);
	ck_assert_str_eq(out, value);

	ck_assert_uint_eq(tag_escape("", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(test_tag_escape_bounded)
{
	char out[8];

	/* Room for 2 bytes + NUL: "ab". */
	memset(out, 'Z', sizeof(out));
	ck_assert_uint_eq(tag_escape("abcdef", out, 3), 2);
	ck_assert_str_eq(out, "ab");
	ck_assert_int_eq(out[3], 'Z');

	/* An escape is never split: "a" then "\:" does not fit in 3. */
	ck_assert_uint_eq(tag_escape("a;b", out, 3), 1);
	ck_assert_str_eq(out, "a");
	ck_assert_uint_eq(tag_escape("a;b", out, 4), 3);
	ck_assert_str_eq(out, "a\\:");

	/* Size 1: only the NUL; size 0: nothing written. */
	ck_assert_uint_eq(tag_escape("abc", out, 1), 0);
	ck_assert_str_eq(out, "");
	out[0] = 'Z';
	ck_assert_uint_eq(tag_escape("abc", out, 0), 0);
	ck_assert_int_eq(out[0], 'Z');
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("parse");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_plain_command);
	tcase_add_test(tc, test_source_prefix);
	tcase_add_test(tc, test_middle_params);
	tcase_add_test(tc, test_trailing_with_spaces_and_colon);
	tcase_add_test(tc, test_empty_trailing);
	tcase_add_test(tc, test_fifteen_params);
	tcase_add_test(tc, test_multiple_spaces);
	tcase_add_test(tc, test_tags_section);
	tcase_add_test(tc, test_tags_limit);
	tcase_add_test(tc, test_body_limit);
	tcase_add_test(tc, test_empty_lines);
	tcase_add_test(tc, test_source_without_command);
	tcase_add_test(tc, test_tags_without_command);
	tcase_add_test(tc, test_tag_unescape);
	tcase_add_test(tc, test_tag_escape_round_trip);
	tcase_add_test(tc, test_tag_escape_bounded);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
