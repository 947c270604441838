/* check_hash.c - strmap (casemapped names) and ptrmap (addresses): put/get/del, growth,
 * backward-shift deletion. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"

#define MANY 5000

/* Keys are borrowed by the map: keep them alive in one array. */
static char keys[MANY][16];

static void
make_keys(void)
{
	for (int i = 0; i < MANY; i++)
		snprintf(keys[i], sizeof(keys[i]), "Nick%d", i);
}

/* Fisher-Yates with a fixed seed, so failures are reproducible. */
static void
shuffle(int *order, int n, unsigned seed)
{
	srand(seed);
	for (int i = 0; i < n; i++)
		order[i] = i;
	for (int i = n - 1; i > 0; i--) {
		int j = rand() % (i + 1);
		int t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
}

START_TEST(test_strmap_casemapped_keys)
{
	struct strmap m;
	int a = 1, b = 2;

	strmap_init(&m, 0);
	ck_assert_ptr_null(strmap_get(&m, "nobody"));
	ck_assert_ptr_null(strmap_del(&m, "nobody"));
	strmap_put(&m, "nick{", &a);
	strmap_put(&m, "#Chan", &b);
	ck_assert_uint_eq(m.count, 2);
	/* rfc1459: [ ] \ ~ are the upper case of { } | ^. */
	ck_assert_ptr_eq(strmap_get(&m, "Nick["), &a);
	ck_assert_ptr_eq(strmap_get(&m, "NICK{"), &a);
	ck_assert_ptr_eq(strmap_get(&m, "#chan"), &b);
	ck_assert_ptr_eq(strmap_get(&m, "#CHAN"), &b);
	ck_assert_ptr_null(strmap_get(&m, "nick"));
	ck_assert_ptr_null(strmap_get(&m, "nick{{"));
	/* Deleting by another spelling of the same name. */
	ck_assert_ptr_eq(strmap_del(&m, "NICK["), &a);
	ck_assert_uint_eq(m.count, 1);
	ck_assert_ptr_null(strmap_get(&m, "nick{"));
	ck_assert_ptr_null(strmap_del(&m, "nick{"));
	ck_assert_ptr_eq(strmap_get(&m, "#chan"), &b);
	strmap_free(&m);
	ck_assert_ptr_null(m.slots);
	ck_assert_uint_eq(m.count, 0);
}
END_TEST

START_TEST(test_strmap_replace)
{
	struct strmap m;
	int a = 1, b = 2;

	strmap_init(&m, 4);
	strmap_put(&m, "alice", &a);
	strmap_put(&m, "ALICE", &b);
	ck_assert_uint_eq(m.count, 1);
	ck_assert_ptr_eq(strmap_get(&m, "alice"), &b);
	/* The key is replaced too (it is borrowed from the new object). */
	strmap_foreach (&m, slot)
		ck_assert_str_eq(slot->key, "ALICE");
	strmap_free(&m);
}
END_TEST

START_TEST(test_strmap_growth)
{
	struct strmap m;
	size_t cap0;

	make_keys();
	strmap_init(&m, 4);
	cap0 = m.mask + 1;
	for (int i = 0; i < MANY; i++)
		strmap_put(&m, keys[i], &keys[i]);
	ck_assert_uint_eq(m.count, MANY);
	ck_assert_uint_gt(m.mask + 1, cap0);
	/* Load stays at most 3/4 and the capacity a power of two. */
	ck_assert_uint_le(m.count * 4, (m.mask + 1) * 3);
	ck_assert_uint_eq((m.mask + 1) & m.mask, 0);
	ck_assert_uint_eq(strmap_memory(&m), (m.mask + 1) * sizeof(struct strmap_slot));
	for (int i = 0; i < MANY; i++) {
		char upper[16];
		for (size_t k = 0; k < sizeof(upper); k++)
			upper[k] =
			    (char)(keys[i][k] >= 'a' && keys[i][k] <= 'z' ? keys[i][k] - 32
			                                                  : keys[i][k]);
		ck_assert_ptr_eq(strmap_get(&m, keys[i]), &keys[i]);
		ck_assert_ptr_eq(strmap_get(&m, upper), &keys[i]);
	}
	ck_assert_ptr_null(strmap_get(&m, "Nick5000"));
	strmap_free(&m);
}
END_TEST

START_TEST(test_strmap_random_deletes)
{
	static int order[MANY];
	static char deleted[MANY];

	make_keys();
	for (unsigned seed = 1; seed <= 5; seed++) {
		struct strmap m;
		int ndel = seed == 5 ? MANY : MANY / 2 + (int)seed * 300;

		strmap_init(&m, 16);
		for (int i = 0; i < MANY; i++)
			strmap_put(&m, keys[i], &keys[i]);
		memset(deleted, 0, sizeof(deleted));
		shuffle(order, MANY, seed);
		for (int d = 0; d < ndel; d++) {
			int k = order[d];
			ck_assert_ptr_eq(strmap_del(&m, keys[k]), &keys[k]);
			deleted[k] = 1;
			/* Spot-check as we go: deletion must not hide a neighbour. */
			if (d % 97 == 0)
				for (int i = 0; i < MANY; i++)
					ck_assert_ptr_eq(strmap_get(&m, keys[i]),
					                 deleted[i] ? NULL : (void *)&keys[i]);
		}
		ck_assert_uint_eq(m.count, (size_t)(MANY - ndel));
		for (int i = 0; i < MANY; i++) {
			if (deleted[i]) {
				ck_assert_ptr_null(strmap_get(&m, keys[i]));
				ck_assert_ptr_null(strmap_del(&m, keys[i]));
			} else {
				ck_assert_ptr_eq(strmap_get(&m, keys[i]), &keys[i]);
			}
		}
		/* Every remaining key exactly once. */
		size_t seen = 0;
		strmap_foreach (&m, slot) {
			int idx = (int)((char(*)[16])slot->value - keys);
			ck_assert_int_eq(deleted[idx], 0);
			seen++;
		}
		ck_assert_uint_eq(seen, (size_t)(MANY - ndel));
		strmap_free(&m);
	}
}
END_TEST

START_TEST(test_strmap_foreach_once)
{
	static int visits[MANY];
	struct strmap m;
	size_t n = 0;

	make_keys();
	strmap_init(&m, 0);
	for (int i = 0; i < 1000; i++)
		strmap_put(&m, keys[i], &visits[i]);
	strmap_foreach (&m, slot) {
		(*(int *)slot->value)++;
		n++;
	}
	ck_assert_uint_eq(n, 1000);
	for (int i = 0; i < 1000; i++)
		ck_assert_int_eq(visits[i], 1);
	strmap_free(&m);

	/* An empty or freed map visits nothing. */
	n = 0;
	strmap_foreach (&m, slot)
		n++;
	ck_assert_uint_eq(n, 0);
	strmap_init(&m, 0);
	strmap_foreach (&m, slot)
		n++;
	ck_assert_uint_eq(n, 0);
	strmap_free(&m);
}
END_TEST

START_TEST(test_ptrmap_basic)
{
	struct ptrmap m;
	int objs[3], vals[3];

	ptrmap_init(&m);
	ck_assert_ptr_null(m.slots);
	ck_assert_uint_eq(ptrmap_memory(&m), 0);
	ck_assert_ptr_null(ptrmap_get(&m, &objs[0]));
	ck_assert_ptr_null(ptrmap_del(&m, &objs[0]));
	ptrmap_put(&m, &objs[0], &vals[0]);
	ptrmap_put(&m, &objs[1], &vals[1]);
	ck_assert_ptr_nonnull(m.slots);
	ck_assert_uint_eq(m.count, 2);
	ck_assert_ptr_eq(ptrmap_get(&m, &objs[0]), &vals[0]);
	ck_assert_ptr_eq(ptrmap_get(&m, &objs[1]), &vals[1]);
	ck_assert_ptr_null(ptrmap_get(&m, &objs[2]));
	/* Replace. */
	ptrmap_put(&m, &objs[1], &vals[2]);
	ck_assert_uint_eq(m.count, 2);
	ck_assert_ptr_eq(ptrmap_get(&m, &objs[1]), &vals[2]);
	/* Deleting an absent key changes nothing. */
	ck_assert_ptr_null(ptrmap_del(&m, &objs[2]));
	ck_assert_uint_eq(m.count, 2);
	ck_assert_ptr_eq(ptrmap_del(&m, &objs[0]), &vals[0]);
	ck_assert_uint_eq(m.count, 1);
	ck_assert_ptr_nonnull(m.slots);
	ck_assert_ptr_null(ptrmap_get(&m, &objs[0]));
	/* The table is released when the last entry goes. */
	ck_assert_ptr_eq(ptrmap_del(&m, &objs[1]), &vals[2]);
	ck_assert_uint_eq(m.count, 0);
	ck_assert_ptr_null(m.slots);
	ck_assert_uint_eq(m.mask, 0);
	ck_assert_uint_eq(ptrmap_memory(&m), 0);
	/* And it can be used again. */
	ptrmap_put(&m, &objs[2], &vals[0]);
	ck_assert_ptr_eq(ptrmap_get(&m, &objs[2]), &vals[0]);
	ptrmap_free(&m);
	ck_assert_ptr_null(m.slots);
	ck_assert_uint_eq(m.count, 0);
}
END_TEST

START_TEST(test_ptrmap_growth_and_random_deletes)
{
	static int objs[MANY], vals[MANY], perm[MANY];
	static char deleted[MANY];

	for (unsigned seed = 11; seed <= 14; seed++) {
		struct ptrmap m;
		int ndel = seed == 14 ? MANY : MANY / 3 + (int)seed * 100;

		ptrmap_init(&m);
		for (int i = 0; i < MANY; i++)
			ptrmap_put(&m, &objs[i], &vals[i]);
		ck_assert_uint_eq(m.count, MANY);
		ck_assert_uint_le(m.count * 4, (m.mask + 1) * 3);
		ck_assert_uint_eq(ptrmap_memory(&m), (m.mask + 1) * sizeof(struct ptrmap_slot));
		for (int i = 0; i < MANY; i++)
			ck_assert_ptr_eq(ptrmap_get(&m, &objs[i]), &vals[i]);

		shuffle(perm, MANY, seed);
		memset(deleted, 0, sizeof(deleted));
		for (int d = 0; d < ndel; d++) {
			int k = perm[d];
			ck_assert_ptr_eq(ptrmap_del(&m, &objs[k]), &vals[k]);
			deleted[k] = 1;
			if (d % 101 == 0 && d + 1 < MANY)
				for (int i = 0; i < MANY; i++)
					ck_assert_ptr_eq(ptrmap_get(&m, &objs[i]),
					                 deleted[i] ? NULL : (void *)&vals[i]);
		}
		ck_assert_uint_eq(m.count, (uint32_t)(MANY - ndel));
		for (int i = 0; i < MANY; i++)
			ck_assert_ptr_eq(ptrmap_get(&m, &objs[i]),
			                 deleted[i] ? NULL : (void *)&vals[i]);
		if (ndel == MANY)
			ck_assert_ptr_null(m.slots);
		ptrmap_free(&m);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("hash");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_strmap_casemapped_keys);
	tcase_add_test(tc, test_strmap_replace);
	tcase_add_test(tc, test_strmap_growth);
	tcase_add_test(tc, test_strmap_random_deletes);
	tcase_add_test(tc, test_strmap_foreach_once);
	tcase_add_test(tc, test_ptrmap_basic);
	tcase_add_test(tc, test_ptrmap_growth_and_random_deletes);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
