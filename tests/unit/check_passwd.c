/* check_passwd.c - scrypt hashes: round trip, and the dummy hash a failed login pays for. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "base/passwd.h"

START_TEST(test_round_trip)
{
	char hash[PASSWD_HASH_MAX];

	ck_assert_int_eq(passwd_hash("correct horse", hash, sizeof(hash)), 0);
	ck_assert_int_eq(passwd_is_hash(hash), 1);
	ck_assert_int_eq(passwd_verify("correct horse", hash), 1);
	ck_assert_int_eq(passwd_verify("correct horsE", hash), 0);
	ck_assert_int_eq(passwd_verify("", hash), 0);
}
END_TEST

/* The dummy must parse, or a login to an unknown account would fail fast. */
START_TEST(test_dummy_hash_costs_what_a_real_one_does)
{
	char hash[PASSWD_HASH_MAX];
	const char *dummy = passwd_dummy_hash();

	ck_assert_int_eq(passwd_is_hash(dummy), 1);
	ck_assert_int_eq(passwd_hash("x", hash, sizeof(hash)), 0);
	/* The same parameters: everything before the salt matches. */
	ck_assert_int_eq(strncmp(dummy, hash, (size_t)(strchr(dummy + 8, '$') - dummy)), 0);
	ck_assert_uint_eq(strlen(dummy), strlen(hash));
	ck_assert_int_eq(passwd_verify("", dummy), 0);
	ck_assert_int_eq(passwd_verify("password", dummy), 0);
}
END_TEST

START_TEST(test_not_hashes)
{
	ck_assert_int_eq(passwd_is_hash("letmein"), 0);
	ck_assert_int_eq(passwd_is_hash("$scrypt$ln=10"), 0);
	ck_assert_int_eq(passwd_is_hash("$scrypt$ln=40,r=8,p=1$00$00"), 0);
	ck_assert_int_eq(passwd_verify("letmein", "letmein"), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("passwd");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_dummy_hash_costs_what_a_real_one_does);
	tcase_add_test(tc, test_not_hashes);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
