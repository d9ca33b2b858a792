/* fuzz-imap-commands.c: libFuzzer target for the engine's typed commands in flight: response codes
 * (COPYUID, APPENDUID, MODIFIED...) on split and single commands, a MOVE's untagged COPYUID, literals
 * waiting for "+", and IDLE (ended by the caller or by a new command), checking the events' invariants.
 *
 * Input: byte 0 chooses the chunk size (bits 0-4: 1..32 bytes at a time) and the scenario (bits 5-6);
 * the rest is what the server sends. Tags are s1, s2... in the order listed:
 *   0: PREAUTH with LITERAL+ UIDPLUS MOVE IDLE CONDSTORE ESEARCH UNSELECT BINARY; s1 SELECT INBOX,
 *      s2-s3 UID MOVE of a set split in two, s4 UID COPY, s5 UID STORE (UNCHANGEDSINCE), s6 UID EXPUNGE,
 *      s7 APPEND, s8 UID SEARCH, s9 UID FETCH, s10 IDLE.
 *   1: PREAUTH with UIDPLUS MOVE IDLE (no LITERAL+: synchronising literals): s1 APPEND, s2 CREATE with a
 *      long name, s3 UID SEARCH with an 8-bit string, s4 IDLE, s5 NOOP (which ends the IDLE).
 *   2: PREAUTH with IDLE: s1 IDLE; each IDLING event either ends it or submits a NOOP (by the input
 *      position's parity), and each DONE of an IDLE starts a new IDLE, up to a bound.
 *   3: PREAUTH with IMAP4rev2 (so s1 NAMESPACE): s2 SELECT, s3 UID MOVE, s4 UID COPY, s5 UNSELECT. */
#include "skua.h"
#include "imap/imap-engine.h"
#include "imap/imap-uidset.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_COMMANDS 64

static const char *const greetings[] = {
	"* PREAUTH [CAPABILITY IMAP4rev1 LITERAL+ UIDPLUS MOVE IDLE CONDSTORE ESEARCH UNSELECT BINARY] hi\r\n",
	"* PREAUTH [CAPABILITY IMAP4rev1 UIDPLUS MOVE IDLE] hi\r\n",
	"* PREAUTH [CAPABILITY IMAP4rev1 IDLE] hi\r\n",
	"* PREAUTH [CAPABILITY IMAP4rev2] hi\r\n",
};

/* Aborts unless the set keeps its invariants; returns its size. */
static uint64_t check_set(const struct imap_uidset *set)
{
	for (size_t i = 0; i < set->count; i++) {
		if (set->ranges[i].lo == 0 || set->ranges[i].lo > set->ranges[i].hi)
			abort();
		if (i > 0 && (uint64_t)set->ranges[i - 1].hi + 1 >= set->ranges[i].lo)
			abort();
	}
	return imap_uidset_count(set);
}

static void submit_scenario(struct imap_engine *e, unsigned int scenario, unsigned int *issued)
{
	struct imap_uidset big = IMAP_UIDSET_INIT, small = IMAP_UIDSET_INIT;
	static const char msg[] = "From: a@b\r\nSubject: x\r\n\r\nhello\r\n";
	const char *const kw[] = { "$Junk" };
	const struct imap_search_key kids[] = {
		{ .op = IMAP_SEARCH_SUBJECT, .value = "Gr\xc3\xbc\xc3\x9f" "e" },
		{ .op = IMAP_SEARCH_NOT, .n_children = 1,
		  .children = &(const struct imap_search_key){ .op = IMAP_SEARCH_FLAG, .flag = IMAP_FLAG_SEEN } },
		{ .op = IMAP_SEARCH_UID, .uids = &small },
	};
	const struct imap_search_key search = { .op = IMAP_SEARCH_AND, .n_children = N_ELEMENTS(kids), .children = kids };
	char longname[1500];

	for (uint32_t u = 1; u < 5000; u += 2)
		imap_uidset_add(&big, u);
	imap_uidset_add_range(&small, 1, 10);
	imap_uidset_add(&small, 20);
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	switch (scenario) {
	case 0:
		imap_engine_cmd_select(e, "INBOX", false);
		imap_engine_cmd_uid_move(e, &big, "Trash");
		imap_engine_cmd_uid_copy(e, &small, "Archive");
		imap_engine_cmd_uid_store(e, &small, &(struct imap_store){ .mode = IMAP_STORE_ADD, .flags = IMAP_FLAG_SEEN,
			.keywords = kw, .n_keywords = 1, .unchangedsince = 7 });
		imap_engine_cmd_uid_expunge(e, &small);
		imap_engine_cmd_append(e, "Sent", &(struct imap_append){ .flags = IMAP_FLAG_SEEN, .date = 1700000000 },
				       msg, sizeof(msg) - 1);
		imap_engine_cmd_uid_search(e, &search);
		imap_engine_cmd_uid_fetch(e, &small, &(struct imap_fetch_spec){ .items = IMAP_FETCH_FLAGS |
			IMAP_FETCH_MODSEQ, .section = "1", .partial_len = 10, .changedsince = 3 });
		imap_engine_cmd_idle(e);
		*issued += 10;
		break;
	case 1:
		imap_engine_cmd_append(e, "Sent", NULL, msg, sizeof(msg) - 1);
		imap_engine_cmd_create(e, longname);
		imap_engine_cmd_uid_search(e, &search);
		imap_engine_cmd_idle(e);
		imap_engine_cmd_noop(e);
		*issued += 5;
		break;
	case 2:
		imap_engine_cmd_idle(e);
		*issued += 1;
		break;
	default:
		imap_engine_cmd_select(e, "INBOX", false);
		imap_engine_cmd_uid_move(e, &small, "Trash");
		imap_engine_cmd_uid_copy(e, &small, "Archive");
		imap_engine_cmd_unselect(e);
		*issued += 4;
		break;
	}
	imap_uidset_clear(&big);
	imap_uidset_clear(&small);
}

static void check_event(struct imap_engine *e, const struct imap_event *ev, unsigned int scenario, size_t pos,
			unsigned int *issued)
{
	switch (ev->type) {
	case IMAP_EVENT_DONE:
		if (ev->u.done.text == NULL || ev->cmd == 0)
			abort();
		(void)strlen(ev->u.done.text);
		(void)strlen(imap_engine_code_name(ev->u.done.code));
		if ((ev->u.done.copy_src == NULL) != (ev->u.done.copy_dst == NULL))
			abort();
		if (ev->u.done.copy_src != NULL &&
		    check_set(ev->u.done.copy_src) != check_set(ev->u.done.copy_dst))
			abort();
		if (ev->u.done.modified != NULL)
			check_set(ev->u.done.modified);
		if (scenario == 2 && *issued < MAX_COMMANDS && !imap_engine_is_idling(e)) {
			imap_engine_cmd_idle(e);
			++*issued;
		}
		break;
	case IMAP_EVENT_IDLING:
		if (ev->cmd == 0 || !imap_engine_is_idling(e))
			abort();
		if (pos % 2 == 0) {
			if (!imap_engine_idle_done(e))
				abort();
		} else if (*issued < MAX_COMMANDS) {
			imap_engine_cmd_noop(e);
			++*issued;
		}
		break;
	case IMAP_EVENT_FETCH:
		for (size_t i = 0; i < ev->u.fetch.n_sections; i++) {
			if (ev->u.fetch.sections[i].data != NULL && ev->u.fetch.sections[i].len > 0)
				(void)ev->u.fetch.sections[i].data[ev->u.fetch.sections[i].len - 1];
		}
		break;
	case IMAP_EVENT_SEARCH:
		for (size_t i = 0; i < ev->u.search.count; i++)
			(void)ev->u.search.uids[i];
		break;
	case IMAP_EVENT_VANISHED:
		(void)strlen(ev->u.vanished.uidset);
		break;
	case IMAP_EVENT_EXISTS:
	case IMAP_EVENT_EXPUNGE:
		if (ev->cmd != 0)
			abort();
		break;
	default:
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imap_engine_settings set = { NULL, NULL, IMAP_AUTH_AUTO, NULL, 0, true, false, true };
	struct imap_engine *e;
	struct imap_event ev;
	const char *error, *out;
	unsigned int scenario, issued = 0;
	size_t pos = 1, chunk;
	int ret;

	if (size == 0)
		return 0;
	chunk = (size_t)(data[0] & 31) + 1;
	scenario = (data[0] >> 5) & 3;
	e = imap_engine_new(&set);
	imap_engine_input(e, greetings[scenario], strlen(greetings[scenario]));
	while ((ret = imap_engine_next_event(e, &ev, &error)) > 0) {
	}
	if (!imap_engine_is_ready(e))
		abort();
	submit_scenario(e, scenario, &issued);
	imap_engine_output_consumed(e, imap_engine_output(e, &out));
	for (;;) {
		while ((ret = imap_engine_next_event(e, &ev, &error)) > 0)
			check_event(e, &ev, scenario, pos, &issued);
		if (ret < 0) {
			(void)strlen(error);
			break;
		}
		imap_engine_output_consumed(e, imap_engine_output(e, &out));
		if (pos >= size)
			break;
		size_t n = chunk < size - pos ? chunk : size - pos;
		imap_engine_input(e, data + pos, n);
		pos += n;
	}
	imap_engine_free(&e);
	return 0;
}
