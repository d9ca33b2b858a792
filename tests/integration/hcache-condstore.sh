#!/bin/bash
# hcache-condstore: the header-cache test against a Dovecot that offers CONDSTORE but not QRESYNC.
HCACHE_MODE=condstore exec bash "${SKUA_SRCDIR:-$(dirname "$0")/../..}/tests/integration/hcache.sh"
