#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image.
#
# Build the autograder zip from the repository root, so that /autograder/source holds the
# harness (harness/, reference_models/, assignment.toml, pyproject.toml):
#   cp harness/report/templates/gradescope/{setup.sh,run_autograder} .
#   zip -r autograder.zip harness reference_models assignment.toml pyproject.toml README.md \
#       setup.sh run_autograder
set -euo pipefail

apt-get install -y --no-install-recommends python3 python3-venv python3-pip bubblewrap

python3 -m venv /autograder/venv
/autograder/venv/bin/python -m pip install --upgrade pip
# Gradescope's graders have no GPU: CPU wheels only. Drop the frameworks the course does not use.
/autograder/venv/bin/python -m pip install \
    --extra-index-url https://download.pytorch.org/whl/cpu \
    "/autograder/source[torch,tensorflow,jax,report,javascript]"

# Download the datasets into the image once, so every submission grades offline and fast.
mkdir -p /autograder/data
for name in mnist fashion_mnist cifar10; do
    /autograder/venv/bin/python -m harness data fetch "$name" --cache-dir /autograder/data
done

# Where the container cannot give bubblewrap its namespaces, each run drops to a uid of its
# own instead, which sees every world-readable file: the harness then grades only while no
# dataset file (the downloads, the bundled subset in both copies of the package, Debian's
# datasets) is readable by other users, and refuses, naming the folder, otherwise.
INSTALLED="$(cd / && /autograder/venv/bin/python -c \
    'import harness, pathlib; print(pathlib.Path(harness.__file__).parent)')"
chmod -R o-rwx /autograder/data "$INSTALLED/data/bundled" /autograder/source/harness/data/bundled
if [ -d /usr/share/datasets ]; then chmod -R o-rwx /usr/share/datasets; fi
