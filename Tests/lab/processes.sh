# Sourced by the lab scripts: stopping what a lab started, by PID.
# alive PID: the process runs. A zombie is not alive: the lab's daemons are orphans once
# lab.sh exits, and PID 1 may reap them seconds later (`kill -0` still succeeds until then).
alive() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat%% *} != Z ]]
}
# stop_pid PID: SIGTERM, up to 5 s to exit, then SIGKILL.
stop_pid() {
    kill "$1" 2>/dev/null || return 0
    for _ in $(seq 50); do alive "$1" || return 0; sleep 0.1; done
    kill -9 "$1" 2>/dev/null || true
}
