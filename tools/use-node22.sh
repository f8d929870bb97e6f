#!/usr/bin/env bash
# Source this file to put Node >= 22 first on PATH.
# The project targets Node >= 22; machines that only have an older Node get one from the npm registry,
# where the official binaries ship inside the `node` package (see docs/development.md).
_flyte_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(_flyte_node_major)" -lt 22 ]; then
  _flyte_node_dir="${FLYTE_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/flyte-connectors/node22}"
  if [ ! -x "$_flyte_node_dir/node_modules/.bin/node" ]; then
    echo "Installing Node 22 into $_flyte_node_dir (from the npm registry)" >&2
    mkdir -p "$_flyte_node_dir"
    npm install --prefix "$_flyte_node_dir" --no-save --no-audit --no-fund --loglevel=error node@22 >&2
  fi
  export PATH="$_flyte_node_dir/node_modules/.bin:$PATH"
fi
unset -f _flyte_node_major
