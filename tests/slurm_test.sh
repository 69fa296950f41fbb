#!/bin/sh
# A real one-node Slurm cluster (make test-slurm; CI): munged, slurmctld and
# slurmd from Debian's munge and slurm-wlm, configured in a temporary
# directory, run a small sweep through the slurm backend.  Checks that
#   1. an array task cancelled mid-run (scancel JOB_TASK) shows in
#      'gfl sweep status' (cancelled, runs missing) and merge refuses;
#   2. a resubmission runs only what is missing and completes the sweep, with
#      one result per planned run (nothing lost, nothing duplicated);
#   3. the merge is byte-identical to the local and GNU parallel backends'.
# Stops the daemons it started, by pid, and removes the directory.
# Needs root (slurmd runs jobs as their user; SlurmUser=root here): without it,
# or without the daemons, it says SKIPPED and exits 0 -- or 1 when
# GFL_REQUIRE_SLURM=1 (CI), so that a skip can never pass there unseen.
set -u
GFL=$(readlink -f "${1:-bin/gfl}")
skip() {
    echo "slurm test: SKIPPED: $*"
    [ "${GFL_REQUIRE_SLURM:-0}" = 1 ] && { echo "slurm test: FAILED (GFL_REQUIRE_SLURM=1: a skip is a failure)"; exit 1; }
    exit 0
}
[ "$(id -u)" = 0 ] || skip "needs root to run munged, slurmctld and slurmd (run 'sudo make test-slurm')"
for c in munged slurmctld slurmd sbatch squeue scontrol scancel sinfo munge unmunge; do
    command -v "$c" >/dev/null 2>&1 || skip "'$c' not found (tools/deps.sh installs slurm-wlm and munge)"
done
command -v parallel >/dev/null 2>&1 || skip "GNU parallel not found (tools/deps.sh installs it)"

T=$(mktemp -d /tmp/gfl-slurm.XXXXXX)
chmod 700 "$T"
PIDS=""
fail() {
    echo "slurm test: FAILED: $*"
    for f in "$T"/slurmctld.log "$T"/slurmd.log; do [ -f "$f" ] && { echo "--- tail $f"; tail -n 15 "$f"; }; done
    exit 1
}
cleanup() {
    # the daemons this script started, by pid (munged's from its pid file)
    for p in $PIDS $(cat "$T/munge/munged.pid" 2>/dev/null); do
        kill "$p" 2>/dev/null
    done
    for p in $PIDS; do
        i=0
        while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
        kill -9 "$p" 2>/dev/null
    done
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

HOST=$(hostname -s)
# ports of this run only (another cluster on the machine keeps its own)
BASE=$((20000 + $$ % 20000))
CPUS=$(nproc); [ "$CPUS" -gt 2 ] && CPUS=2
mkdir -p "$T/munge" "$T/state" "$T/spool" "$T/sweeps"
chmod 700 "$T/munge"
dd if=/dev/urandom of="$T/munge/munge.key" bs=1024 count=1 2>/dev/null
chmod 600 "$T/munge/munge.key"
munged --force --key-file="$T/munge/munge.key" --socket="$T/munge/munge.socket" \
    --pid-file="$T/munge/munged.pid" --log-file="$T/munge/munged.log" --seed-file="$T/munge/munged.seed" \
    || fail "munged did not start"
i=0
until munge -n -S "$T/munge/munge.socket" | unmunge -S "$T/munge/munge.socket" >/dev/null 2>&1; do
    i=$((i + 1)); [ $i -gt 50 ] && fail "munged does not answer on $T/munge/munge.socket"; sleep 0.1
done
cat >"$T/slurm.conf" <<CONF
ClusterName=gfltest
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$BASE
SlurmdPort=$((BASE + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$T/munge/munge.socket
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
MinJobAge=600
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=500 State=UNKNOWN
PartitionName=gfl Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$T/slurm.conf"
slurmctld -D -i -f "$SLURM_CONF" >"$T/slurmctld.out" 2>&1 &
PIDS="$PIDS $!"
slurmd -D -f "$SLURM_CONF" -N "$HOST" >"$T/slurmd.out" 2>&1 &
PIDS="$PIDS $!"
i=0
until sinfo -h -N -o "%T" 2>/dev/null | grep -Eq '^(idle|mixed|allocated)'; do
    i=$((i + 1)); [ $i -gt 300 ] && fail "the node never became idle: $(sinfo -h -N -o '%T %E' 2>&1)"; sleep 0.2
done
echo "slurm test: one-node cluster up ($HOST, ports $BASE/$((BASE + 1)), daemons $PIDS, conf $SLURM_CONF)"

# 9 runs, 3 per array task; each run a second or two on the fast path
cat >"$T/plan.json" <<'PLAN'
{"command": "check",
 "options": {"path": "fast", "preset": "small", "T": 100, "n-pop": 2048, "threads": 1},
 "grid": {"case": ["xor", "linear", "parity"], "seed": {"from": 1, "to": 3}},
 "slurm": {"chunk": 3, "throttle": 2, "time": "00:10:00", "mem": "200M"}}
PLAN
S="$T/sweeps"
for b in local parallel slurm; do
    "$GFL" sweep plan "$T/plan.json" --out "$S/$b" >/dev/null || fail "sweep plan ($b)"
done
"$GFL" sweep run "$S/local" --backend local --jobs 2 || fail "local backend"
"$GFL" sweep merge "$S/local" >/dev/null || fail "merge (local)"
"$GFL" sweep run "$S/parallel" --backend parallel --jobs 2 >/dev/null 2>&1 || fail "parallel backend"
"$GFL" sweep merge "$S/parallel" >/dev/null || fail "merge (parallel)"

wait_job() { # until the job has left the queue
    i=0
    while [ -n "$(squeue -h -j "$1" -o %i 2>/dev/null)" ]; do
        i=$((i + 1)); [ $i -gt 1500 ] && fail "job $1 still queued after 300 s"; sleep 0.2
    done
}
JOB=$("$GFL" sweep run "$S/slurm" --backend slurm) || fail "sbatch through the slurm backend"
echo "slurm test: submitted job $JOB"
# cancel the first array task seen running, mid-run
i=0
TASK=""
while [ -z "$TASK" ]; do
    TASK=$(squeue -h -r -j "$JOB" -t RUNNING -o %K 2>/dev/null | head -n 1)
    i=$((i + 1)); [ $i -gt 1500 ] && fail "no array task of job $JOB ever ran"; [ -z "$TASK" ] && sleep 0.1
done
sleep 0.5
scancel "${JOB}_${TASK}" || fail "scancel ${JOB}_${TASK}"
echo "slurm test: cancelled array task ${JOB}_${TASK}"
wait_job "$JOB"
"$GFL" sweep status "$S/slurm" >"$T/status1" && fail "status says complete after a cancelled task"
cat "$T/status1"
grep -q "task $TASK CANCELLED" "$T/status1" || fail "status does not report task $TASK cancelled"
missing=$(sed -n 's/.* \([0-9]*\) missing$/\1/p' "$T/status1" | head -n 1)
[ "${missing:-0}" -gt 0 ] || fail "no run missing after the cancelled task"
"$GFL" sweep merge "$S/slurm" >/dev/null 2>&1 && fail "merge accepted an incomplete sweep"
JOB2=$("$GFL" sweep run "$S/slurm" --backend slurm) || fail "resubmission"
grep -q "^#SBATCH --array=$TASK%2$" "$S/slurm/slurm/array-1.sbatch" || fail "the resubmission is not just task $TASK"
echo "slurm test: resubmitted job $JOB2 (array task $TASK only)"
wait_job "$JOB2"
"$GFL" sweep status "$S/slurm" || fail "status: incomplete after the resubmission"
n=$(ls "$S/slurm/runs" | grep -c '^[0-9a-f]\{16\}\.json$')
[ "$n" = 9 ] && [ "$(ls -A "$S/slurm/runs" | wc -l)" = 9 ] || fail "runs/ holds $(ls -A "$S/slurm/runs" | wc -l) entries, not 9 results"
"$GFL" sweep merge "$S/slurm" >/dev/null || fail "merge (slurm)"
for f in results.json results.csv results.md; do
    cmp "$S/local/$f" "$S/slurm/$f" || fail "$f: slurm and local merges differ"
    cmp "$S/local/$f" "$S/parallel/$f" || fail "$f: parallel and local merges differ"
done
# gfl check --seeds 3 --sweep DIR on slurm: it submits and says how to merge; the merge equals the local one
CK="--case xor --path fast --preset small --T 100 --n-pop 2048 --threads 1 --seeds 3"
# shellcheck disable=SC2086 # CK is a command line
"$GFL" check $CK --sweep "$S/check_local" --jobs 2 >"$T/check_local" 2>/dev/null
rc=$?
[ $rc -le 1 ] || fail "gfl check --sweep (local): exit $rc"
# check's plan has no "slurm" object: 1G per task by default, above this node's
# RealMemory; sbatch's environment overrides the script's directives
# shellcheck disable=SC2086
SBATCH_MEM_PER_NODE=200M "$GFL" check $CK --sweep "$S/check_slurm" --backend slurm >"$T/check_slurm" 2>&1 || fail "gfl check --sweep --backend slurm: $(cat "$T/check_slurm")"
grep -q "'gfl sweep merge $S/check_slurm'" "$T/check_slurm" || fail "check --sweep on slurm does not say how to merge: $(cat "$T/check_slurm")"
JOB3=$(grep -E '^[0-9]+$' "$T/check_slurm" | head -n 1)
[ -n "$JOB3" ] || fail "check --sweep on slurm printed no job id"
wait_job "$JOB3"
"$GFL" sweep status "$S/check_slurm" >/dev/null || fail "check --sweep on slurm: incomplete"
"$GFL" sweep merge "$S/check_slurm" >"$T/check_merge" || fail "merge (check --sweep on slurm)"
cmp "$S/check_local/results.json" "$S/check_slurm/results.json" || fail "check --sweep: slurm and local merges differ"
# shellcheck disable=SC2016 # the backquotes are the table's
grep -q '^| `{.*"case":"xor".*}` | 3 |' "$T/check_merge" || fail "the merge does not print the delta row of 3 seeds"
echo "slurm test: gfl check --seeds 3 --sweep: job $JOB3 merged byte-identical to the local backend"
echo "slurm test: PASSED: 9 runs on local, parallel and slurm merge byte-identical; cancelled task $TASK reported and completed by job $JOB2"
