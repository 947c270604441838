/* check_match.c - mask_match globs (* and ?, casemapped, whole-string) and mask_normalize. */
#include <check.h>
#include <stdlib.h>

#include "base/match.h"

START_TEST(test_star)
{
	ck_assert_int_eq(mask_match("*", ""), 1);
	ck_assert_int_eq(mask_match("*", "nick!user@host"), 1);
	ck_assert_int_eq(mask_match("**", ""), 1);
	ck_assert_int_eq(mask_match("nick*", "nick"), 1);
	ck_assert_int_eq(mask_match("nick*", "nickname"), 1);
	ck_assert_int_eq(mask_match("*name", "nickname"), 1);
	ck_assert_int_eq(mask_match("*name", "names"), 0);
	ck_assert_int_eq(mask_match("n*e", "nickname"), 1);
	ck_assert_int_eq(mask_match("n*e", "nicknamex"), 0);
}
END_TEST

START_TEST(test_question)
{
	ck_assert_int_eq(mask_match("?", "a"), 1);
	ck_assert_int_eq(mask_match("?", ""), 0);
	ck_assert_int_eq(mask_match("?", "ab"), 0);
	ck_assert_int_eq(mask_match("??", "a"), 0);
	ck_assert_int_eq(mask_match("a?c", "abc"), 1);
	ck_assert_int_eq(mask_match("a?c", "ac"), 0);
	ck_assert_int_eq(mask_match("*?", ""), 0);
	ck_assert_int_eq(mask_match("*?", "x"), 1);
	ck_assert_int_eq(mask_match("?*?", "x"), 0);
	ck_assert_int_eq(mask_match("?*?", "xy"), 1);
}
END_TEST

START_TEST(test_multiple_stars)
{
	ck_assert_int_eq(mask_match("a*b*c", "abc"), 1);
	ck_assert_int_eq(mask_match("a*b*c", "aXXbYYc"), 1);
	ck_assert_int_eq(mask_match("a*b*c", "aXXbYY"), 0);
	ck_assert_int_eq(mask_match("a*b*c", "acb"), 0);
	/* Backtracking: the first candidate for "ab" is not the right one. */
	ck_assert_int_eq(mask_match("*aab", "aaab"), 1);
	ck_assert_int_eq(mask_match("*a*b", "xaxxb"), 1);
	ck_assert_int_eq(mask_match("*a", "aaa"), 1);
	ck_assert_int_eq(mask_match("a*a", "a"), 0);
	ck_assert_int_eq(mask_match("*!*@*.example.com", "n!u@a.b.example.com"), 1);
	ck_assert_int_eq(mask_match("*!*@*.example.com", "n!u@example.com"), 0);
}
END_TEST

START_TEST(test_casemapping)
{
	ck_assert_int_eq(mask_match("*!*@HOST", "nick!user@host"), 1);
	ck_assert_int_eq(mask_match("*!*@host", "NICK!USER@HOST"), 1);
	/* rfc1459 pairs: [ ] \ ~ match { } | ^. */
	ck_assert_int_eq(mask_match("NICK[]\\~!*@*", "nick{}|^!u@h"), 1);
	ck_assert_int_eq(mask_match("nick{*", "NICK[x"), 1);
	/* '?' and '*' are wildcards, not letters. */
	ck_assert_int_eq(mask_match("*!*@h?st", "n!u@HOST"), 1);
}
END_TEST

START_TEST(test_no_partial_match)
{
	ck_assert_int_eq(mask_match("nick", "nick!user@host"), 0);
	ck_assert_int_eq(mask_match("nick!user@host", "nick"), 0);
	ck_assert_int_eq(mask_match("*@host", "u@hostx"), 0);
	ck_assert_int_eq(mask_match("*@host", "u@xhost"), 0);
	ck_assert_int_eq(mask_match("ab", "abc"), 0);
	ck_assert_int_eq(mask_match("abc", "ab"), 0);
	ck_assert_int_eq(mask_match("abc", "abc"), 1);
}
END_TEST

START_TEST(test_empty)
{
	ck_assert_int_eq(mask_match("", ""), 1);
	ck_assert_int_eq(mask_match("", "a"), 0);
	ck_assert_int_eq(mask_match("a", ""), 0);
	ck_assert_int_eq(mask_match("*", ""), 1);
}
END_TEST

START_TEST(test_normalize)
{
	char out[128];

	mask_normalize("foo", out, sizeof(out));
	ck_assert_str_eq(out, "foo!*@*");
	mask_normalize("foo!bar", out, sizeof(out));
	ck_assert_str_eq(out, "foo!bar@*");
	mask_normalize("bar@host", out, sizeof(out));
	ck_assert_str_eq(out, "*!bar@host");
	mask_normalize("host.name", out, sizeof(out));
	ck_assert_str_eq(out, "*!*@host.name");
	mask_normalize("2001:db8::1", out, sizeof(out));
	ck_assert_str_eq(out, "*!*@2001:db8::1");
	mask_normalize("nick!user@host.name", out, sizeof(out));
	ck_assert_str_eq(out, "nick!user@host.name");
	mask_normalize("*!*@*", out, sizeof(out));
	ck_assert_str_eq(out, "*!*@*");
	/* Empty parts become '*'. */
	mask_normalize("!u@h", out, sizeof(out));
	ck_assert_str_eq(out, "*!u@h");
	mask_normalize("n!@", out, sizeof(out));
	ck_assert_str_eq(out, "n!*@*");
	mask_normalize("@h", out, sizeof(out));
	ck_assert_str_eq(out, "*!*@h");
	/* Bounded by size. */
	mask_normalize("foo", out, 5);
	ck_assert_str_eq(out, "foo!");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("match");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_star);
	tcase_add_test(tc, test_question);
	tcase_add_test(tc, test_multiple_stars);
	tcase_add_test(tc, test_casemapping);
	tcase_add_test(tc, test_no_partial_match);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_normalize);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
