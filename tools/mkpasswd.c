/* mkpasswd - print an scrypt hash for an [oper] block's password. */
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "base/passwd.h"

static int
read_password(char *buf, size_t size)
{
	struct termios old, quiet;
	int tty = isatty(STDIN_FILENO);

	if (tty) {
		fprintf(stderr, "Password: ");
		tcgetattr(STDIN_FILENO, &old);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
	}
	if (fgets(buf, (int)size, stdin) == NULL)
		buf[0] = '\0';
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSANOW, &old);
		fputc('\n', stderr);
	}
	buf[strcspn(buf, "\r\n")] = '\0';
	return buf[0] != '\0' ? 0 : -1;
}

int
main(int argc, char **argv)
{
	char password[256], hash[PASSWD_HASH_MAX];

	if (argc > 1)
		snprintf(password, sizeof(password), "%s", argv[1]);
	else if (read_password(password, sizeof(password)) != 0) {
		fprintf(stderr, "mkpasswd: no password given\n");
		return 1;
	}
	if (passwd_hash(password, hash, sizeof(hash)) != 0) {
		fprintf(stderr, "mkpasswd: hashing failed\n");
		return 1;
	}
	printf("%s\n", hash);
	return 0;
}
