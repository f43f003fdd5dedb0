"""Hiding secrets in the text a finding shows (messages, entity names, snippets).

A finding about `psycopg2.connect("postgresql://app:hunter2@db/sales")` is worth
reporting; the password in it is not worth copying into CI logs, SARIF uploads and
pull-request comments. `redact` masks the secret part of such text with `***` and
leaves everything else, code included, as it was.

Two principles decide the hard cases:

- Only literal values are secrets. `password=os.environ["PG_PASSWORD"]`,
  `password=settings.DB_PASSWORD`, `f"...:{password}@..."` and `${PGPASSWORD}` name
  where a secret comes from; they stay, since they are what a reader needs to see.
- A name is secret-looking when its *last word* says so: `api_key`, `clientSecret`,
  `X-Amz-Signature`, `PGPASSWORD` are; `token_count`, `max_tokens`, `secret_name`,
  `password_file` and an S3 `Key=` are not (they count, name or locate a secret,
  they do not hold one).

`redact` is idempotent: masked text is left alone by a second pass, so every output
may apply it without knowing whether another layer did.
"""

from __future__ import annotations

import re
from collections.abc import Callable

MASK = "***"

# --- what is a secret name ---------------------------------------------------------

# Words that, as the last word of a name, mean the name holds a secret.
_SECRET_WORDS = frozenset(
    {
        "password", "passwd", "pwd", "passphrase", "secret", "token", "auth",
        "authorization", "credential", "credentials", "signature",
    }
)
# `key` alone is too common (S3 object keys, sort keys, dict keys): it needs one of these before it.
_KEY_QUALIFIERS = frozenset(
    {
        "api", "access", "secret", "private", "signing", "encryption", "master", "client",
        "account", "subscription", "auth", "app", "consumer", "fernet", "hmac", "jwt", "webhook",
        "license", "session",
    }
)
# Names written as one word: PGPASSWORD, apikey, BEARERTOKEN.
_GLUED_ENDINGS = ("password", "passwd", "secret", "token", "apikey", "accesskey", "secretkey",
                  "privatekey", "accountkey")
# In a URL query these short names are well-known secrets (Google `key=`, Azure SAS `sig=`).
_URL_SECRET_PARAMS = frozenset({"key", "sig", "code_verifier"})
# Method names starting with a verb fetch or manage a secret by name: `get_secret("prod/db")`.
_VERBS = frozenset(
    {
        "get", "fetch", "read", "load", "lookup", "find", "delete", "remove", "create", "describe",
        "list", "rotate", "update", "put", "has", "is", "validate", "verify", "check", "refresh",
        "revoke", "generate", "new", "reset",
    }
)

_WORD_BOUNDARY = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")


def _words(name: str) -> list[str]:
    return [word.lower() for word in _WORD_BOUNDARY.split(name) if word]


def is_secret_name(name: str) -> bool:
    """Whether a variable, key, parameter or header called `name` holds a secret."""
    words = _words(name)
    if not words:
        return False
    last = words[-1]
    if last in _SECRET_WORDS:
        return True
    if last == "key" and len(words) >= 2 and words[-2] in _KEY_QUALIFIERS:
        return True
    return last.endswith(_GLUED_ENDINGS)


def _is_url_secret_param(name: str) -> bool:
    return name.lower() in _URL_SECRET_PARAMS or is_secret_name(name)


def _is_setter_name(method: str) -> bool:
    words = _words(method)
    if not words or words[0] in _VERBS:
        return False
    if words[0] in ("set", "with"):
        return is_secret_name("_".join(words[1:]))
    return is_secret_name(method)


# --- what is a literal secret value ------------------------------------------------

# Template holes and already-masked text: these show where a value comes from, not the value.
_PLACEHOLDER = re.compile(
    r"""\{\{.*?\}\}           # Jinja / Go templates
      | \$\{[^}]*\}           # ${VAR}
      | \$[A-Za-z_]\w*        # $VAR
      | \{(?:[A-Za-z_][^{}\s;]*)?\}|\{\d+\}  # f-string / str.format field (not ODBC's {p;w})
      | %\(\w+\)[sdr]         # %(name)s
      | %[sd]                 # %s
      | <[A-Za-z_][\w -]*>    # <password> in documentation
      | \*{3,}                # already masked
      | \.\.\.
    """,
    re.VERBOSE,
)
_SEPARATORS = " \t:/@._-"
_AUTH_SCHEME = re.compile(r"(?:Bearer|Basic|Token|Digest|Bot|ApiKey|Negotiate)\s+", re.IGNORECASE)
# `settings.DB_PASSWORD`, `self.password`: an attribute chain, code not a secret.
_ATTRIBUTE_CHAIN = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+")


def _is_placeholder(value: str) -> bool:
    if not value.strip():
        return True
    return not _PLACEHOLDER.sub("", value).strip(_SEPARATORS) and _PLACEHOLDER.search(value) is not None


def _mask(value: str) -> str:
    """`value` masked, unless it only names where a secret comes from; an auth scheme stays visible."""
    if _is_placeholder(value):
        return value
    scheme = _AUTH_SCHEME.match(value)
    if scheme and scheme.end() < len(value):
        rest = value[scheme.end():]
        return value if _is_placeholder(rest) else scheme.group(0) + MASK
    return MASK


# --- the rules, in the order they run ----------------------------------------------
#
# Every pattern starts at a delimiter (a lookbehind, a quote, a literal): one that could
# start inside any run of word characters makes a long token cost quadratic time.

# scheme://user:password@host — the password part, up to the last @ before the path
# (unencoded @ in passwords is common in hand-written DSNs).
_URL_USERINFO = re.compile(
    r"""(?P<head>(?:(?<=:-)|(?<![A-Za-z0-9+.-]))[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#@:'"`]*:)(?P<value>[^\s/?#'"`]*)(?=@)"""
)
# ${DB_PASSWORD:-hunter2}, ${api.token:secret}: the default of a secret-looking setting is a literal
_INTERPOLATION_DEFAULT = re.compile(r"""\$\{(?P<name>[A-Za-z_][\w.-]*?)(?::-|:=|:|-)(?P<value>[^{}]*)\}""")
# jdbc:oracle:thin:scott/tiger@host:1521:orcl
_ORACLE_USERINFO = re.compile(r"""(?P<head>\bjdbc:oracle:\w+:[^\s/@:'"`]+/)(?P<value>[^\s@'"`]+)(?=@)""")
# ?token=...&X-Amz-Signature=...
_QUERY_PARAM = re.compile(r"""(?P<head>[?&](?P<name>[A-Za-z0-9_.\-\[\]]+)=)(?P<value>[^&#\s'"`<>]*)""")
# name = "value", "name": "value", name := "value", name: str = "value", conf["name"] = "value"
_QUOTED_PAIR = re.compile(
    r"""(?P<head>
          (?<![\w.-])(?P<q0>["'`]?)(?P<name>[A-Za-z_][\w.-]*)(?P=q0)\]?
          \s*(?::\s*[\w\[\]., |&<>*]+?\s*)?(?:=>|:=|=|:)\s*
          (?P<prefix>[rRbBuUfF]{0,2})(?P<q>["'`])
        )
        (?P<value>(?:\\.|(?!(?P=q)).)*?)(?P=q)""",
    re.VERBOSE,
)
# ("password", "hunter2"): setProperty, os.environ.get with a default, config.set
_QUOTED_ARGUMENTS = re.compile(
    r"""(?P<q0>["'])(?P<name>[A-Za-z_][\w.-]*)(?P=q0)\s*,\s*[rRbBuUfF]{0,2}(?P<q>["'`])
        (?P<value>(?:\\.|(?!(?P=q)).)*?)(?P=q)""",
    re.VERBOSE,
)
# .password("hunter2"), .setApiKey("..."), .withToken("...")
_SETTER_CALL = re.compile(
    r"""\.(?P<name>[A-Za-z_]\w*)\(\s*[rRbBuUfF]{0,2}(?P<q>["'`])
        (?P<value>(?:\\.|(?!(?P=q)).)*?)(?P=q)\s*\)""",
    re.VERBOSE,
)
# CREATE USER app WITH PASSWORD 'x'; ALTER USER app IDENTIFIED BY "x"
_SQL_PASSWORD = re.compile(
    r"""(?P<head>\b(?:PASSWORD|IDENTIFIED\s+BY)\s+(?P<q>['"]))(?P<value>(?:''|[^'"\n])*?)(?P=q)""",
    re.IGNORECASE,
)
# Authorization: Bearer abc... in header text, and long bearer tokens anywhere.
_AUTH_HEADER = re.compile(
    r"""(?P<head>\b(?:Proxy-)?Authorization\s*:\s*(?:(?:Bearer|Basic|Token|Digest|Bot)\s+)?)(?P<value>[^\s'"`,;}]+)""",
    re.IGNORECASE,
)
_BEARER = re.compile(r"""(?P<head>\bBearer\s+)(?P<value>[A-Za-z0-9._~+/-]{16,}=*)""")
# The start of an unquoted `name=value`: libpq DSNs, ADO/ODBC strings, CLI flags, env assignments.
_BARE_PAIR_HEAD = re.compile(r"""(?<![\w.-])(?:--?)?(?P<name>[A-Za-z_][\w.-]*)=(?=[^\s'"`=])""")
_ADO_VALUE_LIMIT = 512
_ADO_PLAIN_VALUE = re.compile(r"""[^;'"`\n]*""")
_ADO_NEXT_PAIR = re.compile(r"""\s*;\s*[A-Za-z][\w .-]*=""")
_CODE_AFTER_VALUE = re.compile(r"""\s*[),\]]""")
_BARE_VALUE_END = frozenset(" \t\r\n'\"`&")
_BARE_VALUE_STOP = " \t\r\n'\"`&;,()[]{}<>"

# Credentials that look like nothing else: masked wherever they appear.
_TOKEN_SHAPES = (
    re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),  # AWS access key id
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),  # GitHub tokens
    re.compile(r"\bgithub_pat_[A-Za-z0-9_]{22,}\b"),
    re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}\b"),  # Slack
    re.compile(r"\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}\b"),  # Stripe
    re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),  # Google API key
    re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}"),  # JWT
)
_PEM_PRIVATE_KEY = re.compile(
    r"(?P<begin>-----BEGIN [A-Z ]*PRIVATE KEY-----)(?P<body>(?:(?!-----BEGIN ).)*?)"
    r"(?P<end>-----END [A-Z ]*PRIVATE KEY-----)",
    re.DOTALL,
)


def redact(text: str) -> str:
    """`text` with the secrets in it replaced by `***`; everything else unchanged."""
    for rule in _RULES:
        text = rule(text)
    return text


def _masking(
    pattern: re.Pattern[str], wants: Callable[[re.Match[str]], bool] = lambda _: True
) -> Callable[[str], str]:
    """A rule masking the `value` group of each match of `pattern` that `wants` accepts."""

    def rule(text: str) -> str:
        def replace(match: re.Match[str]) -> str:
            if not wants(match):
                return match.group(0)
            start, end = match.span("value")
            offset = match.start()
            whole = match.group(0)
            return whole[: start - offset] + _mask(match.group("value")) + whole[end - offset :]

        return pattern.sub(replace, text)

    return rule


def _named_secret(match: re.Match[str]) -> bool:
    return is_secret_name(match.group("name"))


def _mask_bare_pairs(text: str) -> str:
    """Unquoted `name=value` pairs: `host=db password=hunter2`, `Server=x;Pwd={p;w};`, `--password=x`.

    A value is taken as a literal only where code would not stand: between spaces or
    quotes (libpq, shell) or in a `;`-separated list (ADO/ODBC). `password=pw)` and
    `password=os.environ[...]` end in code punctuation and are left alone.
    """
    pieces: list[str] = []
    position = 0
    for match in _BARE_PAIR_HEAD.finditer(text):
        if match.start() < position or not is_secret_name(match.group("name")):
            continue
        span = _ado_value(text, match) or _libpq_value(text, match.end())
        if span is None:
            continue
        start, end = span
        value = text[start:end]
        pieces.append(text[position:start])
        pieces.append(value if _ATTRIBUTE_CHAIN.fullmatch(value) else _mask(value))
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def _ado_value(text: str, match: re.Match[str]) -> tuple[int, int] | None:
    start = match.end()
    # Values are short; a bounded look keeps text with many pairs and no `;` linear.
    limit = min(len(text), start + _ADO_VALUE_LIMIT)
    if text.startswith("{", start):
        close = text.find("}", start, limit)
        end = close + 1 if close != -1 else limit
    else:
        plain = _ADO_PLAIN_VALUE.match(text, start, limit)
        end = plain.end() if plain else start
        while end > start and text[end - 1] in " \t\r":
            end -= 1
    in_list = _follows_semicolon(text, match.start()) or _ADO_NEXT_PAIR.match(text, end)
    return (start, end) if in_list and end > start else None


def _follows_semicolon(text: str, position: int) -> bool:
    # Walks back over blanks instead of slicing: slicing per pair is quadratic on long text.
    position -= 1
    while position >= 0 and text[position] in " \t":
        position -= 1
    return position >= 0 and text[position] == ";"


def _libpq_value(text: str, start: int) -> tuple[int, int] | None:
    end = start
    while end < len(text) and text[end] not in _BARE_VALUE_STOP:
        end += 1
    if end == start or (end < len(text) and text[end] not in _BARE_VALUE_END):
        return None
    if _CODE_AFTER_VALUE.match(text, end):
        # The last keyword argument of a call spread over lines: `password=pw\n)`.
        return None
    return start, end


def _mask_pem(text: str) -> str:
    return _PEM_PRIVATE_KEY.sub(lambda m: f"{m.group('begin')}{MASK}{m.group('end')}", text)


def _mask_token_shapes(text: str) -> str:
    for shape in _TOKEN_SHAPES:
        text = shape.sub(MASK, text)
    return text


_RULES: tuple[Callable[[str], str], ...] = (
    _mask_pem,
    _masking(_URL_USERINFO),
    _masking(_INTERPOLATION_DEFAULT, _named_secret),
    _masking(_ORACLE_USERINFO),
    _masking(_QUERY_PARAM, lambda match: _is_url_secret_param(match.group("name"))),
    _masking(_QUOTED_PAIR, _named_secret),
    _masking(_QUOTED_ARGUMENTS, _named_secret),
    _masking(_SETTER_CALL, lambda match: _is_setter_name(match.group("name"))),
    _masking(_SQL_PASSWORD),
    _masking(_AUTH_HEADER),
    _masking(_BEARER),
    _mask_bare_pairs,
    _mask_token_shapes,
)
