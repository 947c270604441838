/* preflight.h - the files a configuration names, checked before start. */
#ifndef EVIRCD_PREFLIGHT_H
#define EVIRCD_PREFLIGHT_H

#include "base/conf.h"

/*
 * Check the certificate, key, cloak key, database and log file of c: what
 * must exist exists and can be read, and what the server makes at start
 * (database, cloak key, their folders) can be made.  Each problem is one
 * line on stderr, "config:0: key: problem: what to do"; with notes, files
 * still to be made are listed too (evircd -t).  Returns the problem count.
 */
int preflight_files(const struct config *c, int notes);

#endif
