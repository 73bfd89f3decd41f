#!/bin/sh
# models/tools/rf_sleep_figures.sh — the read-from-aware sleep sets against the plain ones
# (models/README.md "Read-from-aware sleep sets", relacy_tests/README.md "Model sizes").
# Run from the repository root after building litmus_test and sluice_model_tests in BUILD
# (default build/dev). Each command takes the global build lock and is capped at CAP seconds.
#   PART=litmus  litmus rows: executions with them (executions=) and without (plain sleep sets:)
#   PART=stats   delivery_1p1c/bounded1, unbounded exhaustive, first ITER executions, SLUICE_MC_STATS
#   PART=light   two-thread channel scenarios on bounded1, unbounded exhaustive, on and off
#   PART=heavy   the heavy scenarios, unbounded exhaustive with them on
set -u
BUILD=${BUILD:-build/dev}
CAP=${CAP:-60}
ITER=${ITER:-100000}
PART=${PART:-all}
LOCK=${LOCK:-${TMPDIR:-/tmp}/sluice-build.lock}  # a shared machine passes its own global lock
T="$BUILD/relacy_tests/sluice_model_tests"
run() { flock "$LOCK" "$@"; }
echo "# $(nproc) vCPU, load $(cut -d' ' -f1-3 /proc/loadavg), commit $(git rev-parse --short HEAD)"
case $PART in all|litmus)
  run "$BUILD/models/tests/litmus_test" | grep -E '^(---|[A-Za-z0-9+-]+ +(ok|FAIL))|plain sleep' | cut -c1-60 ;;
esac
case $PART in all|stats)
  for rf in 0 1; do
    echo "== delivery_1p1c/bounded1 SLUICE_MC_RF_SLEEP=$rf, first $ITER executions"
    SLUICE_MC_RF_SLEEP=$rf SLUICE_MC_STATS=1 run "$T" --filter delivery_1p1c_no_loss_no_dup_fifo_exact_counts/bounded1 \
      --mode exhaustive --bound -1 --iterations "$ITER" 2>&1 | grep -E 'kind:|execs'
  done ;;
esac
case $PART in all|light)
  for s in send_racing_receiver_close send_racing_sender_close receiver_close_wakes sender_close_wakes \
           sender_drop_wakes try_recv_sees try_send_sees recv_closed_happens_after last_receiver_drop_destroys \
           send_racing_last_receiver_drop; do
    for rf in 0 1; do
      out=$(SLUICE_MC_RF_SLEEP=$rf run timeout "$CAP" "$T" --filter "$s" --exclude-other-flavors bounded1 \
            --mode exhaustive --bound -1 2>&1 | grep execs | head -1)
      echo "rf_sleep=$rf ${out:-$s/bounded1: not exhausted within ${CAP}s}"
    done
  done ;;
esac
case $PART in all|heavy)
  for s in delivery_2p1c delivery_1p2c delivery_2p2c clone_and_drop select_recv_recv_vs_two select_vs_close \
           select_two_selects coro_destroy_suspended_async_send; do
    out=$(run timeout "$CAP" "$T" --filter "$s" --exclude-other-flavors bounded1 --mode exhaustive --bound -1 2>&1 |
          grep execs | head -1)
    echo "${out:-$s/bounded1: not exhausted within ${CAP}s}"
  done ;;
esac
