#!/bin/sh
# Restore a store folder from deploy/backup.sh's archive: deploy/restore.sh ARCHIVE.tar.gz STORE
# STORE must not exist (move the old one aside first: nothing is overwritten); stop the server
# before, start it after.
set -eu
archive=${1:?usage: restore.sh ARCHIVE.tar.gz STORE}
store=${2:?usage: restore.sh ARCHIVE.tar.gz STORE}
[ ! -e "$store" ] || { echo "restore.sh: $store exists; move it aside first" >&2; exit 2; }
mkdir -p "$store"
tar -C "$store" -xzf "$archive"
[ -L "$store/CURRENT" ] || { echo "restore.sh: $archive holds no store" >&2; exit 2; }
