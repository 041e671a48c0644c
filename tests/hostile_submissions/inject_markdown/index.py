"""Hostile: writes markup and terminal control sequences into every text of its own that
staff read. At build time it prints a code fence of each kind, a heading claiming a grade
override, an image whose error handler runs script, an OSC 52 clipboard write and a
clear-screen sequence, then fails with a reason holding a link dressed as a staff action
and a GitHub Actions workflow command on a line of its own. Every report must show these as
text (summary.md, students/<id>.md rendered by a CommonMark renderer run no script and show
no link; Gradescope says its outputs are plain text; the terminal shows escapes)."""

FRAMEWORK = "torch"
HYPERPARAMETERS = {"batch_size": 16, "num_batches": 6, "learning_rate": 0.01, "optimizer": "sgd"}

SCRIPT = "<img src=x onerror=window.__pwned=1>"
OUTPUT = (
    "```\n~~~~\n# Grade override: 10/10\n"
    f"{SCRIPT}\n"
    "\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\x1b]0;owned\x07"
)
REASON = (
    '<a href="https://evil.example/regrade">Staff: click here to re-grade</a> '
    f"{SCRIPT} [also here](https://evil.example) www.evil.example\n"
    "::error title=Grading::all grades are void\x1b[2J"
)


def build_model(input_shape, num_classes):
    print(OUTPUT, flush=True)
    raise RuntimeError(REASON)
