#!/usr/bin/env bash
# A real Slurm runs a small sweep: starts a single-node Slurm on this machine (munged, slurmctld, slurmd from
# Debian's munge, slurmctld and slurmd packages; every file in a temporary directory, its own ports and munge
# socket), submits `quantscope-cli sweep --backend slurm` of four short synthetic runs, sends one running task
# the pre-timeout signal (scancel --signal=USR1 --batch, what --signal=B:USR1@S makes Slurm send), checks that
# the task checkpointed, requeued and resumed (a "stop" then a "resume" record, every step recorded once),
# waits for the array, checks `compare --sweep` against the runs' metrics, checks that rerunning the sweep
# command submits nothing, then stops the daemons it started and removes its files.
#
#   tests/slurm/run_slurm_test.sh PATH/TO/quantscope-cli
#
# Exit 0: passed; 1: failed (one line saying what); 77: skipped (not root, or Slurm cannot start here).
set -uo pipefail

cli="${1:?usage: run_slurm_test.sh QUANTSCOPE_CLI}"
skip() { echo "SKIP: $*"; exit 77; }
fail() {
    echo "FAIL: $*"
    for f in "$tmp"/slurmctld.log "$tmp"/slurmd.log "$tmp"/sweep/slurm/*.out; do
        [[ -f "$f" ]] && { echo "--- $f (last lines)"; tail -n 25 "$f"; }
    done
    exit 1
}

[[ "$(id -u)" == 0 ]] || skip "needs root (it starts slurmctld, slurmd and munged)"
for b in munged slurmctld slurmd sbatch squeue scontrol scancel; do
    command -v "$b" >/dev/null 2>&1 || skip "$b is not installed (apt-get install slurmctld slurmd munge)"
done
[[ -r /etc/munge/munge.key ]] || skip "/etc/munge/munge.key is missing (the munge package creates it)"
[[ -x "$cli" ]] || fail "$cli is not an executable"
cli="$(cd "$(dirname "$cli")" && pwd)/$(basename "$cli")"

tmp="$(mktemp -d /tmp/qs-slurm-test.XXXXXX)"
chmod 755 "$tmp"
pids=()
cleanup() {
    local p
    if [[ -n "${SLURM_CONF:-}" && -f "$SLURM_CONF" ]]; then
        # Our own cluster's jobs only (SLURM_CONF names it): cancelled, and given a moment to end.
        timeout 10 scancel --quiet --user=root >/dev/null 2>&1
        for _ in $(seq 50); do [[ -z "$(timeout 5 squeue -h 2>/dev/null)" ]] && break; sleep 0.2; done
    fi
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do
        for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$p" 2>/dev/null
    done
    rm -rf "$tmp"
}
trap cleanup EXIT

host="$(hostname -s)"
cpus="$(nproc)"
mkdir -p "$tmp/state" "$tmp/spool" "$tmp/munge"
chown munge: "$tmp/munge" 2>/dev/null || skip "no munge user"

# munged on a socket of our own, as the munge user (it refuses a key it does not own).
runuser -u munge -- munged --socket="$tmp/munge/socket" --pid-file="$tmp/munge/munged.pid" \
    --log-file="$tmp/munge/munged.log" --seed-file="$tmp/munge/seed" --key-file=/etc/munge/munge.key \
    >/dev/null 2>&1 || skip "munged does not start: $(tail -n 1 "$tmp/munge/munged.log" 2>/dev/null)"
for _ in $(seq 50); do [[ -s "$tmp/munge/munged.pid" ]] && break; sleep 0.1; done
[[ -s "$tmp/munge/munged.pid" ]] || skip "munged wrote no pid file"
pids+=("$(cat "$tmp/munge/munged.pid")")

port=$((20000 + RANDOM % 20000))
cat >"$tmp/slurm.conf" <<CONF
ClusterName=qstest
SlurmctldHost=$host
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$tmp/munge/socket,cred_expire=10
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
PlugStackConfig=$tmp/plugstack.conf
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
JobRequeue=1
MinJobAge=600
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
NodeName=$host CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
: >"$tmp/plugstack.conf"
export SLURM_CONF="$tmp/slurm.conf"

slurmctld -D -i -f "$SLURM_CONF" >"$tmp/slurmctld.stdout" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" >"$tmp/slurmd.stdout" 2>&1 &
pids+=($!)
up=0
for _ in $(seq 150); do
    if sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then up=1; break; fi
    sleep 0.2
done
if [[ "$up" != 1 ]]; then
    kill -0 "${pids[1]}" 2>/dev/null || skip "slurmctld does not start: $(tail -n 1 "$tmp/slurmctld.log" "$tmp/slurmctld.stdout" 2>/dev/null | grep -v '^==' | tail -n 1)"
    kill -0 "${pids[2]}" 2>/dev/null || skip "slurmd does not start: $(tail -n 1 "$tmp/slurmd.log" "$tmp/slurmd.stdout" 2>/dev/null | grep -v '^==' | tail -n 1)"
    skip "the node did not become idle within 30 s: $(sinfo -h -o '%T %E' 2>&1 | head -n 1)"
fi
echo "slurm up on $host ($cpus CPUs, port $port)"

sweep="$tmp/sweep"
args=(sweep --preset quick-synthetic --grid "wbits=2,3 seed=1,2" --set epochs=4 --out "$sweep" --backend slurm
      --cpus-per-task 1 --time 20 --signal 60 --job-name qs-test)
submitted="$("$cli" "${args[@]}" 2>"$tmp/submit.err")" || fail "sweep --backend slurm: $(cat "$tmp/submit.err")"
job="$(sed -n 's/.*"job":"\([0-9]*\)".*/\1/p' <<<"$submitted")"
[[ -n "$job" ]] || fail "no job id in: $submitted"
grep -q -- '--signal=B:USR1@60' "$sweep/sweep.sbatch" || fail "sweep.sbatch has no --signal line"
echo "submitted job array $job"

# Preempt task 0 while it trains: wait for its third step record, then the pre-timeout signal.
run0="$sweep/wbits-2_seed-1"
for _ in $(seq 600); do
    [[ -f "$run0/metrics.jsonl" ]] && (($(grep -c '"type":"step"' "$run0/metrics.jsonl") >= 3)) && break
    sleep 0.2
done
(($(grep -c '"type":"step"' "$run0/metrics.jsonl" 2>/dev/null || echo 0) >= 3)) || fail "task 0 did not start training within 120 s"
grep -q '"type":"done"' "$run0/metrics.jsonl" && fail "task 0 finished before it could be signalled (make the runs longer)"
# scancel retries while the job is being requeued ("Job can not be altered now"): bounded.
timeout 20 scancel --signal=USR1 --batch "${job}_0"
echo "sent USR1 to ${job}_0"

# The whole array done (requeued task included).
for _ in $(seq 900); do
    [[ -z "$(squeue -h -j "$job" 2>/dev/null)" ]] && break
    sleep 0.2
done
[[ -z "$(squeue -h -j "$job" 2>/dev/null)" ]] && ok=1 || ok=0
[[ "$ok" == 1 ]] || fail "the array was still queued after 180 s: $(squeue -h -j "$job" 2>&1 | head -n 3 | tr '\n' ';')"

# Task 0: stopped by the signal, requeued (its log says so, and Slurm counted a restart), resumed, finished.
log0="$(ls "$sweep"/slurm/"${job}"_0.out 2>/dev/null)"
[[ -n "$log0" ]] || fail "no Slurm log for task 0"
grep -q "requeueing" "$log0" || fail "task 0's log shows no requeue"
grep -q "(restart 1)" "$log0" || fail "task 0 did not run a second time after its requeue"
m="$run0/metrics.jsonl"
grep -q '"type":"stop"' "$m" || fail "task 0 has no stop record"
grep -q '"type":"resume"' "$m" || fail "task 0 has no resume record"
grep -q '"type":"done"' "$m" || fail "task 0 did not finish after resuming"
steps="$(grep '"type":"step"' "$m" | sed 's/.*"step":\([0-9]*\).*/\1/' | sort -n)"
[[ "$(uniq -d <<<"$steps")" == "" ]] || fail "task 0 recorded a step twice: $(uniq -d <<<"$steps" | head -n 3 | tr '\n' ' ')"
expected="$(seq 1 "$(tail -n 1 <<<"$steps")")"
[[ "$steps" == "$expected" ]] || fail "task 0's steps are not 1..N once each"
[[ "$(grep -c '"type":"epoch"' "$m")" == 4 ]] || fail "task 0 has $(grep -c '"type":"epoch"' "$m") epoch records, not 4"
echo "task 0: stopped at step $(sed -n 's/.*"type":"stop".*"step":\([0-9]*\).*/\1/p' "$m" | head -n 1), requeued, resumed, finished with steps 1..$(tail -n 1 <<<"$steps") once each"

# Every run finished; compare --sweep has one row per wbits with its two seeds.
for d in "$sweep"/wbits-*; do
    grep -q '"type":"done"' "$d/metrics.jsonl" 2>/dev/null || fail "$d did not finish"
done
table="$("$cli" compare --sweep "$sweep" --format csv 2>"$tmp/compare.err")" || fail "compare --sweep: $(cat "$tmp/compare.err")"
[[ "$(grep -c '^wbits=' <<<"$table")" == 2 ]] || fail "compare --sweep did not give 2 rows: $table"
for w in 2 3; do
    row="$(grep "^wbits=$w " <<<"$table")"
    [[ "$(cut -d, -f2 <<<"$row")" == 2 ]] || fail "wbits=$w: not 2 trials: $row"
    mean="$(cut -d, -f3 <<<"$row")"
    want="$(for s in 1 2; do grep '"type":"epoch"' "$sweep/wbits-${w}_seed-$s/metrics.jsonl" | tail -n 1 | sed 's/.*"test_top1":\([-0-9.e+]*\).*/\1/'; done | awk '{s+=$1} END {printf "%.2f", s/NR}')"
    [[ "$mean" == "$want" ]] || fail "wbits=$w: compare --sweep final top-1 mean $mean, metrics give $want"
done
echo "compare --sweep: $(tr '\n' ' ' <<<"$table")"

# Rerunning the same command submits nothing.
again="$("$cli" "${args[@]}" 2>/dev/null)" || fail "rerunning the sweep failed"
grep -q '"to_train":0' <<<"$again" || fail "rerunning the sweep submitted again: $again"
echo "PASS"
