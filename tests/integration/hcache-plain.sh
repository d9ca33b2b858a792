#!/bin/bash
# hcache-plain: the header-cache test against a Dovecot that offers neither CONDSTORE nor QRESYNC.
HCACHE_MODE=plain exec bash "${SKUA_SRCDIR:-$(dirname "$0")/../..}/tests/integration/hcache.sh"
