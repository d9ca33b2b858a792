# bench/local.mk: `make bench` prints figures (never pass/fail): skua against the raw IMAP floor,
# NeoMutt and Mutt on a private Dovecot (10,000 and 100,000 messages; cold, warm and after changes; on
# loopback and through a delay proxy adding 50 ms RTT). See bench/run-bench.
EXTRA_DIST += bench/run-bench bench/rawfetch.py bench/delay-proxy.py bench/changes.py \
	scripts/setup-deps scripts/test scripts/demo scripts/update-potfiles

.PHONY: bench
bench: skua$(EXEEXT)
	SKUA="$(abs_top_builddir)/skua$(EXEEXT)" SKUA_SRCDIR="$(abs_top_srcdir)" \
	PYTHON3="$(PYTHON3)" $(SHELL) $(abs_top_srcdir)/bench/run-bench
