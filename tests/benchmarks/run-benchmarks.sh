#!/usr/bin/env bash
# Builds and runs the benchmarks, then writes the figures table of README.md (between
# <!-- figures:begin --> and <!-- figures:end -->) from the "readme-row:" lines they print.
#
#   tests/benchmarks/run-benchmarks.sh [--quick] [--jobs N] [--only "bench_a bench_b"]
#                                      [--note TEXT] [--no-readme]
#
#   --quick      short settings (smaller data sets, fewer epochs and launches): proves the
#                pipeline, the figures are noisier; the caption says so
#   --jobs N     build parallelism (default: the number of cores)
#   --only LIST  run only these benchmarks, e.g. "bench_store registry" (the bench_ prefix is
#                optional; the table then holds only their rows)
#   --note TEXT  a sentence added to the table's caption (e.g. "measured under load")
#   --no-readme  print the table, leave README.md alone
#
# Python peers run with /usr/bin/python3 (`bash packaging/install-deps.sh --bench` installs
# PyTorch, torchvision, PIL and numpy). Logs go to build/benchmarks/NAME.log. bench_gui_startup
# drops the page cache for its first launch when run as root (a cold start; otherwise it says
# the figure is a warm start).
set -euo pipefail

src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="$src/build"
quick=0
jobs="$(nproc)"
only=""
note=""
write_readme=1
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --jobs) jobs="$2"; shift ;;
    --only) only="$2"; shift ;;
    --note) note="$2"; shift ;;
    --no-readme) write_readme=0 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "run-benchmarks.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

all="bench_store bench_hash bench_loader bench_train bench_gui_startup bench_thumbnails bench_charts bench_runs_table bench_registry"
benches="${only:-$all}"
# --only takes names with or without the bench_ prefix: --only registry
benches="$(for b in $benches; do case "$b" in bench_*) echo "$b" ;; *) echo "bench_$b" ;; esac; done | xargs)"
for b in $benches; do
  case " $all " in *" $b "*) ;; *) echo "run-benchmarks.sh: unknown benchmark $b" >&2; exit 2 ;; esac
done

# Each benchmark's arguments: full settings, and short ones for --quick.
args_for() {
  local work="$1/$2"
  case "$2:$quick" in
    bench_store:*) echo "$1" ;;
    bench_hash:0) echo "$work --size-mb 1024 --runs 5" ;;
    bench_hash:1) echo "$work --size-mb 256 --runs 3" ;;
    bench_loader:0) echo "$work --epochs 3" ;;
    bench_loader:1) echo "$work --quick" ;;
    bench_train:0) echo "$work" ;;
    bench_train:1) echo "$work --quick" ;;
    bench_gui_startup:0) echo "7" ;;
    bench_gui_startup:1) echo "3" ;;
    bench_thumbnails:*) echo "$work" ;;
    bench_charts:*) echo "$work" ;;
    bench_runs_table:0) echo "10000" ;;
    bench_runs_table:1) echo "2000" ;;
    bench_registry:0) echo "$work --repeats 7" ;;
    bench_registry:1) echo "$work --repeats 3" ;;
  esac
}

cd "$src"
if [ ! -f "$build/build.ninja" ]; then cmake --preset default >/dev/null; fi
# shellcheck disable=SC2086
nice cmake --build "$build" -j "$jobs" --target $benches

logs="$build/benchmarks"
work="$(mktemp -d "${TMPDIR:-/tmp}/wb-benchmarks-XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$logs"
rows="$work/rows.md"
: >"$rows"
failed=""
for b in $benches; do
  echo "== $b $(args_for "$work" "$b")"
  started=$(date +%s)
  set +e
  # The C locale for the reports (Qt applies LC_ALL); offscreen unless a platform is set.
  # shellcheck disable=SC2046
  LC_ALL=C.UTF-8 QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}" \
    "$build/bin/$b" $(args_for "$work" "$b") >"$logs/$b.log" 2>&1
  rc=$?
  set -e
  grep '^readme-row: ' "$logs/$b.log" | sed 's/^readme-row: //' >>"$rows" || true
  echo "   exit $rc after $(( $(date +%s) - started )) s; $(grep -c '^readme-row: ' "$logs/$b.log" || true) row(s); log $logs/$b.log"
  if ! grep -q '^readme-row: ' "$logs/$b.log"; then failed="$failed $b (exit $rc)"; fi
  rm -rf "${work:?}/$b"
done

# awk, not sed | head: under pipefail, head closing the pipe early can fail the script.
cpu="$(awk -F ': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
mem_gb="$(awk '/^MemTotal/ {printf "%.0f", $2 / 1048576}' /proc/meminfo)"
# shellcheck disable=SC1091
os="$(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-}")"
caption="Measured on $(date -u +%Y-%m-%d) on ${cpu:-an unknown CPU} ($(nproc) cores, ${mem_gb} GB, ${os:-Linux})"
caption="$caption by \`tests/benchmarks/run-benchmarks.sh$([ $quick = 1 ] && echo ' --quick' || true)\`"
[ $quick = 1 ] && caption="$caption, with short settings (smaller data, fewer epochs: noisier figures)"
caption="$caption. Ratios are ours / the peer's, both measured side by side in the same run."
[ -n "$note" ] && caption="$caption $note"
[ -n "$failed" ] && caption="$caption Not measured (no figures printed):$failed."
skipped=""
for b in $all; do
  case " $benches " in *" $b "*) ;; *) skipped="$skipped $b" ;; esac
done
[ -n "$skipped" ] && caption="$caption Not run this time, so their figures are missing:$skipped."

table="$work/table.md"
{
  echo "$caption"
  echo
  echo "| Figure | What is compared | Measured | Target |"
  echo "|---|---|---|---|"
  cat "$rows"
} >"$table"
cat "$table"

if [ $write_readme = 1 ]; then
  readme="$src/README.md"
  if ! grep -q '^<!-- figures:begin -->$' "$readme" || ! grep -q '^<!-- figures:end -->$' "$readme"; then
    echo "run-benchmarks.sh: README.md has no <!-- figures:begin --> / <!-- figures:end --> markers" >&2
    exit 1
  fi
  awk -v table="$table" '
    /^<!-- figures:begin -->$/ { print; while ((getline line < table) > 0) print line; skip = 1; next }
    /^<!-- figures:end -->$/ { skip = 0 }
    !skip { print }
  ' "$readme" >"$work/README.md"
  cp "$work/README.md" "$readme"
  echo "README.md: figures table written"
fi
