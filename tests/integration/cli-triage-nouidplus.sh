#!/bin/bash
# cli-triage-nouidplus: the triage verbs against a Dovecot that offers neither MOVE nor UIDPLUS.
TRIAGE_MODE=nouidplus exec bash "${SKUA_SRCDIR:-$(dirname "$0")/../..}/tests/integration/cli-triage.sh"
