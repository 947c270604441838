/* check_xline.c - how wide a K- or D-line may be ([limits] min_nonwildcard, dline_min_cidr). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "base/conf.h"
#include "store/xline.h"

static struct conf_limits
limits(unsigned nonwild, unsigned v4, unsigned v6)
{
	struct conf_limits lim;

	memset(&lim, 0, sizeof(lim));
	lim.min_nonwildcard = nonwild;
	lim.dline_min_cidr = v4;
	lim.dline_min_cidr_ipv6 = v6;
	return lim;
}

/* 1 when mask may be a ban of kind under lim. */
static int
ok(enum xline_kind kind, const char *mask, const struct conf_limits *lim)
{
	char err[200];

	return xline_check_width(kind, mask, lim, err, sizeof(err)) == 0;
}

START_TEST(test_kline_needs_nonwildcard_characters)
{
	struct conf_limits lim = limits(4, 16, 48);

	ck_assert(!ok(XLINE_K, "*@*", &lim));
	ck_assert(!ok(XLINE_K, "*@*.*", &lim));
	ck_assert(!ok(XLINE_K, "a*@*", &lim));
	ck_assert(!ok(XLINE_K, "*@*.com", &lim)); /* three */
	ck_assert(!ok(XLINE_K, "???@*", &lim));
	ck_assert(!ok(XLINE_K, "*@*:*:*", &lim));
	ck_assert(ok(XLINE_K, "*@*.info", &lim)); /* four */
	ck_assert(ok(XLINE_K, "ab@*.cd", &lim));  /* counted over user and host */
	ck_assert(ok(XLINE_K, "bad@host.example", &lim));
	ck_assert(ok(XLINE_K, "*@192.0.2.*", &lim));
}
END_TEST

START_TEST(test_kline_exact_host_is_narrow)
{
	struct conf_limits lim = limits(4, 16, 48);

	ck_assert(ok(XLINE_K, "*@::1", &lim));
	ck_assert(ok(XLINE_K, "*@a.b", &lim));
	ck_assert(ok(XLINE_K, "*@192.0.2.7", &lim));
}
END_TEST

START_TEST(test_kline_host_range_needs_bits)
{
	struct conf_limits lim = limits(4, 16, 48);

	ck_assert(!ok(XLINE_K, "*@10.0.0.0/8", &lim));
	ck_assert(ok(XLINE_K, "*@10.1.0.0/16", &lim));
	ck_assert(!ok(XLINE_K, "*@2001:db8::/32", &lim));
	ck_assert(ok(XLINE_K, "*@2001:db8::/48", &lim));
}
END_TEST

START_TEST(test_dline_needs_bits)
{
	struct conf_limits lim = limits(4, 16, 48);
	char err[200];

	ck_assert(!ok(XLINE_D, "0.0.0.0/0", &lim));
	ck_assert(!ok(XLINE_D, "10.0.0.0/15", &lim));
	ck_assert(ok(XLINE_D, "10.0.0.0/16", &lim));
	ck_assert(ok(XLINE_D, "192.0.2.7", &lim));
	ck_assert(!ok(XLINE_D, "2001:db8::/47", &lim));
	ck_assert(ok(XLINE_D, "2001:db8::/48", &lim));
	ck_assert(ok(XLINE_D, "2001:db8::1", &lim));
	ck_assert(!ok(XLINE_D, "not-an-ip", &lim));
	ck_assert(!ok(XLINE_D, "10.*", &lim));
	xline_check_width(XLINE_D, "10.0.0.0/8", &lim, err, sizeof(err));
	ck_assert_str_eq(err,
	                 "[10.0.0.0/8] is too wide. For safety, bitmasks less than /16 are "
	                 "refused");
	xline_check_width(XLINE_K, "*@*", &lim, err, sizeof(err));
	ck_assert_str_eq(err, "[*@*] is too wide. Please include at least 4 non-wildcard "
	                      "characters with the mask");
}
END_TEST

START_TEST(test_other_limits)
{
	struct conf_limits lim = limits(1, 8, 32);

	ck_assert(ok(XLINE_K, "a*@*", &lim));
	ck_assert(!ok(XLINE_K, "*@*", &lim));
	ck_assert(ok(XLINE_D, "10.0.0.0/8", &lim));
	ck_assert(!ok(XLINE_D, "10.0.0.0/7", &lim));
	ck_assert(ok(XLINE_D, "2001:db8::/32", &lim));
	lim = limits(0, 0, 0);
	ck_assert(ok(XLINE_K, "*@*", &lim));
	ck_assert(ok(XLINE_D, "0.0.0.0/0", &lim));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("xline");
	TCase *tc = tcase_create("width");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_kline_needs_nonwildcard_characters);
	tcase_add_test(tc, test_kline_exact_host_is_narrow);
	tcase_add_test(tc, test_kline_host_range_needs_bits);
	tcase_add_test(tc, test_dline_needs_bits);
	tcase_add_test(tc, test_other_limits);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
