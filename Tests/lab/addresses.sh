# Sourced by lab.sh and primaries.sh (after processes.sh): the loopback addresses are one lab's at a time.
# take_addresses CURRENT DIR SCRIPT: another lab recorded in CURRENT whose owner (the test run
# that started it, DANECTL_LAB_OWNER) is alive is waited for, never stopped; one whose owner
# died (a crashed run) is stopped with `SCRIPT down <its dir>`. Then DIR is recorded with our owner.
take_addresses() {
    local current=$1 dir=$2 script=$3 other other_owner
    local owner=${DANECTL_LAB_OWNER:-$PPID}
    for _ in $(seq 1200); do
        [[ -s $current ]] || break
        read -r other other_owner < "$current" || true
        [[ $other == "$dir" ]] && break
        if [[ -n ${other_owner:-} ]] && alive "$other_owner"; then sleep 1; continue; fi
        "$script" down "$other" || true
        break
    done
    if [[ -s $current ]]; then
        read -r other other_owner < "$current" || true
        if [[ $other != "$dir" ]] && [[ -n ${other_owner:-} ]] && alive "$other_owner"; then
            echo "$(basename "$0"): another lab ($other, run by PID $other_owner) still holds the addresses after 20 minutes" >&2
            exit 75
        fi
    fi
    echo "$dir $owner" > "$current"
}
