/* stats.c - server-wide counters. */
#include "base/stats.h"

struct stats stats;

void
stats_fanout(uint32_t recipients)
{
	unsigned bucket = 0;
	uint64_t bound = 1;

	stats.fanout_sum += recipients;
	/* Bucket i holds counts up to 10^i (the histogram's "le" bounds). */
	while (recipients > bound && bucket < FANOUT_BUCKETS - 1) {
		bound *= 10;
		bucket++;
	}
	stats.fanout[bucket]++;
}
