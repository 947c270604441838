/* check_line.c - the framer and the serializer. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "line.h"

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

int
main(void)
{
	Suite *s = suite_create("line");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_frame_crlf_and_lf);
	tcase_add_test(tc, test_frame_empty_lines_and_stop);
	tcase_add_test(tc, test_frame_nothing_complete);
	tcase_add_test(tc, test_frame_defer_leaves_line_intact);
	tcase_add_test(tc, test_format_basic);
	tcase_add_test(tc, test_format_truncates_to_512);
	tcase_add_test(tc, test_format_never_splits_utf8);
	tcase_add_test(tc, test_format_long_prefix);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
