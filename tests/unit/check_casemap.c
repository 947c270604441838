/* check_casemap.c - rfc1459 case mapping and its hash. */
#include <check.h>
#include <stdlib.h>

#include "base/casemap.h"

START_TEST(test_rfc1459_pairs_are_equal)
{
	ck_assert_int_eq(irc_strcmp("Foo[]\\~", "foo{}|^"), 0);
	ck_assert_int_eq(irc_strcmp("NICK", "nick"), 0);
	ck_assert_int_ne(irc_strcmp("nick", "nick_"), 0);
	ck_assert_int_ne(irc_strcmp("a", "b"), 0);
}
END_TEST

START_TEST(test_ascii_only_mapping)
{
	/* Bytes above 0x7f and '_' are not folded. */
	ck_assert_int_ne(irc_strcmp("\xc3\x84", "\xc3\xa4"), 0);
	ck_assert_int_ne(irc_strcmp("_", "\x7f"), 0);
	ck_assert_int_eq(irc_tolower('^'), '^');
	ck_assert_int_eq(irc_tolower('~'), '^');
}
END_TEST

START_TEST(test_prefix_compare)
{
	ck_assert_int_eq(irc_strncmp("ABCdef", "abcXYZ", 3), 0);
	ck_assert_int_ne(irc_strncmp("ABCdef", "abcXYZ", 4), 0);
}
END_TEST

START_TEST(test_hash_follows_casemap)
{
	ck_assert_uint_eq(irc_strhash("#Chan[x]"), irc_strhash("#chan{X}"));
	ck_assert_uint_ne(irc_strhash("#chan1"), irc_strhash("#chan2"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("casemap");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_rfc1459_pairs_are_equal);
	tcase_add_test(tc, test_ascii_only_mapping);
	tcase_add_test(tc, test_prefix_compare);
	tcase_add_test(tc, test_hash_follows_casemap);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
