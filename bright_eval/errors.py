"""The one base class of the errors a user can cause (a bad name, a missing file, a setting that
cannot run). The CLI reports any of them as one `error: ...` line and exits 2; a Python caller
catches `BrightEvalError` for all of them. Each subclass keeps its builtin base too (ValueError,
RuntimeError), so code that caught those still does."""


class BrightEvalError(Exception):
    """Caused by what was asked for; the message is one line naming the bad value and what
    would be right."""
