# src/ui/local.mk: the full-screen interface (the only module that uses curses) and its curses-free
# logic (cells, index formats, key tables, pager layout, mailcap).
noinst_LIBRARIES += src/ui/libmod.a
src_ui_libmod_a_SOURCES = \
	src/ui/cells.c src/ui/cells.h \
	src/ui/format.c src/ui/format.h \
	src/ui/keymap.c src/ui/keymap.h \
	src/ui/pager-text.c src/ui/pager-text.h \
	src/ui/mailcap.c src/ui/mailcap.h \
	src/ui/view-pager.c src/ui/view-pager.h src/ui/view-attach.c src/ui/view-urls.c \
	src/ui/ui.h src/ui/ui-int.h src/ui/app.c src/ui/prompt.c
UI_LIBS = src/ui/libmod.a $(NCURSES_LIBS) $(MODEL_LIBS)

UNIT_TESTS += src/ui/test-cells src/ui/test-format src/ui/test-keymap src/ui/test-pager-text src/ui/test-mailcap
src_ui_test_mailcap_SOURCES = src/ui/test-mailcap.c
src_ui_test_mailcap_LDADD = $(TEST_LIBS) $(UI_LIBS)
src_ui_test_cells_SOURCES = src/ui/test-cells.c
src_ui_test_cells_LDADD = $(TEST_LIBS) $(UI_LIBS)
src_ui_test_format_SOURCES = src/ui/test-format.c
src_ui_test_format_LDADD = $(TEST_LIBS) $(UI_LIBS)
src_ui_test_keymap_SOURCES = src/ui/test-keymap.c
src_ui_test_keymap_LDADD = $(TEST_LIBS) $(UI_LIBS)
src_ui_test_pager_text_SOURCES = src/ui/test-pager-text.c
src_ui_test_pager_text_LDADD = $(TEST_LIBS) $(UI_LIBS)
