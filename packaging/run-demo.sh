#!/usr/bin/env bash
# Command (1) of the README: install, build, create the demo workspace if missing, launch the GUI.
# The demo goes to $WORKBENCH_DEMO_DIR (default: ~/workbench-demo).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/packaging/build.sh" --target workbench wb
demo=${WORKBENCH_DEMO_DIR:-$HOME/workbench-demo}
bin="$root/build/bin"
if [ ! -f "$demo/.workbench/workbench.db" ]; then
  echo "Creating the demo workspace in $demo (trains an Iris sweep and a digits CNN and registers them: about 10 seconds)…"
  "$bin/wb" demo "$demo"
fi
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "No display found (DISPLAY is not set). The demo workspace is ready in $demo;"
  echo "on a desktop, run: $bin/workbench $demo"
  echo "or look at it headless with: xvfb-run -a $bin/workbench $demo"
  exit 0
fi
exec "$bin/workbench" "$demo"
