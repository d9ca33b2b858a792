# src/ui/local.mk: the full-screen interface (the only module that uses curses) and its curses-free
# logic (cells, index formats, key tables, the command table's parser, pager layout, mailcap).
noinst_LIBRARIES += src/ui/libmod.a
src_ui_libmod_a_SOURCES = \
	src/ui/cells.c src/ui/cells.h \
	src/ui/format.c src/ui/format.h \
	src/ui/keymap.c src/ui/keymap.h \
	src/ui/pager-text.c src/ui/pager-text.h \
	src/ui/mailcap.c src/ui/mailcap.h \
	src/ui/cmd.c src/ui/cmd.h \
	src/ui/cmd-bind.c src/ui/cmd-change-account.c src/ui/cmd-change-folder.c src/ui/cmd-flag.c \
	src/ui/cmd-later.c src/ui/cmd-triage.c src/ui/cmd-pattern.c src/ui/leave.c src/ui/cmd-move.c src/ui/cmd-pager.c src/ui/cmd-prompt.c src/ui/cmd-quit.c \
	src/ui/cmd-search.c src/ui/cmd-select.c src/ui/cmd-sort.c src/ui/cmd-thread.c src/ui/cmd-ui.c \
	src/ui/ui.h src/ui/ui-int.h src/ui/app.c src/ui/screen.c src/ui/status.c src/ui/color.c \
	src/ui/view.c src/ui/view.h src/ui/list.c src/ui/list.h \
	src/ui/route.c src/ui/route.h src/ui/mailbox.c src/ui/mailbox.h src/ui/flags.c src/ui/triage.c \
	src/ui/job.c src/ui/job.h src/ui/term.c src/ui/term.h \
	src/ui/view-index.c src/ui/view-folders.c src/ui/view-help.c \
	src/ui/pager-doc.c src/ui/pager-doc.h \
	src/ui/view-pager.c src/ui/view-pager.h src/ui/view-part.c src/ui/view-attach.c src/ui/view-urls.c \
	src/ui/prompt.c
UI_LIBS = src/ui/libmod.a $(NCURSES_LIBS) $(MODEL_LIBS)

UNIT_TESTS += src/ui/test-cells src/ui/test-format src/ui/test-keymap src/ui/test-pager-text src/ui/test-mailcap \
	src/ui/test-cmd src/ui/test-list
src_ui_test_cmd_SOURCES = src/ui/test-cmd.c
src_ui_test_cmd_LDADD = $(TEST_LIBS) $(UI_LIBS)
src_ui_test_list_SOURCES = src/ui/test-list.c
src_ui_test_list_LDADD = $(TEST_LIBS) $(UI_LIBS)
src_ui_test_mailcap_SOURCES = src/ui/test-mailcap.c
src_ui_test_mailcap_LDADD = $(TEST_LIBS) $(UI_LIBS)
src_ui_test_cells_SOURCES = src/ui/test-cells.c
src_ui_test_cells_LDADD = $(TEST_LIBS) $(UI_LIBS)
src_ui_test_format_SOURCES = src/ui/test-format.c
src_ui_test_format_LDADD = $(TEST_LIBS) $(UI_LIBS)
src_ui_test_keymap_SOURCES = src/ui/test-keymap.c
src_ui_test_keymap_LDADD = $(TEST_LIBS) $(UI_LIBS)
src_ui_test_pager_text_SOURCES = src/ui/test-pager-text.c tests/unit/hostile.c tests/unit/hostile.h
src_ui_test_pager_text_LDADD = $(TEST_LIBS) $(UI_LIBS)

EXTRA_DIST += tests/fuzz/corpus/render
FUZZ_TARGETS += tests/fuzz/fuzz-render
tests_fuzz_fuzz_render_SOURCES = tests/fuzz/fuzz-render.c
tests_fuzz_fuzz_render_LDFLAGS = $(AM_LDFLAGS) $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_render_LDADD = $(UI_LIBS)
