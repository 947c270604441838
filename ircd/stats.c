/* stats.c - server-wide counters. */
#include "stats.h"

struct stats stats;

void
stats_fanout(uint32_t recipients)
{
	unsigned bucket = 0;

	stats.fanout_sum += recipients;
	while (recipients > 1 && bucket < FANOUT_BUCKETS - 1) {
		recipients /= 10;
		bucket++;
	}
	stats.fanout[bucket]++;
}
