#!/bin/bash
# Runs `modlr train` and its Python twin on one config with the same overrides (threads
# pinned to 1 unless given), then compares metrics.csv row by row (bitwise), config.yaml,
# the vocabularies of text sources (vocab.txt, vocab.<language>.txt, byte for byte),
# the final weights (the last checkpoints, every model), the exported ones (modlr's
# model.safetensors vs the twin's weights.pt) and
# the sample grids (samples/*.png, byte for byte) when the run writes them.
#
# Usage: reference/check_parity.sh CONFIG [--set key=value ...]
# Env:   MODLR (default build/modlr), PARITY_DIR (default: a fresh directory under /tmp)
# Exit:  0 when everything is identical, 1 otherwise.
set -u
cd "$(dirname "$0")/.."
MODLR=${MODLR:-build/modlr}
PYTHON=${PYTHON:-.venv/bin/python3}
DIR=${PARITY_DIR:-$(mktemp -d /tmp/modlr-parity.XXXXXX)}
CONFIG=$1
shift
SETS=(--set runner.threads=1 --set tracking.save_initial=true "$@" --set "tracking.dir=$DIR")

"$MODLR" train "$CONFIG" "${SETS[@]}" >"$DIR/modlr.log" 2>&1 || { cat "$DIR/modlr.log"; exit 1; }
"$PYTHON" reference/train.py "$CONFIG" "${SETS[@]}" >"$DIR/twin.log" 2>&1 || { cat "$DIR/twin.log"; exit 1; }
A=$(sed -n 's/^run record: //p' "$DIR/modlr.log")
B=$(sed -n 's/^run record: //p' "$DIR/twin.log")

status=0
"$PYTHON" reference/compare_runs.py "$A" "$B" || status=1
if diff -u "$A/config.yaml" "$B/config.yaml"; then echo "config.yaml identical"; else status=1; fi
# Text sources keep their vocabulary: vocab.txt, or one per language (vocab.de.txt, ...).
vocabs=$(for f in "$A"/vocab.txt "$A"/vocab.*.txt "$B"/vocab.txt "$B"/vocab.*.txt; do
  if [ -f "$f" ]; then basename "$f"; fi
done | sort -u)
for vocab in $vocabs; do
  if cmp -s "$A/$vocab" "$B/$vocab"; then echo "$vocab identical"; else echo "$vocab differs"; status=1; fi
done
"$PYTHON" - "$A" "$B" <<'EOF' || status=1
import glob, os, sys
import torch, yaml
modlr_run, twin_run = sys.argv[1:]
# The models, from the resolved config: one ("model") or a mapping of named ones (a GAN).
section = yaml.safe_load(open(modlr_run + "/config.yaml"))["model"]
names = ["model"] if "name" in section else list(section)

def archive(path):
    """A checkpoint's tensors, named as the twin's weights.pt ("<model>." with several)."""
    stored = torch.jit.load(path)
    if len(names) == 1:
        return dict(getattr(stored, names[0]))
    return {n + "." + k: v for n in names for k, v in getattr(stored, n).items()}

def differing(ours, twin):
    return sorted(k for k in set(ours) | set(twin)
                  if k not in ours or k not in twin or not torch.equal(ours[k], twin[k]))

status = 0
initial = modlr_run + "/checkpoints/initial.pt"
if os.path.exists(initial):
    differ = differing(archive(initial), archive(twin_run + "/checkpoints/initial.pt"))
    print("initial weights: " + ("bitwise identical" if not differ else "differ in " + ", ".join(differ)))
    status |= bool(differ)
# The trained weights (the last checkpoint's, as training left them), then the exported ones
# (model.safetensors: the same, or the weight averages with runner.ema_decay).
checkpoint = sorted(glob.glob(modlr_run + "/checkpoints/epoch-*.pt"))[-1]
twin_checkpoint = sorted(glob.glob(twin_run + "/checkpoints/epoch-*.pt"))[-1]
differ = differing(archive(checkpoint), archive(twin_checkpoint))
print("final weights: " + ("bitwise identical" if not differ else "differ in " + ", ".join(differ)))
sys.path.insert(0, "reference")
from modlr_twin import safetensors
exported = differing(safetensors.load(modlr_run + "/model.safetensors"), torch.load(twin_run + "/weights.pt"))
print("exported weights: " + ("bitwise identical" if not exported else "differ in " + ", ".join(exported)))
sys.exit(1 if status or differ or exported else 0)
EOF
if [ -d "$A/samples" ] || [ -d "$B/samples" ]; then
  if diff -r "$A/samples" "$B/samples" >/dev/null 2>&1; then
    echo "sample grids: byte identical ($(ls "$A/samples" | wc -l) files)"
  else
    echo "sample grids: differ"; status=1
  fi
fi
exit $status
