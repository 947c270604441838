/* fuzz_conf.c - the config loader (ircd/base/conf.c) on arbitrary files: it
 * must load or refuse with an error naming file, line and key, and free
 * what it loaded.  The input is written to a file in a private temporary
 * folder (config_load reads a path; "include" lines resolve next to it).
 * Run it with -close_fd_mask=2: every refusal is printed to stderr. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/conf.h"
#include "base/log.h"
#include "base/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[128];

static void
setup(void)
{
	char dir[64];

	snprintf(dir, sizeof(dir), "/tmp/evircd-fuzz-conf-%ld", (long)getpid());
	if ((mkdir(dir, 0700) != 0 && errno != EEXIST))
		abort();
	snprintf(path, sizeof(path), "%s/ircd.conf", dir);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *c;
	FILE *fp;

	if (path[0] == '\0')
		setup();
	if ((fp = fopen(path, "wb")) == NULL)
		abort();
	fwrite(data, 1, size, fp);
	fclose(fp);
	c = config_load(path);
	if (c != NULL)
		config_free(c);
	else if (config_last_error() == NULL || config_last_error()[0] == '\0')
		abort(); /* refused without saying why */
	return 0;
}
