/* cli.c: the command-line interface: folders, list and show over one account's IMAP session; cache
 * figures and clearing without one. */
#include "skua.h"
#include "cli.h"
#include "cli-int.h"
#include "backend/account.h"
#include "backend/mailbox.h"
#include "backend/op.h"
#include "backend/setup.h"
#include "hcache/hcache.h"
#include "ui/ui.h"
#include "cfg/cfg.h"
#include "lib/buf.h"
#include "lib/errstr.h"
#include "lib/log.h"
#include "lib/sanitize.h"
#include "lib/xmalloc.h"
#include "mime/mime.h"
#include "model/mindex.h"
#include "model/pattern.h"
#include "model/sort.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define CLI_DEFAULT_COUNT 50

void cli_error(const char *fmt, ...)
{
	struct buf raw = BUF_INIT;
	char *clean;
	va_list ap;

	va_start(ap, fmt);
	buf_vappendf(&raw, fmt, ap);
	va_end(ap);
	clean = sanitize_line(raw.data != NULL ? raw.data : "", raw.len);
	fprintf(stderr, "skua: %s\n", clean);
	free(clean);
	buf_free(&raw);
}

static void cli_usage(FILE *out)
{
	fprintf(out, "%s", _("usage: skua [-d logfile] [-F config] [-a account] [-f FOLDER] [-e COMMAND]...\n"
			     "       skua [-d logfile] [-F config] [-a account] folders\n"
			     "       skua [-d logfile] [-F config] [-a account] list FOLDER [-n N] [--sort date|arrival|threads|from|subject|size] [--limit PATTERN]\n"
			     "       skua [-d logfile] [-F config] [-a account] show FOLDER UID\n"
			     "       skua [-d logfile] [-F config] [-a account] move|copy FOLDER UIDSET DEST\n"
			     "       skua [-d logfile] [-F config] [-a account] flag FOLDER UIDSET +FLAG|-FLAG...\n"
			     "       skua [-d logfile] [-F config] [-a account] delete|expunge FOLDER UIDSET\n"
			     "       skua [-d logfile] [-F config] [-a account] mkdir|rmdir|subscribe|unsubscribe FOLDER\n"
			     "       skua [-d logfile] [-F config] [-a account] rename OLD NEW\n"
			     "       skua [-F config] [-a account] cache stats|clear [ACCOUNT [FOLDER]]\n"
			     "       skua --version | --help\n"));
}

void cli_print_sanitized(const char *s, size_t len)
{
	char *clean = sanitize_line(s, len);
	fputs(clean, stdout);
	free(clean);
}

/* --- connecting --- */

/* Loads the configuration and prints its warnings. Returns 0, or -1 after printing. */
static int cli_load_config(struct cli *cli)
{
	const char *error;

	if (setup_config(cli->config_path, &cli->cfg, &error) < 0) {
		cli_error("%s", error);
		return -1;
	}
	for (char **w = cli->cfg->warnings; w != NULL && *w != NULL; w++)
		cli_error(_("warning: %s"), *w);
	return 0;
}

/* Loads the configuration and finds the account. Returns 0, or -1 after printing. */
static int cli_load_account(struct cli *cli)
{
	if (cli_load_config(cli) < 0)
		return -1;
	cli->acct = cfg_account_find(cli->cfg, cli->account_name);
	if (cli->acct == NULL) {
		if (cli->account_name != NULL)
			cli_error(_("unknown account '%s'"), cli->account_name);
		else
			cli_error(_("no account configured in %s"), cli->cfg->path);
		return -1;
	}
	return 0;
}

/* Opens the header cache (without one skua works uncached); a damaged cache moved aside is said. */
static struct hcache *cli_hcache(struct cli *cli, const char **error_r)
{
	const char *notice;
	struct hcache *hc = setup_hcache(cli->cfg, &notice, error_r);

	if (notice != NULL)
		cli_error("%s", notice);
	return hc;
}

int cli_connect(struct cli *cli)
{
	const char *error;

	if (cli_load_account(cli) < 0)
		return -1;
	if ((cli->hc = cli_hcache(cli, &error)) == NULL)
		log_warn("%s", error);
	cli->account = account_new(cli->acct, cli->hc);
	if (account_connect(cli->account, &error) < 0) {
		cli_error("%s", error);
		return -1;
	}
	return 0;
}

int cli_run(struct cli *cli, const struct op *op, const struct op_sink *sink)
{
	const char *error;

	if (op_run(cli->account, op, sink, NULL, &error) != OP_OK) {
		cli_error("%s", error);
		return -1;
	}
	return 0;
}

/* --- folders --- */

static int print_folder(void *ctx, const struct worker_folder *f)
{
	(void)ctx;
	if (f->attrs & (IMAP_MBOX_NOSELECT | IMAP_MBOX_NONEXISTENT))
		return 0;
	cli_print_sanitized(f->name, strlen(f->name));
	printf("\t%lld\t%lld\n", (long long)(f->messages < 0 ? 0 : f->messages),
	       (long long)(f->unseen < 0 ? 0 : f->unseen));
	return 0;
}

static int cli_folders(struct cli *cli)
{
	struct op op;
	struct op_sink sink = { .folder = print_folder };
	int ret;

	op_init(&op, OP_FOLDERS);
	ret = cli_run(cli, &op, &sink);
	op_clear(&op);
	return ret;
}

/* --- list --- */

/* OP_OPEN's records: a message into the index; NULL means "forget what you were given". */
static int list_msg(void *ctx, const struct hcache_msg *m)
{
	struct mindex *idx = ctx;

	if (m == NULL)
		mindex_reset(idx);
	else
		mindex_add(idx, m);
	return 0;
}

static void flags_string(uint32_t flags, char *out)
{
	size_t n = 0;

	if (!(flags & IMAP_FLAG_SEEN))
		out[n++] = 'N';
	if (flags & IMAP_FLAG_FLAGGED)
		out[n++] = 'F';
	if (flags & IMAP_FLAG_ANSWERED)
		out[n++] = 'R';
	if (flags & IMAP_FLAG_DELETED)
		out[n++] = 'D';
	if (flags & IMAP_FLAG_DRAFT)
		out[n++] = 'T';
	if (n == 0)
		out[n++] = '-';
	out[n] = '\0';
}

static void print_list_line(const struct mindex *idx, const struct mindex_msg *m, unsigned int depth)
{
	char flags[8], datestr[32] = "";
	const char *raw;
	char *from, *subject;
	size_t len;

	flags_string(m->flags, flags);
	if (m->date >= 0) {
		time_t t = (time_t)m->date;
		struct tm tm;
		if (localtime_r(&t, &tm) != NULL)
			strftime(datestr, sizeof(datestr), "%Y-%m-%d %H:%M", &tm);
	}
	raw = mindex_str(idx, m->from, &len);
	from = raw != NULL ? mime_address_display(raw, len, true) : xstrdup("");
	raw = mindex_str(idx, m->subject, &len);
	subject = raw != NULL ? mime_decode_text(raw, len) : xstrdup("");
	printf("%u\t%s\t%s\t%s\t", m->uid, flags, datestr, from);
	for (unsigned int i = 0; i < depth && i < 16; i++)
		fputs(i + 1 == depth ? "> " : "  ", stdout);
	fputs(subject, stdout);
	fputc('\n', stdout);
	free(from);
	free(subject);
}

struct list_ctx {
	struct mindex *idx;
	const char *folder;
};

static int list_msg_ctx(void *ctx, const struct hcache_msg *m)
{
	return list_msg(((struct list_ctx *)ctx)->idx, m);
}

static void list_opened(void *ctx, const struct mailbox_load_stats *stats, bool partial)
{
	const struct list_ctx *lc = ctx;

	log_info("list %s: %zu from cache, %zu fetched, %zu flag changes, %zu expunged (%s%s%s%s)", lc->folder,
		 stats->from_cache, stats->fetched, stats->flag_changes, stats->expunged,
		 mailbox_method_name(stats->method), stats->unchanged ? ", unchanged" : "",
		 stats->fell_back ? ", fell back" : "", partial ? ", newest only" : "");
}

static int cli_list(struct cli *cli, const char *folder, size_t limit, enum sort_order order,
		    const struct pattern *pattern)
{
	struct mindex *idx = mindex_new();
	struct sort_line *lines = NULL;
	bool *match = NULL;
	struct op op;
	struct list_ctx lc = { idx, folder };
	struct op_sink sink = { .ctx = &lc, .msg = list_msg_ctx, .opened = list_opened };
	size_t nlines;
	int ret;

	/* read-only: listing never changes anything on the server (not even \Recent); every order but
	 * threads shows the newest `limit` by date (or arrival), which the cache finds without reading
	 * every record */
	op_init(&op, OP_OPEN);
	op_set(&op.mailbox, folder);
	op.readonly = true;
	op.limit = order == SORT_THREADS || pattern != NULL ? SIZE_MAX : limit;
	op.order = order == SORT_ARRIVAL ? HCACHE_ORDER_ARRIVAL : HCACHE_ORDER_DATE;
	ret = cli_run(cli, &op, &sink);
	if (ret == 0) {
		log_debug("list %s: %zu messages, index %zu bytes", folder, mindex_live(idx), mindex_memory(idx));
		nlines = sort_messages(idx, order, false, pattern != NULL ? SIZE_MAX : limit, &lines);
		if (pattern != NULL) {
			/* the matching ones, in order, the first `limit` of them */
			struct pattern_env env = { NULL, NULL, NULL };
			size_t shown = 0;

			match = xmalloc((mindex_count(idx) > 0 ? mindex_count(idx) : 1) * sizeof(*match));
			pattern_match_index(pattern, idx, &env, match);
			for (size_t i = 0; i < nlines && shown < limit; i++) {
				if (match[lines[i].pos]) {
					print_list_line(idx, mindex_get(idx, lines[i].pos), lines[i].depth);
					shown++;
				}
			}
		} else {
			for (size_t i = 0; i < nlines; i++)
				print_list_line(idx, mindex_get(idx, lines[i].pos), lines[i].depth);
		}
	}
	op_clear(&op);
	free(match);
	free(lines);
	mindex_free(&idx);
	return ret;
}

/* --- show --- */

struct show_ctx {
	char *data;
	size_t len;
};

static int show_body(void *ctx, char *data, size_t len)
{
	struct show_ctx *sc = ctx;

	free(sc->data);
	sc->data = data;
	sc->len = len;
	return 0;
}

static int cli_show(struct cli *cli, const char *folder, const char *uidstr)
{
	struct show_ctx sc = { NULL, 0 };
	struct op op;
	struct op_sink sink = { .ctx = &sc, .body = show_body };
	struct mime_render_opts opts = { cli->cfg->html_command, NULL, MIME_RENDER_MAX_MS };
	char *end;
	unsigned long uid;
	int ret;

	errno = 0;
	uid = strtoul(uidstr, &end, 10);
	if (errno != 0 || *end != '\0' || uid == 0 || uid > UINT32_MAX || uidstr[0] < '0' || uidstr[0] > '9') {
		cli_error(_("no such message: '%s' is not a UID"), uidstr);
		return -1;
	}
	/* the same procedure as the pager's: body cache, else a streamed fetch that is then cached */
	op_init(&op, OP_BODY);
	op_set(&op.mailbox, folder);
	imap_uidset_add(&op.uids, (uint32_t)uid);
	ret = cli_run(cli, &op, &sink);
	if (ret == 0) {
		struct mime_message *msg = mime_message_parse(sc.data != NULL ? sc.data : "", sc.len);
		struct buf out = BUF_INIT;

		mime_message_render(msg, &opts, &out);
		fwrite(out.data, 1, out.len, stdout);
		mime_message_free(&msg);
		buf_free(&out);
	}
	op_clear(&op);
	free(sc.data);
	return ret;
}

/* --- cache --- */

static void print_cache_stats(const struct hcache_stats *st)
{
	for (size_t i = 0; i < st->n_mailboxes; i++) {
		const struct hcache_mailbox_stats *ms = &st->mailboxes[i];

		if (ms->account == NULL)
			continue; /* records whose mailbox is unknown: in the total only */
		cli_print_sanitized(ms->account, strlen(ms->account));
		fputc('\t', stdout);
		cli_print_sanitized(ms->mailbox, strlen(ms->mailbox));
		printf("\t%u\t%u\t%u\t%llu\t%llu\t%llu\t%llu\n", ms->state.uidvalidity, ms->state.uidnext,
		       ms->state.exists, (unsigned long long)ms->state.highestmodseq, (unsigned long long)ms->records,
		       (unsigned long long)ms->other_records, (unsigned long long)ms->bytes);
	}
	printf("total\t-\t-\t-\t-\t-\t%llu\t%llu\t%llu\t%llu\t%llu\t%llu\n", (unsigned long long)st->records,
	       (unsigned long long)st->other_records, (unsigned long long)st->bytes,
	       (unsigned long long)st->file_size, (unsigned long long)(st->pages_used * st->page_size),
	       (unsigned long long)(st->data_pages * st->page_size));
}

/* cache stats|clear [ACCOUNT [FOLDER]]: no connection. ACCOUNT defaults to -a's, else every account. */
static int cli_cache(struct cli *cli, const char *action, const char *account, const char *folder)
{
	struct hcache_stats *st = NULL;
	struct hcache *hc;
	const char *error;
	int ret;

	if (cli_load_config(cli) < 0)
		return -1;
	if (account == NULL)
		account = cli->account_name;
	if (account != NULL && cfg_account_find(cli->cfg, account) == NULL) {
		cli_error(_("unknown account '%s'"), account);
		return -1;
	}
	if ((hc = cli_hcache(cli, &error)) == NULL) {
		cli_error("%s", error);
		return -1;
	}
	if (strcmp(action, "clear") == 0) {
		ret = hcache_clear(hc, account, folder, &error);
	} else {
		ret = hcache_stats(hc, account, folder, &st, &error);
		if (ret == 0)
			print_cache_stats(st);
	}
	if (ret < 0)
		cli_error("%s", error);
	hcache_stats_free(&st);
	hcache_close(&hc);
	return ret;
}

/* --- the full-screen interface --- */

static int cli_ui(struct cli *cli, const char *folder, char **cmds, size_t n_cmds)
{
	struct ui_start start = { .folder = folder, .commands = cmds, .n_commands = n_cmds };
	struct hcache *hc;
	const char *error;
	int ret;

	if (cli_load_account(cli) < 0) {
		cfg_free(&cli->cfg);
		return -1;
	}
	if ((hc = cli_hcache(cli, &error)) == NULL)
		log_warn("%s", error);
	start.account = cli->acct->name;
	ret = ui_main(cli->cfg, hc, &start, &error);
	if (ret < 0)
		cli_error("%s", error);
	hcache_close(&hc);
	cfg_free(&cli->cfg);
	log_close();
	return ret;
}

/* --- main --- */

int cli_main(int argc, char **argv)
{
	static const struct option global_opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct option list_opts[] = {
		{ "sort", required_argument, NULL, 's' },
		{ "limit", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli cli;
	const char *command, *folder = NULL, *ui_folder = NULL;
	char **ui_cmds = NULL;
	size_t n_ui_cmds = 0;
	size_t limit = CLI_DEFAULT_COUNT;
	const char *limit_text = NULL, *perr = NULL;
	struct pattern *pattern = NULL;
	enum sort_order order = SORT_DATE;
	bool order_given = false;
	int c, ret;

	memset(&cli, 0, sizeof(cli));
	while ((c = getopt_long(argc, argv, "+F:a:d:f:e:hV", global_opts, NULL)) != -1) {
		const char *error;

		switch (c) {
		case 'f':
			ui_folder = optarg;
			break;
		case 'e':
			ui_cmds = xrealloc(ui_cmds, (n_ui_cmds + 1) * sizeof(*ui_cmds));
			ui_cmds[n_ui_cmds++] = optarg;
			break;
		case 'd':
			/* SKUA_LOG_LEVEL=info leaves out the protocol trace (what make bench uses) */
			if (log_open(optarg, getenv("SKUA_LOG_LEVEL") != NULL && strcmp(getenv("SKUA_LOG_LEVEL"), "info") == 0 ?
				     LOG_INFO : LOG_DEBUG, &error) < 0) {
				cli_error(_("cannot open the debug log: %s"), error);
				return 2;
			}
			break;
		case 'F':
			cli.config_path = optarg;
			break;
		case 'a':
			cli.account_name = optarg;
			break;
		case 'h':
			cli_usage(stdout);
			return 0;
		case 'V':
			printf("skua %s\n", PACKAGE_VERSION);
			return 0;
		default:
			cli_usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		/* no command: the full-screen interface */
		ret = cli_ui(&cli, ui_folder, ui_cmds, n_ui_cmds);
		free(ui_cmds);
		return ret == 0 ? 0 : 1;
	}
	if (ui_folder != NULL || n_ui_cmds > 0) {
		cli_error("%s", _("-f and -e are for the full-screen interface, not with a command"));
		free(ui_cmds);
		return 2;
	}
	command = argv[optind++];
	if (strcmp(command, "folders") == 0) {
		if (optind != argc) {
			cli_usage(stderr);
			return 2;
		}
	} else if (strcmp(command, "list") == 0) {
		/* FOLDER may come before or after the options: rescan the command's own arguments */
		int sub_argc = argc - optind + 1;
		char **sub_argv = argv + optind - 1;
		optind = 0;
		while ((c = getopt_long(sub_argc, sub_argv, "n:", list_opts, NULL)) != -1) {
			char *end;
			switch (c) {
			case 'n':
				errno = 0;
				unsigned long long n = strtoull(optarg, &end, 10);
				if (errno != 0 || *end != '\0' || optarg[0] == '-' || n == 0) {
					cli_error(_("invalid count '%s'"), optarg);
					return 2;
				}
				limit = n > SIZE_MAX ? SIZE_MAX : (size_t)n;
				break;
			case 'l':
				limit_text = optarg;
				break;
			case 's':
				order_given = true;
				if (sort_order_parse(optarg, &order) < 0) {
					cli_error(_("unknown sort order '%s' (date, arrival, threads, from, subject, size)"), optarg);
					return 2;
				}
				break;
			default:
				cli_usage(stderr);
				return 2;
			}
		}
		if (sub_argc - optind != 1) {
			cli_usage(stderr);
			return 2;
		}
		folder = sub_argv[optind];
		if (limit_text != NULL && (pattern = pattern_parse(limit_text, &perr)) == NULL) {
			cli_error("%s", perr);
			return 2;
		}
	} else if (strcmp(command, "show") == 0) {
		if (argc - optind != 2) {
			cli_usage(stderr);
			return 2;
		}
	} else if (cli_triage_find(command) != NULL) {
		if (!cli_triage_args(command, argc - optind)) {
			cli_usage(stderr);
			return 2;
		}
	} else if (strcmp(command, "cache") == 0) {
		if (argc - optind < 1 || argc - optind > 3 ||
		    (strcmp(argv[optind], "stats") != 0 && strcmp(argv[optind], "clear") != 0)) {
			cli_usage(stderr);
			return 2;
		}
	} else {
		cli_error(_("unknown command '%s'"), command);
		cli_usage(stderr);
		return 2;
	}

	if (strcmp(command, "cache") == 0) {
		ret = cli_cache(&cli, argv[optind], optind + 1 < argc ? argv[optind + 1] : NULL,
				optind + 2 < argc ? argv[optind + 2] : NULL);
	} else if (cli_connect(&cli) < 0) {
		ret = -1;
	} else if (strcmp(command, "folders") == 0) {
		ret = cli_folders(&cli);
	} else if (cli_triage_find(command) != NULL) {
		ret = cli_triage(&cli, command, argc - optind, argv + optind);
	} else if (strcmp(command, "list") == 0) {
		if (!order_given && cli.cfg->sort != NULL && sort_order_parse(cli.cfg->sort, &order) < 0)
			order = SORT_DATE;
		ret = cli_list(&cli, folder, limit, order, pattern);
	} else {
		ret = cli_show(&cli, argv[optind], argv[optind + 1]);
	}
	pattern_free(&pattern);
	account_free(&cli.account);
	hcache_close(&cli.hc);
	cfg_free(&cli.cfg);
	log_close();
	if (fflush(stdout) != 0 && ret == 0) {
		cli_error(_("cannot write output: %s"), strerror(errno));
		ret = -1;
	}
	return ret == 0 ? 0 : 1;
}
