/* cli-triage.c: the command line's triage and folder verbs (move, copy, flag, delete, expunge, mkdir,
 * rmdir, subscribe, unsubscribe, rename), each one operation of the backend's. */
#include "skua.h"
#include "cli-int.h"
#include "lib/buf.h"
#include "lib/xmalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum verb_kind { VERB_MESSAGES, VERB_FOLDER };

struct verb {
	const char *name;
	enum verb_kind kind;
	int min_args, max_args;   /* after the verb; max -1: no limit */
	enum op_kind op;
};

static const struct verb verbs[] = {
	{ "move", VERB_MESSAGES, 3, 3, OP_MOVE },
	{ "copy", VERB_MESSAGES, 3, 3, OP_COPY },
	{ "flag", VERB_MESSAGES, 3, -1, OP_FLAGS },
	{ "delete", VERB_MESSAGES, 2, 2, OP_MOVE },
	{ "expunge", VERB_MESSAGES, 2, 2, OP_EXPUNGE },
	{ "mkdir", VERB_FOLDER, 1, 1, OP_CREATE },
	{ "rmdir", VERB_FOLDER, 1, 1, OP_DELETE },
	{ "subscribe", VERB_FOLDER, 1, 1, OP_SUBSCRIBE },
	{ "unsubscribe", VERB_FOLDER, 1, 1, OP_UNSUBSCRIBE },
	{ "rename", VERB_FOLDER, 2, 2, OP_RENAME },
};

static const struct verb *verb_find(const char *name)
{
	for (size_t i = 0; i < N_ELEMENTS(verbs); i++)
		if (strcmp(verbs[i].name, name) == 0)
			return &verbs[i];
	return NULL;
}

const char *cli_triage_find(const char *command)
{
	const struct verb *v = verb_find(command);

	return v != NULL ? v->name : NULL;
}

bool cli_triage_args(const char *command, int n)
{
	const struct verb *v = verb_find(command);

	return v != NULL && n >= v->min_args && (v->max_args < 0 || n <= v->max_args);
}

/* --- results --- */

static int found_uids(void *ctx, const struct imap_uidset *uids)
{
	imap_uidset_copy(ctx, uids);
	return 0;
}

/* COPYUID: "SRC<TAB>DEST" a message, in ascending order of the sources (the server pairs them so). */
static int print_copied(void *ctx, uint32_t uidvalidity, const struct imap_uidset *src, const struct imap_uidset *dst)
{
	struct imap_uidset_iter is, id;
	uint32_t s, d;

	(void)ctx;
	(void)uidvalidity;
	imap_uidset_iter_init(&is, src);
	imap_uidset_iter_init(&id, dst);
	while (imap_uidset_iter_next(&is, &s) && imap_uidset_iter_next(&id, &d))
		printf("%u\t%u\n", s, d);
	return 0;
}

static void print_note(void *ctx, const char *text)
{
	(void)ctx;
	cli_error("%s", text);
}

static int find_trash(void *ctx, const struct worker_folder *f)
{
	char **trash = ctx;

	if ((f->attrs & IMAP_MBOX_TRASH) && *trash == NULL)
		*trash = xstrdup(f->name);
	return 0;
}

/* The trash folder: the configured one, else the server's SPECIAL-USE \Trash, else NULL (none). */
static int cli_trash(struct cli *cli, char **trash_r)
{
	struct op op;
	struct op_sink sink = { .ctx = trash_r, .folder = find_trash };
	int ret;

	*trash_r = NULL;
	if (cli->acct->trash != NULL) {
		*trash_r = xstrdup(cli->acct->trash);
		return 0;
	}
	op_init(&op, OP_FOLDERS);
	ret = cli_run(cli, &op, &sink);
	op_clear(&op);
	return ret;
}

/* Parses "+seen" etc. into add/remove bits. Returns 0, or -1 after printing. */
static int parse_flags(int argc, char **argv, uint32_t *add_r, uint32_t *remove_r)
{
	static const struct { const char *name; uint32_t bit; } names[] = {
		{ "seen", IMAP_FLAG_SEEN }, { "flagged", IMAP_FLAG_FLAGGED }, { "answered", IMAP_FLAG_ANSWERED },
		{ "deleted", IMAP_FLAG_DELETED }, { "draft", IMAP_FLAG_DRAFT },
	};

	*add_r = *remove_r = 0;
	for (int i = 0; i < argc; i++) {
		uint32_t bit = 0;

		for (size_t k = 0; k < N_ELEMENTS(names) && argv[i][0] != '\0'; k++)
			if (strcasecmp(argv[i] + 1, names[k].name) == 0)
				bit = names[k].bit;
		if (bit == 0 || (argv[i][0] != '+' && argv[i][0] != '-')) {
			cli_error(_("unknown flag change '%s' (+seen, -seen, +flagged, -flagged, +answered, -answered, "
				    "+deleted, -deleted, +draft, -draft)"), argv[i]);
			return -1;
		}
		*(argv[i][0] == '+' ? add_r : remove_r) |= bit;
	}
	if (*add_r & *remove_r) {
		cli_error("%s", _("a flag cannot be both added and removed"));
		return -1;
	}
	return 0;
}

/* Which of the given UIDs exist in folder (*have_r, initialised by the caller). The ones asked for
 * by number that do not are reported (a set with '*' asks for whatever is there). Returns 0 (also
 * when some were missing: *missing_r), or -1 after printing. */
static int resolve(struct cli *cli, const char *folder, const struct imap_uidset *want, bool star,
		   struct imap_uidset *have_r, bool *missing_r)
{
	struct op op;
	struct op_sink sink = { .ctx = have_r, .found = found_uids };
	struct imap_uidset missing = IMAP_UIDSET_INIT;
	int ret;

	*missing_r = false;
	op_init(&op, OP_SEARCH);
	op_set(&op.mailbox, folder);
	op.field = OP_SEARCH_UIDS;
	imap_uidset_copy(&op.uids, want);
	ret = cli_run(cli, &op, &sink);
	op_clear(&op);
	if (ret < 0 || star)
		return ret;
	imap_uidset_copy(&missing, want);
	for (size_t i = 0; i < have_r->count; i++)
		imap_uidset_remove_range(&missing, have_r->ranges[i].lo, have_r->ranges[i].hi);
	if (!imap_uidset_is_empty(&missing)) {
		struct buf set = BUF_INIT;

		imap_uidset_format(&missing, &set);
		cli_error(_("no such message in '%s': UID %s"), folder, set.data);
		buf_free(&set);
		*missing_r = true;
	}
	imap_uidset_clear(&missing);
	return 0;
}

static int cli_messages(struct cli *cli, const struct verb *v, int argc, char **argv)
{
	const char *folder = argv[0], *error;
	struct imap_uidset want = IMAP_UIDSET_INIT, have = IMAP_UIDSET_INIT;
	struct op op;
	struct op_sink sink = { .copied = print_copied, .note = print_note };
	char *trash = NULL;
	bool missing = false, star = strchr(argv[1], '*') != NULL;
	int ret = -1;

	op_init(&op, v->op);
	if (imap_uidset_parse(&want, argv[1], strlen(argv[1]), UINT32_MAX, 0, &error) < 0) {
		cli_error(_("invalid UID set '%s': %s"), argv[1], error);
		goto out;
	}
	if (v->op == OP_FLAGS && parse_flags(argc - 2, argv + 2, &op.add, &op.remove) < 0)
		goto out;
	if (strcmp(v->name, "delete") == 0) {
		if (cli_trash(cli, &trash) < 0)
			goto out;
		/* in the trash, or with none, deleting is expunging */
		if (trash == NULL || strcmp(trash, folder) == 0)
			op.kind = OP_EXPUNGE;
		else
			op_set(&op.dest, trash);
	} else if (v->op == OP_MOVE || v->op == OP_COPY) {
		op_set(&op.dest, argv[2]);
	}
	if (resolve(cli, folder, &want, star, &have, &missing) < 0)
		goto out;
	ret = 0;
	if (!imap_uidset_is_empty(&have)) {
		op_set(&op.mailbox, folder);
		imap_uidset_copy(&op.uids, &have);
		ret = cli_run(cli, &op, &sink);
	}
	if (missing)
		ret = -1;
out:
	op_clear(&op);
	imap_uidset_clear(&want);
	imap_uidset_clear(&have);
	free(trash);
	return ret;
}

static int cli_folder(struct cli *cli, const struct verb *v, char **argv)
{
	struct op op;
	int ret;

	if (v->op == OP_DELETE && strcasecmp(argv[0], "INBOX") == 0) {
		cli_error("%s", _("INBOX cannot be deleted"));
		return -1;
	}
	op_init(&op, v->op);
	op_set(&op.mailbox, argv[0]);
	if (v->op == OP_RENAME)
		op_set(&op.dest, argv[1]);
	ret = cli_run(cli, &op, NULL);
	op_clear(&op);
	return ret;
}

int cli_triage(struct cli *cli, const char *command, int argc, char **argv)
{
	const struct verb *v = verb_find(command);

	if (v == NULL)
		return -1;
	return v->kind == VERB_MESSAGES ? cli_messages(cli, v, argc, argv) : cli_folder(cli, v, argv);
}
