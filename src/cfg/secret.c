/* secret.c: an account's secret: its literal password, or what its password-command or oauth-command
 * prints (run without a terminal, bounded in time and size, wiped after use). */
#include "skua.h"
#include "cfg.h"
#include "lib/buf.h"
#include "lib/errstr.h"
#include "lib/proc.h"
#include "lib/xmalloc.h"

#include <string.h>

/* Named limits. */
#define CFG_SECRET_TIMEOUT_MS 30000      /* password-command / oauth-command */
#define CFG_SECRET_MAX_OUT (64 * 1024)   /* their output */

int cfg_account_secret(const struct cfg_account *acct, bool oauth, char **secret_r, const char **error_r)
{
	const char *what = oauth ? "oauth-command" : "password-command";
	const char *cmd = oauth ? acct->oauth_command : acct->password_command;
	struct buf out = BUF_INIT;
	const char *error;
	size_t len;
	int ret;

	if (!oauth && acct->password != NULL) {
		*secret_r = xstrdup(acct->password);
		return 0;
	}
	if (cmd == NULL) {
		if (oauth)
			*error_r = errstr(_("account \"%s\" has no oauth-command"), acct->name);
		else
			*error_r = errstr(_("account \"%s\" has no password or password-command"), acct->name);
		return -1;
	}

	const char *argv[] = { "/bin/sh", "-c", cmd, NULL };
	/* reserve everything up front so the secret is never left behind in a realloc'd-away block */
	buf_reserve(&out, CFG_SECRET_MAX_OUT + 1);
	ret = proc_run(argv, NULL, 0, &out, CFG_SECRET_MAX_OUT, CFG_SECRET_TIMEOUT_MS, &error);
	if (ret < 0) {
		*error_r = errstr(_("%s of account \"%s\" failed: %s"), what, acct->name, error);
		goto out;
	}
	if (ret != 0) {
		*error_r = errstr(_("%s of account \"%s\" exited with status %d"), what, acct->name, ret);
		ret = -1;
		goto out;
	}
	len = 0;
	while (len < out.len && out.data[len] != '\n')
		len++;
	if (len > 0 && out.data[len - 1] == '\r')
		len--;
	if (len == 0) {
		*error_r = errstr(_("%s of account \"%s\" printed nothing"), what, acct->name);
		ret = -1;
		goto out;
	}
	if (memchr(out.data, '\0', len) != NULL) {
		*error_r = errstr(_("%s of account \"%s\" printed a NUL byte"), what, acct->name);
		ret = -1;
		goto out;
	}
	*secret_r = xstrndup(out.data, len);
out:
	if (out.data != NULL)
		explicit_bzero(out.data, out.cap);
	buf_free(&out);
	return ret;
}
