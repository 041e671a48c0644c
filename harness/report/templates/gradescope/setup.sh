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
