#!/usr/bin/env bash
# Runs every benchmark (README: `npm run bench`); each prints its own figures.
set -euo pipefail
cd "$(dirname "$0")/.."
node build.mjs
node bench/startup.mjs
node bench/inventory
bench/init
bench/pki.mjs
bench/sandbox-startup
bench/list-syncing-objects
