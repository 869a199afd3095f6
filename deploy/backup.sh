#!/bin/sh
# Back up a store folder while the server runs: deploy/backup.sh STORE ARCHIVE.tar.gz
# Copies the generation CURRENT points to (a complete Oxigraph database, never written again once
# committed; the change log is in it) and the CURRENT link, holding the store's write lock so no
# ingest, edit or undo switches generations meanwhile (readers are never blocked). Restore with
# deploy/restore.sh. Sign-in sessions (KG_STATE_DIR) and waiting uploads are not part of it.
set -eu
store=${1:?usage: backup.sh STORE ARCHIVE.tar.gz}
archive=${2:?usage: backup.sh STORE ARCHIVE.tar.gz}
[ -L "$store/CURRENT" ] || { echo "backup.sh: $store is not a store folder (no CURRENT)" >&2; exit 2; }
exec flock "$store/write.lock" sh -c 'tar -C "$1" -czf "$2" "$(readlink "$1/CURRENT")" CURRENT' sh "$store" "$archive"
