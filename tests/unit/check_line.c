/* check_line.c - the framer and the serializer. */
#include <check.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "base/bounds.h"
#include "base/util.h"
#include "net/line.h"

struct seen {
	char lines[8][64];
	size_t lens[8];
	int n;
	int stop_after;
};

static enum line_action
collect(void *arg, char *line, size_t len)
{
	struct seen *s = arg;
	memcpy(s->lines[s->n], line, len + 1);
	s->lens[s->n] = len;
	s->n++;
	return s->stop_after != 0 && s->n == s->stop_after ? LINE_STOP : LINE_NEXT;
}

static enum line_action
defer_second(void *arg, char *line, size_t len)
{
	int *calls = arg;
	return ++*calls == 2 ? LINE_DEFER : LINE_NEXT;
}

START_TEST(test_frame_crlf_and_lf)
{
	char buf[] = "NICK a\r\nUSER b\nPING x\r\npartial";
	struct seen s = {0};
	size_t used = line_frame(buf, strlen(buf), collect, &s);

	ck_assert_int_eq(s.n, 3);
	ck_assert_str_eq(s.lines[0], "NICK a");
	ck_assert_str_eq(s.lines[1], "USER b");
	ck_assert_str_eq(s.lines[2], "PING x");
	ck_assert_uint_eq(s.lens[2], 6);
	/* The partial line is left for the next read. */
	ck_assert_uint_eq(used, strlen("NICK a\r\nUSER b\nPING x\r\n"));
}
END_TEST

START_TEST(test_frame_empty_lines_and_stop)
{
	char buf[] = "\r\n\nA\nB\nC\n";
	struct seen s = {0};
	size_t used;

	s.stop_after = 3;
	used = line_frame(buf, strlen(buf), collect, &s);
	ck_assert_int_eq(s.n, 3);
	ck_assert_uint_eq(s.lens[0], 0);
	ck_assert_uint_eq(s.lens[1], 0);
	ck_assert_str_eq(s.lines[2], "A");
	ck_assert_uint_eq(used, 5); /* "\r\n\nA\n" */
}
END_TEST

START_TEST(test_frame_defer_leaves_line_intact)
{
	char buf[] = "ONE\r\nTWO\r\nTHREE\n";
	int calls = 0;
	size_t used = line_frame(buf, strlen(buf), defer_second, &calls);

	ck_assert_int_eq(calls, 2);
	ck_assert_uint_eq(used, 5); /* only "ONE\r\n" */
	/* The deferred line is restored byte for byte. */
	ck_assert_int_eq(memcmp(buf + used, "TWO\r\nTHREE\n", 12), 0);
}
END_TEST

START_TEST(test_frame_nothing_complete)
{
	char buf[] = "no newline here";
	struct seen s = {0};

	ck_assert_uint_eq(line_frame(buf, strlen(buf), collect, &s), 0);
	ck_assert_int_eq(s.n, 0);
}
END_TEST

START_TEST(test_frame_bare_cr_ends_line)
{
	char buf[] = "PRIVMSG #c :bare\rPRIVMSG #c :second\r\nLAST\r";
	struct seen s = {0};
	size_t total = strlen(buf);
	size_t used = line_frame(buf, total, collect, &s);

	/* A bare CR ends a line: no line handed on ever holds a CR. */
	ck_assert_int_eq(s.n, 2);
	ck_assert_str_eq(s.lines[0], "PRIVMSG #c :bare");
	ck_assert_str_eq(s.lines[1], "PRIVMSG #c :second");
	/* A CR as the last byte waits: its LF may come with the next read. */
	ck_assert_uint_eq(used, total - strlen("LAST\r"));
	ck_assert(!line_complete("LAST\r", 5));
	ck_assert(line_complete("LAST\rX", 6));
	ck_assert(line_complete("LAST\r\n", 6));
	ck_assert(!line_complete("LAST", 4));
}
END_TEST

START_TEST(test_frame_cr_then_lf_across_reads)
{
	char first[] = "NICK a\r";
	char second[] = "\nUSER b\r\n";
	struct seen s = {0};

	ck_assert_uint_eq(line_frame(first, strlen(first), collect, &s), 0);
	/* The caller carries "NICK a\r" over and appends the next read. */
	char joined[32];
	size_t total = (size_t)snprintf(joined, sizeof(joined), "%s%s", "NICK a\r", second);
	ck_assert_uint_eq(line_frame(joined, total, collect, &s), total);
	ck_assert_int_eq(s.n, 2);
	ck_assert_str_eq(s.lines[0], "NICK a");
	ck_assert_str_eq(s.lines[1], "USER b");
}
END_TEST

START_TEST(test_format_basic)
{
	char out[OUT_LINE_MAX + 1];
	size_t n = line_format(out, ":irc.test 001 nick ", ":Welcome %s", "nick");

	ck_assert_str_eq(out, ":irc.test 001 nick :Welcome nick\r\n");
	ck_assert_uint_eq(n, strlen(out));
}
END_TEST

START_TEST(test_format_truncates_to_512)
{
	char out[OUT_LINE_MAX + 1], text[1000];
	size_t n;

	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	n = line_format(out, ":a!b@c ", "PRIVMSG #c :%s", text);
	ck_assert_uint_eq(n, OUT_LINE_MAX);
	ck_assert_uint_eq(strlen(out), OUT_LINE_MAX);
	ck_assert(out[n - 2] == '\r' && out[n - 1] == '\n');
}
END_TEST

START_TEST(test_format_never_splits_utf8)
{
	char out[OUT_LINE_MAX + 1], text[1200] = "";
	size_t n;

	/* "é" is two bytes; an odd-length prefix forces a split point. */
	for (int i = 0; i < 500; i++)
		strcat(text, "\xc3\xa9");
	n = line_format(out, ":a ", "X :%s", text);
	ck_assert_uint_le(n, OUT_LINE_MAX);
	/* The byte before CRLF must end a complete sequence. */
	ck_assert_int_eq((unsigned char)out[n - 3], 0xa9);
}
END_TEST

START_TEST(test_format_long_prefix)
{
	char out[OUT_LINE_MAX + 1], prefix[700];

	memset(prefix, 'p', sizeof(prefix) - 1);
	prefix[sizeof(prefix) - 1] = '\0';
	ck_assert_uint_eq(line_format(out, prefix, "%s", "tail"), OUT_LINE_MAX);
}
END_TEST

/* The formatter agrees with printf on every conversion lines use. */
START_TEST(test_format_conversions_match_printf)
{
	char out[OUT_LINE_MAX + 1], want[OUT_LINE_MAX + 1];
	long long big = -9223372036854775807LL - 1;

	line_format(out, NULL, "%s %c %d %i %u %ld %lu %lld %llu %zu %zd %% end", "word", 'x',
	            -42, 7, 4294967295U, -123456789L, 123456789UL, big, 18446744073709551615ULL,
	            (size_t)99, (ssize_t)-5);
	snprintf(want, sizeof(want), "%s %c %d %i %u %ld %lu %lld %llu %zu %zd %% end\r\n",
	         "word", 'x', -42, 7, 4294967295U, -123456789L, 123456789UL, big,
	         18446744073709551615ULL, (size_t)99, (ssize_t)-5);
	ck_assert_str_eq(out, want);
	line_format(out, NULL, "%d %u", 0, 0U);
	ck_assert_str_eq(out, "0 0\r\n");
}
END_TEST

/* Widths, precisions and other conversions still work (through vsnprintf). */
START_TEST(test_format_other_conversions)
{
	char out[OUT_LINE_MAX + 1];

	line_format(out, ":p ", "%03d %.3s %x %-4s| %5.1f", 7, "abcdef", 255, "ab", 2.25);
	ck_assert_str_eq(out, ":p 007 abc ff ab  |   2.2\r\n");
}
END_TEST

START_TEST(test_format_truncates_many_arguments)
{
	char out[OUT_LINE_MAX + 1], word[100];
	size_t n;

	memset(word, 'w', sizeof(word) - 1);
	word[sizeof(word) - 1] = '\0';
	n = line_format(out, NULL, "%s %s %s %s %s %s %d", word, word, word, word, word, word,
	                12345);
	ck_assert_uint_eq(n, OUT_LINE_MAX);
	ck_assert(out[n - 2] == '\r' && out[n - 1] == '\n' && out[n] == '\0');
}
END_TEST

/* UTF8ONLY: what a link sends that is not UTF-8 becomes '?', byte for byte. */
START_TEST(test_utf8_repair)
{
	char ok[] = "PRIVMSG #c :caf\xc3\xa9 \xf0\x9f\x98\x80";
	char latin[] = "PRIVMSG #c :caf\xe9!";
	char mixed[] = "\xc3\xa9\xc3\x28\xed\xa0\x80\xf0\x9f";

	ck_assert_uint_eq(utf8_repair(ok, strlen(ok)), 0);
	ck_assert_str_eq(ok, "PRIVMSG #c :caf\xc3\xa9 \xf0\x9f\x98\x80");
	ck_assert_uint_eq(utf8_repair(latin, strlen(latin)), 1);
	ck_assert_str_eq(latin, "PRIVMSG #c :caf?!");
	/* A good pair, a lead byte without its continuation, a surrogate, a cut-off end. */
	ck_assert_uint_eq(utf8_repair(mixed, strlen(mixed)), 6);
	ck_assert_str_eq(mixed, "\xc3\xa9?(?????");
	ck_assert_int_eq(utf8_valid(mixed, strlen(mixed)), 1);
}
END_TEST

/* The eight-bytes-at-a-time ASCII path finds a bad byte or a split sequence anywhere. */
START_TEST(test_utf8_valid_at_every_offset)
{
	char buf[40];

	for (size_t at = 0; at + 4 <= sizeof(buf); at++) {
		memset(buf, 'a', sizeof(buf));
		buf[at] = (char)0xe9; /* Latin-1 e-acute: never valid alone */
		ck_assert_int_eq(utf8_valid(buf, sizeof(buf)), 0);
		memcpy(buf + at, "\xf0\x9f\x98\x80", 4); /* a whole 4-byte sequence */
		ck_assert_int_eq(utf8_valid(buf, sizeof(buf)), 1);
		ck_assert_int_eq(utf8_valid(buf, at + 3), 0); /* cut short */
		memcpy(buf + at,
		       "\xed\xa0\x80"
		       "a",
		       4); /* a surrogate */
		ck_assert_int_eq(utf8_valid(buf, sizeof(buf)), 0);
	}
	memset(buf, 'a', sizeof(buf));
	ck_assert_int_eq(utf8_valid(buf, sizeof(buf)), 1);
	ck_assert_int_eq(utf8_valid(buf, 0), 1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("line");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_frame_crlf_and_lf);
	tcase_add_test(tc, test_utf8_repair);
	tcase_add_test(tc, test_utf8_valid_at_every_offset);
	tcase_add_test(tc, test_frame_empty_lines_and_stop);
	tcase_add_test(tc, test_frame_nothing_complete);
	tcase_add_test(tc, test_frame_defer_leaves_line_intact);
	tcase_add_test(tc, test_frame_bare_cr_ends_line);
	tcase_add_test(tc, test_frame_cr_then_lf_across_reads);
	tcase_add_test(tc, test_format_basic);
	tcase_add_test(tc, test_format_truncates_to_512);
	tcase_add_test(tc, test_format_never_splits_utf8);
	tcase_add_test(tc, test_format_long_prefix);
	tcase_add_test(tc, test_format_conversions_match_printf);
	tcase_add_test(tc, test_format_other_conversions);
	tcase_add_test(tc, test_format_truncates_many_arguments);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
