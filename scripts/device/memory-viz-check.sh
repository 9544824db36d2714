#!/usr/bin/env bash
# Checks that PyTorch's own memory tools read Heapscope's exports (run on the device machine, which has PyTorch and
# no Java). Make the exports here first:
#   scripts/device/memory-viz-export.sh            (writes out/memviz/NAME.pickle + NAME.expect)
# then on the device machine, carrying out/memviz:
#   scripts/device/memory-viz-check.sh [DIR]       (default out/memviz)
# For each NAME.pickle it runs `python -m torch.cuda._memory_viz stats` and `... trace` and checks that stats
# reports the segment count and trace the entry count that the export wrote (NAME.expect: "SEGMENTS ENTRIES").
set -uo pipefail
cd "$(dirname "$0")/../.."
dir=${1:-out/memviz}
py=${PYTHON:-python3}
"$py" -c 'import torch; print("torch", torch.__version__)' || { echo "no torch on this machine"; exit 2; }
fail=0
for f in "$dir"/*.pickle; do
    name=${f%.pickle}
    read -r segs entries < "$name.expect"
    "$py" -m torch.cuda._memory_viz stats "$f" > "$name.stats.txt" 2>&1; rc_s=$?
    "$py" -m torch.cuda._memory_viz trace "$f" > "$name.trace.txt" 2>&1; rc_t=$?
    got_segs=$(grep -Eo '^segments: [0-9]+' "$name.stats.txt" | grep -Eo '[0-9]+' | head -1)
    got_entries=$(grep -Eo '^[0-9]+ entries' "$name.trace.txt" | grep -Eo '[0-9]+' | head -1)
    lines=$(wc -l < "$name.trace.txt")
    status=ok
    if [ $rc_s -ne 0 ] || [ $rc_t -ne 0 ] || [ "${got_segs:-}" != "$segs" ] || [ "${got_entries:-}" != "$entries" ]; then
        status=FAIL; fail=1
    fi
    echo "$status $(basename "$f"): stats rc=$rc_s segments=${got_segs:-?} (expected $segs); trace rc=$rc_t entries=${got_entries:-?} (expected $entries), $lines lines"
    if [ $status = FAIL ]; then tail -5 "$name.stats.txt" "$name.trace.txt"; fi
    echo "--- stats $(basename "$f") (head)"; head -4 "$name.stats.txt"; tail -6 "$name.stats.txt"
    echo "--- trace $(basename "$f") (head)"; head -6 "$name.trace.txt"; tail -2 "$name.trace.txt"; echo
done
exit $fail
