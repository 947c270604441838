/* history_db.h - the chat history's sqlite connection: rows in, rows out. */
#ifndef EVIRCD_HISTORY_DB_H
#define EVIRCD_HISTORY_DB_H

#include <stddef.h>
#include <stdint.h>

struct history_row;

/* Lines written in one transaction, then retention if prune is set. */
struct history_batch {
	struct history_row *rows;
	size_t n, cap;
	int64_t max_age_ms;      /* delete older lines (0: keep) */
	unsigned max_per_target; /* keep at most this many lines per target */
	int prune;
	int failed; /* set by the writer: nothing of it was committed */
};

/*
 * The history has its own connection, used only on the history worker
 * lane.  Open and close run on the loop while the lane is idle (start,
 * rehash, after worker_stop); everything else runs on the lane.
 */
int history_db_open(const char *path);
void history_db_close(void);
int history_db_is_open(void);

/* One transaction; 0, or -1 when nothing was committed (the database stayed
 * locked for the busy timeout, the disk is full...). */
int history_db_write(const struct history_batch *b);

/* Lines of key with after < time_ms < before, at most limit. */
struct history_range {
	const char *key;
	int64_t after, before;
	int limit;
	int newest; /* the newest end of the range, else the oldest */
	int events; /* channel events too, not only messages */
};

/* Append the range's lines to rows, oldest first; -1 if it cannot be read. */
int history_db_range(const struct history_range *r, struct history_row **rows, size_t *nrows);
/* The time of msgid in key's history; -1 when there is no such line. */
int64_t history_db_time_of(const char *key, const char *msgid);
/* Every key with a line in after < time_ms < before: its newest time, newest last. */
int history_db_targets(int64_t after, int64_t before, int events, struct history_row **rows,
                       size_t *nrows);
/* Who wrote msgid (its session and account, "" when unknown); 0 when no such line. */
int history_db_author(const char *key, const char *msgid, char *uid, size_t uid_size,
                      char *account, size_t account_size);
/* The line msgid, and the further lines of its multiline message ("msgid/2", ...). */
void history_db_delete(const char *key, const char *msgid);
void history_db_delete_target(const char *key);
/* Move a target's lines to another key (a channel RENAME). */
void history_db_rename_target(const char *old_key, const char *new_key);
/* Every key matching either LIKE pattern (escaped with '\'). */
void history_db_delete_matching(const char *pattern1, const char *pattern2);

#endif
