/* store.h - persistent state in sqlite3 (WAL): what outlives a restart. */
#ifndef EVIRCD_STORE_H
#define EVIRCD_STORE_H

/* Open (creating the file, its folder and the schema) and load state. */
int store_open(const char *path);
void store_close(void);
/* Save the LUSERS record counts if they changed (cheap to call often). */
void store_save_counts(void);

#endif
