/* check_cloak.c - host cloaks: IPv6 pieces from the binary address. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "base/conf.h"
#include "state/cloak.h"

static void
setup(void)
{
	struct config c;

	memset(&c, 0, sizeof(c));
	c.cloak.enabled = 1;
	c.cloak.key = "a test key of enough length";
	c.cloak.prefix = "evircd";
	ck_assert_int_eq(cloak_configure(&c), 0);
}

static const char *
cloak(const char *host, const char *ip, char *out)
{
	cloak_host(host, ip, out, 128);
	return out;
}

START_TEST(test_ipv6_spellings_cloak_the_same)
{
	char a[128], b[128], c[128];

	setup();
	ck_assert_str_eq(cloak("::1", "::1", a), cloak("0:0::1", "0:0::1", b));
	ck_assert_str_eq(a, cloak("0::1", "::1", c)); /* the "0:" form of a host */
	ck_assert_str_eq(cloak("2001:db8::1", "2001:db8::1", a),
	                 cloak("2001:0db8:0:0:0:0:0:1", "2001:0db8:0:0:0:0:0:1", b));
	ck_assert_str_eq(a, cloak("2001:DB8::0001", "2001:DB8::0001", c));
}
END_TEST

START_TEST(test_ipv6_pieces_follow_the_prefixes)
{
	char a[128], b[128], c[128];

	setup();
	cloak("2001:db8:1:2::1", "2001:db8:1:2::1", a);
	cloak("2001:db8:1:2:ffff::9", "2001:db8:1:2:ffff::9", b); /* same /64 */
	cloak("2001:db8:1:3::1", "2001:db8:1:3::1", c);           /* same /48 */
	ck_assert_int_eq(strlen(a), strlen("00000000:00000000:00000000:IP"));
	ck_assert_str_ne(a, b);
	ck_assert_str_eq(a + 9, b + 9); /* B and C: the /64 and the /48 */
	ck_assert_int_ne(memcmp(a + 9, c + 9, 8), 0);
	ck_assert_str_eq(a + 18, c + 18); /* C: the /48 */
}
END_TEST

START_TEST(test_ipv4_and_names_unchanged)
{
	char a[128];

	setup();
	ck_assert(strstr(cloak("192.0.2.7", "192.0.2.7", a), ".IP") != NULL);
	ck_assert(strncmp(cloak("dsl-1.example.net", "192.0.2.7", a), "evircd-", 7) == 0);
	ck_assert(strstr(a, ".example.net") != NULL);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("cloak");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_ipv6_spellings_cloak_the_same);
	tcase_add_test(tc, test_ipv6_pieces_follow_the_prefixes);
	tcase_add_test(tc, test_ipv4_and_names_unchanged);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
