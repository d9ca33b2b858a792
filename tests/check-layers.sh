#!/bin/bash
# tests/check-layers.sh: `make check` fails when a module includes a header of a layer above its own
# (scripts/check-layers against src/LAYERS).
exec "${SKUA_SRCDIR:?}/scripts/check-layers" "$SKUA_SRCDIR"
