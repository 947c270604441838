/* stats.h - server-wide counters for STATS, LUSERS and metrics. */
#ifndef EVIRCD_STATS_H
#define EVIRCD_STATS_H

#include <stdint.h>

#define FANOUT_BUCKETS 8 /* 1, 10, 100, 1k, 10k, 100k, 1M, more */

struct stats {
	uint64_t connections; /* accepted */
	uint64_t refused;     /* refused at accept (full, EMFILE) */
	uint64_t sendq_exceeded;
	uint64_t msgs_in;
	uint64_t bytes_in;
	uint64_t bytes_out;
	uint64_t parse_errors;
	uint64_t unknown_commands;
	uint64_t msgs_out; /* lines queued */
	uint64_t dropped;  /* lines not queued: recipient closing or over sendq */
	uint64_t joins;
	uint64_t parts; /* parts and kicks */
	uint64_t fanout_sum;
	uint64_t fanout[FANOUT_BUCKETS];
};

extern struct stats stats;

void stats_fanout(uint32_t recipients);

#endif
