# bench/local.mk: `make bench` prints figures (never pass/fail): skua against the raw IMAP floor,
# NeoMutt and Mutt on a private Dovecot with a 100,000-message INBOX. See bench/run-bench.
EXTRA_DIST += bench/run-bench bench/rawfetch.py \
	scripts/setup-deps scripts/test scripts/demo scripts/update-potfiles

.PHONY: bench
bench: skua$(EXEEXT)
	SKUA="$(abs_top_builddir)/skua$(EXEEXT)" SKUA_SRCDIR="$(abs_top_srcdir)" \
	PYTHON3="$(PYTHON3)" $(SHELL) $(abs_top_srcdir)/bench/run-bench
