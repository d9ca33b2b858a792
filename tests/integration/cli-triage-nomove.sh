#!/bin/bash
# cli-triage-nomove: the triage verbs against a Dovecot that offers UIDPLUS but not MOVE.
TRIAGE_MODE=nomove exec bash "${SKUA_SRCDIR:-$(dirname "$0")/../..}/tests/integration/cli-triage.sh"
