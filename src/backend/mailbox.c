/* mailbox.c: a mailbox's sync driven to its end over a session. */
#include "skua.h"
#include "mailbox.h"
#include "backend/sync.h"
#include "lib/errstr.h"

const char *mailbox_method_name(enum mailbox_method method)
{
	switch (method) {
	case MAILBOX_COLD: return "cold";
	case MAILBOX_QRESYNC: return "qresync";
	case MAILBOX_CONDSTORE: return "condstore";
	case MAILBOX_SWEEP: return "sweep";
	}
	return "?";
}

struct drive {
	struct sync *sync;
	enum sync_status status;
};

static int drive_event(void *ctx, const struct imap_event *ev, const char **error_r)
{
	struct drive *d = ctx;

	d->status = sync_event(d->sync, ev, error_r);
	return d->status == SYNC_RUNNING ? 0 : d->status == SYNC_DONE ? 1 : -1;
}

int mailbox_sync(struct session *s, struct hcache *hc, const struct sync_params *p, const struct sync_sink *sink,
		 struct mailbox_load_stats *stats_r, bool *partial_r, const char **error_r)
{
	struct drive d = { sync_new(session_engine(s), hc, p, sink, stats_r), SYNC_RUNNING };
	int ret;

	d.status = sync_start(d.sync, error_r);
	if (d.status != SYNC_RUNNING) {
		ret = -1;
	} else {
		ret = session_drive(s, drive_event, &d, error_r);
		if (ret > 0)
			ret = d.status == SYNC_REFUSED ? 1 : -1;
	}
	if (partial_r != NULL)
		*partial_r = sync_partial(d.sync);
	sync_free(&d.sync);
	return ret;
}
