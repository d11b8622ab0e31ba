"""Secrets kept out of everything the harness writes: records, cache files, log lines, errors.

A secret is the value of a setting whose name ends in a word that names one (`api_key`,
`hf_token`, `password`, `Authorization`, ...) and the credentials in a URL (`user:password@`,
or a query parameter so named). Names are matched as whole words at the end, so that
`max_new_tokens`, `cache_key` or `token_logprobs` are never taken for one.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "***"
SECRET_NAME = re.compile(
    r"(?:^|_)(?:api_?key|apikey|secret(?:_?key)?|access_?key|private_?key|token|auth"
    r"|authorization|password|passwd|pwd|credentials?)$",
    re.IGNORECASE,
)
# Query parameters that hold a secret though their name alone would not say so (`?key=` is how
# several hosted APIs take theirs; a signed URL's signature lets anyone in).
QUERY_SECRETS = frozenset({"key", "sig", "signature"})
# A URL inside free text (a command line, an error message, "server: <url>").
URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]+")


def is_secret_name(name: str) -> bool:
    """Whether a setting of this name holds a secret: `api_key`, `OPENAI_API_KEY`, `--api-key`,
    `hf_token`, `apiKey`, `db_password`; not `max_new_tokens`, `cache_key`, `author`."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name.strip("-")).replace("-", "_")
    return bool(SECRET_NAME.search(words))


def redact_url(url: str) -> str:
    """The URL without its credentials: `https://user:pw@host/v1` -> `https://***@host/v1`,
    and a secret query parameter's value replaced (`?api_key=***`)."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
    except ValueError:  # not a URL after all (e.g. an unbalanced IPv6 bracket)
        return url
    if "@" in netloc:
        netloc = f"{REDACTED}@{netloc.rpartition('@')[2]}"
    query = parts.query
    pairs = parse_qsl(query, keep_blank_values=True)
    secret = [is_secret_name(k) or k.lower() in QUERY_SECRETS for k, _ in pairs]
    if any(secret):
        kept = [(k, REDACTED if s else v) for (k, v), s in zip(pairs, secret, strict=True)]
        query = urlencode(kept, safe="*")
    if (netloc, query) == (parts.netloc, parts.query):
        return url  # unchanged, byte for byte
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def redact_text(text: str) -> str:
    """Every URL in a line of text without its credentials."""
    return URL.sub(lambda m: redact_url(m.group()), text)


def redact_mapping(value):
    """A JSON-like value with every secret replaced: the values of secret names in dicts at any
    depth (None stays None: no secret was given), and URL credentials in every string."""
    if isinstance(value, dict):
        return {k: REDACTED if is_secret_name(str(k)) and value[k] is not None
                else redact_mapping(value[k]) for k in value}  # fmt: skip
    if isinstance(value, list | tuple):
        return type(value)(redact_mapping(v) for v in value)
    if isinstance(value, str):
        return redact_text(value)
    return value


def redact_argument(arg: str) -> str:
    """One command-line word: `NAME=VALUE` with a secret NAME (also behind `--flag=`), a JSON
    object as VALUE holding secrets, and URL credentials anywhere."""
    flag, eq, rest = arg.partition("=") if arg.startswith("-") else ("", "", arg)
    name, sep, value = rest.partition("=")
    if eq and is_secret_name(flag):  # --api-key=VALUE
        return f"{flag}={REDACTED}"
    if sep and re.fullmatch(r"[A-Za-z_][\w.-]*", name):
        if is_secret_name(name):
            return f"{flag}{eq}{name}={REDACTED}"
        if value.lstrip().startswith(("{", "[")):
            try:
                parsed = json.loads(value)
            except ValueError:
                parsed = None
            if parsed is not None and redact_mapping(parsed) != parsed:
                value = json.dumps(redact_mapping(parsed))
                return f"{flag}{eq}{name}={value}"
    return redact_text(arg)


def redact_command(argv: list[str] | tuple[str, ...]) -> list[str]:
    """A command line's words with every secret replaced: `--backend-option api_key=sk-1` ->
    `--backend-option api_key=***`, `--api-key sk-1` -> `--api-key ***`, `TOKEN=x` ->
    `TOKEN=***`, and URL credentials (`--base-url https://u:p@host` -> `https://***@host`)."""
    out: list[str] = []
    for i, arg in enumerate(argv):
        flag = argv[i - 1] if i else ""
        # `--api-key VALUE`: the word after a secret flag (unless it is the next flag).
        value_of_secret = (flag.startswith("--") and "=" not in flag and is_secret_name(flag)
                           and not arg.startswith("-"))  # fmt: skip
        out.append(REDACTED if value_of_secret else redact_argument(arg))
    return out
