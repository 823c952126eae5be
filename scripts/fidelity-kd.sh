#!/usr/bin/env bash
# Distillation fidelity on CiteULike (seed 0) at a size a 2-core CPU can train: a BPR teacher,
# then a no-KD student, a DE student and a HyperKDMA+DE student of the same size, the last two
# in parallel. Usage: scripts/fidelity-kd.sh [teacher-dim] [student-dim] [num-tas]
# Results: `hkd runs list` in $HKD_HOME (default /tmp/hkd-fidelity-kd).
set -euo pipefail
cd "$(dirname "$0")/.."
dT=${1:-32}
dS=${2:-4}
m=${3:-2}
export HKD_HOME=${HKD_HOME:-/tmp/hkd-fidelity-kd}
hkd() { node "${HKD_BIN:-bin/hkd.cjs}" "$@"; }
data=datasets/citeulike/users.dat
hkd dataset show citeulike >/dev/null 2>&1 || hkd dataset import "$data" --name citeulike
hkd train --dataset citeulike --model BPR --dim "$dT" --label "teacher-$dT"
hkd distill --dataset citeulike --teacher "teacher-$dT" --method HyperKDMA-DE --student-dim "$dS" --num-tas "$m" --label "hyperkdma-de-$dS" &
{
  hkd train --dataset citeulike --model BPR --dim "$dS" --label "student-$dS"
  hkd distill --dataset citeulike --teacher "teacher-$dT" --method DE --student-dim "$dS" --label "de-$dS"
} &
wait
hkd runs list
