# src/ui/local.mk: the UI's curses-free logic (cells, index formats, key tables, pager layout).
libskua_a_SOURCES += \
	src/ui/cells.c src/ui/cells.h

UNIT_TESTS += src/ui/test-cells
src_ui_test_cells_SOURCES = src/ui/test-cells.c
