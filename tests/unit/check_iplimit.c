/* check_iplimit.c - addresses grouped by prefix for the per-address limits. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "base/conf.h"
#include "net/iplimit.h"

static struct conf_class
class_with(unsigned v4, unsigned v6)
{
	struct conf_class cl;

	memset(&cl, 0, sizeof(cl));
	cl.ipv4_prefix = v4;
	cl.ipv6_prefix = v6;
	cl.max_per_ip = 2;
	cl.throttle_window = 60;
	return cl;
}

static const char *
group(const char *ip, const struct conf_class *cl)
{
	static char out[IPGROUP_MAX];

	iplimit_group(ip, cl, out, sizeof(out));
	return out;
}

START_TEST(test_ipv6_by_64_by_default)
{
	struct conf_class cl = class_with(32, 64);

	ck_assert_str_eq(group("2001:db8:1:2:aaaa::1", &cl), "2001:db8:1:2::/64");
	ck_assert_str_eq(group("2001:db8:1:2:ffff:ffff:ffff:ffff", &cl), "2001:db8:1:2::/64");
	ck_assert_str_ne(group("2001:db8:1:3::1", &cl), "2001:db8:1:2::/64");
	/* Spellings of one address are one group. */
	ck_assert_str_eq(group("::1", &cl), "::/64");
	ck_assert_str_eq(group("0:0::1", &cl), "::/64");
}
END_TEST

START_TEST(test_ipv4_whole_address_by_default)
{
	struct conf_class cl = class_with(32, 64);

	ck_assert_str_eq(group("192.0.2.7", &cl), "192.0.2.7/32");
	ck_assert_str_eq(group("192.0.2.8", &cl), "192.0.2.8/32");
}
END_TEST

START_TEST(test_other_prefixes)
{
	struct conf_class cl = class_with(24, 48);

	ck_assert_str_eq(group("192.0.2.7", &cl), "192.0.2.0/24");
	ck_assert_str_eq(group("2001:db8:1:2::1", &cl), "2001:db8:1::/48");
	cl = class_with(20, 127);
	ck_assert_str_eq(group("10.1.31.255", &cl), "10.1.16.0/20");
	ck_assert_str_eq(group("2001:db8::3", &cl), "2001:db8::2/127");
	cl = class_with(1, 1);
	ck_assert_str_eq(group("200.1.1.1", &cl), "128.0.0.0/1");
	ck_assert_str_eq(group("not-an-address", &cl), "not-an-address");
}
END_TEST

START_TEST(test_limit_counts_the_group)
{
	struct conf_class cl = class_with(32, 64);
	char g1[IPGROUP_MAX], g2[IPGROUP_MAX], g3[IPGROUP_MAX];

	ck_assert_ptr_null(iplimit_admit("2001:db8:9::1", &cl, g1));
	ck_assert_ptr_null(iplimit_admit("2001:db8:9::2", &cl, g2));
	/* A third address of the same /64 is the same host, over max_per_ip = 2. */
	ck_assert_ptr_nonnull(iplimit_admit("2001:db8:9::3", &cl, g3));
	ck_assert_str_eq(g3, "");
	iplimit_release(g1);
	ck_assert_ptr_null(iplimit_admit("2001:db8:9:0:1::4", &cl, g3));
	ck_assert_str_eq(g3, "2001:db8:9::/64");
	/* Another /64 is another host. */
	ck_assert_ptr_null(iplimit_admit("2001:db8:a::1", &cl, g1));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("iplimit");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_ipv6_by_64_by_default);
	tcase_add_test(tc, test_ipv4_whole_address_by_default);
	tcase_add_test(tc, test_other_prefixes);
	tcase_add_test(tc, test_limit_counts_the_group);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
