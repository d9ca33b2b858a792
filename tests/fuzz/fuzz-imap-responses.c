/* fuzz-imap-responses.c: libFuzzer target for the engine's response handling (LIST, STATUS, FETCH, SEARCH,
 * ESEARCH, VANISHED, codes) with commands in flight, and the ENVELOPE/BODYSTRUCTURE parsers on what it
 * accepts. The typed commands, their codes and IDLE are fuzzed by fuzz-imap-commands.c. */
#include "skua.h"
#include "imap/imap-engine.h"
#include "imap/imap-fetch.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char greeting[] =
	"* PREAUTH [CAPABILITY IMAP4rev1 LITERAL+ ESEARCH] ready\r\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imap_engine_settings set = { NULL, NULL, IMAP_AUTH_AUTO, NULL, 0, false, false, false };
	struct imap_engine *e = imap_engine_new(&set);
	struct imap_event ev;
	const char *error, *out;
	size_t pos = 0, chunk = size > 0 ? (size_t)(data[0] % 32) + 1 : 1;
	int ret;

	imap_engine_input(e, greeting, sizeof(greeting) - 1);
	while ((ret = imap_engine_next_event(e, &ev, &error)) > 0) {
	}
	if (!imap_engine_is_ready(e))
		abort();
	/* s1..s5 are in flight */
	imap_engine_cmd_list(e);
	imap_engine_cmd_select(e, "INBOX", true);
	imap_engine_cmd_fetch(e, "1:*", "(UID FLAGS ENVELOPE BODYSTRUCTURE BODY.PEEK[HEADER])");
	imap_engine_cmd_search(e, "ALL");
	imap_engine_cmd_status(e, "Archive");
	imap_engine_output_consumed(e, imap_engine_output(e, &out));
	for (;;) {
		while ((ret = imap_engine_next_event(e, &ev, &error)) > 0) {
			if (ev.type == IMAP_EVENT_FETCH) {
				struct imap_envelope env;
				struct imap_body *body = NULL;
				if (ev.u.fetch.envelope != NULL && imap_envelope_parse(ev.u.fetch.envelope, &env, &error) == 0)
					imap_envelope_clear(&env);
				if (ev.u.fetch.bodystructure != NULL &&
				    imap_bodystructure_parse(ev.u.fetch.bodystructure, &body, &error) == 0)
					imap_body_free(&body);
				for (size_t i = 0; i < ev.u.fetch.n_sections; i++) {
					if (ev.u.fetch.sections[i].data != NULL && ev.u.fetch.sections[i].len > 0)
						(void)ev.u.fetch.sections[i].data[ev.u.fetch.sections[i].len - 1];
				}
			} else if (ev.type == IMAP_EVENT_LIST) {
				(void)strlen(ev.u.list.name);
			} else if (ev.type == IMAP_EVENT_STATUS) {
				(void)strlen(ev.u.status.name);
			} else if (ev.type == IMAP_EVENT_DONE) {
				(void)strlen(ev.u.done.text);
				(void)strlen(imap_engine_code_name(ev.u.done.code));
				if (ev.u.done.copy_src != NULL &&
				    imap_uidset_count(ev.u.done.copy_src) != imap_uidset_count(ev.u.done.copy_dst))
					abort();
				if (ev.u.done.modified != NULL)
					(void)imap_uidset_count(ev.u.done.modified);
			}
		}
		if (ret < 0 || pos >= size)
			break;
		size_t n = chunk < size - pos ? chunk : size - pos;
		imap_engine_input(e, data + pos, n);
		pos += n;
		imap_engine_output_consumed(e, imap_engine_output(e, &out));
	}
	imap_engine_free(&e);
	return 0;
}
