#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image, with the
# bundle (`python -m harness gradescope build --out autograder.zip`) extracted in
# /autograder/source. Steps, in order (SETUP_STEPS chooses some, for the harness's tests):
#   system       apt: python3, venv, bubblewrap                          (network)
#   python       a venv with requirements.txt's pinned versions and the harness (network)
#   datasets     the datasets of grade_options into /autograder/data     (network)
#   permissions  dataset files unreadable to other users (a run under a uid of its own)
#   bars         train the references once: /autograder/bars/bars.json, which every
#                upload is graded against (run_autograder)
# AUTOGRADER_ROOT and HARNESS_PYTHON exist so that the harness's tests can run the steps.
set -euo pipefail

ROOT="${AUTOGRADER_ROOT:-/autograder}"
PYTHON="${HARNESS_PYTHON:-$ROOT/venv/bin/python}"
SOURCE="$ROOT/source"
STEPS="${SETUP_STEPS:-system python datasets permissions bars}"
read -r -a OPTIONS < "$SOURCE/grade_options"

datasets() {  # the value of --datasets in grade_options, one name per word
    local next=0 word
    for word in "${OPTIONS[@]}"; do
        if [ "$next" = 1 ]; then echo "${word//,/ }"; return; fi
        if [ "$word" = "--datasets" ]; then next=1; fi
    done
}

step_system() {
    apt-get update
    apt-get install -y --no-install-recommends python3 python3-venv python3-pip bubblewrap
}

step_python() {
    python3 -m venv "$ROOT/venv"
    # Gradescope's graders have no GPU: CPU wheels only.
    "$ROOT/venv/bin/python" -m pip install --extra-index-url https://download.pytorch.org/whl/cpu \
        -r "$SOURCE/requirements.txt"
    "$ROOT/venv/bin/python" -m pip install --no-deps "$SOURCE"
}

step_datasets() {
    mkdir -p "$ROOT/data"
    local name
    for name in $(datasets); do
        "$PYTHON" -m harness data fetch "$name" --cache-dir "$ROOT/data"
    done
}

step_permissions() {
    # Where the container cannot give bubblewrap its namespaces, each run drops to a uid of
    # its own instead, which sees every world-readable file: the harness then grades only
    # while no dataset file (the downloads, the bundled subset in both copies of the
    # package, Debian's datasets) is readable by other users.
    local installed
    installed="$(cd / && "$PYTHON" -c 'import harness, pathlib; print(pathlib.Path(harness.__file__).parent)')"
    chmod -R o-rwx "$ROOT/data" "$installed/data/bundled" "$SOURCE/harness/data/bundled"
    if [ -d /usr/share/datasets ]; then chmod -R o-rwx /usr/share/datasets; fi
}

step_bars() {
    # The references train here, once; an upload trains only itself and a calibration probe.
    cd "$SOURCE"
    "$PYTHON" -m harness bars build --out "$ROOT/bars" --data-dir "$ROOT/data" \
        --assignment "$SOURCE/assignment.toml" "${OPTIONS[@]}"
}

for step in $STEPS; do
    echo "setup.sh: $step"
    "step_$step"
done
