"""The Lark parser of `.fsr` files, and its syntax errors told in words.

A syntax error names what the parser expected as a writer of rules would
("a rule clause (language, role, ...)", `"}"`), never as Lark's terminal names.
After an error, parsing resumes at the next `rule` or `define` so that one slip
does not hide the errors (and the rules) that follow it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from pathlib import Path

from lark import Lark, Token, Tree, UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.parsers.lalr_interactive_parser import InteractiveParser

from flowscan.grammar.model import ACCESSES, ENTITY_TYPES, FIXES, LANGUAGES, ROLES, SEVERITIES, RuleError

GRAMMAR_PATH = Path(__file__).with_name("flowscan.lark")

# Enough to show a file's real errors; past this, later ones are mostly echoes.
MAX_SYNTAX_ERRORS = 20


class _KeywordsAreWholeWords:
    """Lets every state of the contextual lexer read NAME.

    A state that expects only keywords (`rule`, `define`, ...) would otherwise read the
    start of `rules` as the keyword `rule`; with NAME also on offer the whole word is
    read, and Lark makes it a keyword only if it is one.
    """

    always_accept = ("NAME",)

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        return stream


@functools.cache
def lark_parser() -> Lark:
    # Not strict=True: that needs interegular, which flowscan does not depend on, and
    # refuses the grammar's one intended conflict; tests/grammar/test_grammar.py pins it.
    return Lark(
        GRAMMAR_PATH.read_text(encoding="utf-8"),
        parser="lalr",
        propagate_positions=True,
        maybe_placeholders=True,
        postlex=_KeywordsAreWholeWords(),
        # the LALR tables are built once per grammar version and kept in a temp-dir cache
        cache=True,
    )


def parse_tree(text: str, path: str) -> tuple[Tree | None, list[RuleError]]:
    """The parse tree of `text`, and its syntax errors.

    After an error, the item (rule, define or header) it is in is blanked out up to the
    next item, and the text parsed again: the tree then holds every item that parses.
    Blanking keeps lines and columns, so later errors and the tree keep true positions.
    None when recovery makes no progress.
    """
    errors: list[RuleError] = []
    last_offset = -1
    while len(errors) < MAX_SYNTAX_ERRORS:
        try:
            return lark_parser().parse(text), errors
        except UnexpectedInput as error:
            offset = _error_offset(error, text)
            if offset <= last_offset:
                break  # an echo of the error before: blanking did not get past it
            line, column, message = describe_syntax_error(error, text)
            errors.append(RuleError(path, line, column, message))
            last_offset = offset
            text = _blank_item_at(text, offset)
    return None, errors


# --- recovery -------------------------------------------------------------------------

_ITEM_START = re.compile(r"^[ \t]*(?:pack|define|rule)\b", re.MULTILINE)
_RESUMPTION = re.compile(r"^[ \t]*(?:define|rule)\b", re.MULTILINE)


def _error_offset(error: UnexpectedInput, text: str) -> int:
    if isinstance(error, UnexpectedToken):
        return len(text) if error.token.type == "$END" else error.token.start_pos
    return error.pos_in_stream


def _blank_item_at(text: str, offset: int) -> str:
    """`text` with the item the error at `offset` is in turned into spaces, newlines kept.

    Items start with their keyword at the start of a line. An error at such a keyword
    means the item before it is unfinished: that one is blanked, and parsing resumes here.
    """
    starts = [m.start() for m in _ITEM_START.finditer(text, 0, offset)]
    start = starts[-1] if starts else 0
    line_start = text.rfind("\n", 0, offset) + 1
    resumptions = (m.start() for m in _RESUMPTION.finditer(text, line_start) if m.start() > start)
    end = next(resumptions, len(text))
    return text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]


# --- errors in words ------------------------------------------------------------------

_PATTERN_STARTS = frozenset({"CODE", "NAME", "ID", "KIND", "QUERY", "ANY", "ALL", "LPAR"})
_RELATIONS = ("INSIDE", "HAS", "FOLLOWS", "PRECEDES")
_REFINEMENTS = frozenset({*_RELATIONS, "NEGATED_RELATION", "MATCHING", "WHERE"})
_RULE_CLAUSES = (
    "LANGUAGE", "ROLE", "KIND", "TECH", "SEVERITY", "MATCH", "WHERE", "ENTITY",
    "MESSAGE", "SQL", "FIX", "DOC", "EXAMPLE", *_RELATIONS, "MATCHING",
)  # fmt: skip

# Groups of terminals that stand for one thing a writer knows by name, largest first.
_GROUPS: tuple[tuple[frozenset[str], str], ...] = (
    (
        frozenset(_RULE_CLAUSES) | {"NEGATED_RELATION"},
        "a rule clause (" + ", ".join(name.lower() for name in _RULE_CLAUSES) + ")",
    ),
    (_PATTERN_STARTS, 'a pattern (`code`, kind, query, any, all, "(" or a define name)'),
    (_REFINEMENTS, "a refinement (inside, has, follows, precedes, matching, where)"),
)

_TERMINAL_WORDS = {
    "$END": "end of file",
    "CODE": "a code snippet (`...`)",
    "STRING": 'a string ("...")',
    "REGEX": "a regex (/.../)",
    "METAVAR": "a metavariable ($NAME)",
    "ID": "a dotted name",
    "NAME": "a name",
    "TECH_NAME": "a tech name",
    "NEGATED_RELATION": '"not inside", "not has", "not follows" or "not precedes"',
    "_NOT_MATCHING": '"not matching"',
    "_NOT_IN": '"not in"',
    "NO": '"no match"',
}

# What the word after a keyword names, when a name is all that may come next.
_VALUE_AFTER = {
    "PACK": "a pack name (like python.files)",
    "DEFINE": "a pattern name (dotted words, like python.sql-call)",
    "RULE": "a rule id (dotted words with dashes, like python.pandas.read-file)",
    "LANGUAGE": "a language (" + ", ".join(LANGUAGES) + ")",
    "ROLE": "a role (" + ", ".join(ROLES) + ")",
    "KIND": "a kind name",
    "TECH": "a tech name (a word like psycopg2 or database/sql, or a string)",
    "SEVERITY": "a severity (" + ", ".join(SEVERITIES) + ")",
    "ENTITY": "an entity type (" + ", ".join(ENTITY_TYPES) + ")",
    "KEYWORD": "the name of a keyword argument",
    "FIX": "a fix template (" + ", ".join(FIXES) + ")",
}

# In a clause that may go on with a name, what that name would be.
_NAME_IN_CLAUSE = {
    "LANGUAGE": "another language (" + ", ".join(LANGUAGES) + ")",
    "ENTITY": "an access (" + ", ".join(ACCESSES) + ")",
    "FIX": "another fix template (" + ", ".join(FIXES) + ")",
}

NOT_OUTSIDE_ALL = "`not P` only stands inside all { ... } (all { P not Q }); a rule excludes with not inside, not has, ..."

# Example mistakes (as in Lark's examples/advanced/error_reporting_lalr.py): an error
# in the same parser state, on the same kind of token, gets the example's message.
# States are compared by number only, as the stack depth varies with what precedes;
# a name must also be the same word, as a misspelt clause is a name too.
EXAMPLE_MISTAKES: dict[str, tuple[str, ...]] = {
    "match takes one pattern: combine several with any { ... } or all { ... }": (
        "rule a.b { match `x` `y` }",
        "rule a.b { match `x` a.y }",
        "rule a.b { match `x` any { `y` } }",
        "rule a.b { match `x` all { `y` } }",
        "rule a.b { match `x` (`y`) }",
        "rule a.b { match `x` query `y` }",
        *(f"rule a.b {{ match `x` {language} `y` }}" for language in LANGUAGES),
    ),
    "a define names one pattern: combine several with any { ... } or all { ... }": (
        "define a.b = `x` `y`",
        "define a.b = `x` a.y",
        "define a.b = `x` any { `y` }",
        "define a.b = `x` all { `y` }",
        "define a.b = `x` (`y`)",
        "define a.b = `x` query `y`",
        *(f"define a.b = `x` {language} `y`" for language in LANGUAGES),
    ),
    NOT_OUTSIDE_ALL: (
        "rule a.b { not `x` }",
        "rule a.b { role source not `x` }",
        "rule a.b { match `x` not `y` }",
    ),
}


def describe_syntax_error(error: UnexpectedInput, text: str) -> tuple[int, int, str]:
    """Line, column and message of a syntax error."""
    if isinstance(error, UnexpectedCharacters):
        return error.line, error.column, _unexpected_characters(error, text)
    assert isinstance(error, UnexpectedToken), error
    token = error.token
    if token.type == "$END":
        line, column = _end_position(token)
    else:
        line, column = token.line, token.column
    message = _bare_code(error) or _example_message(error) or _expected_found(error, _found(token))
    return line, column, message + _unclosed_bracket(error)


def _bare_code(error: UnexpectedToken) -> str | None:
    """Code written without backticks: a call after a name (`open(`, `os.remove(`), a metavariable."""
    token = error.token
    accepts = _accepts(error.interactive_parser)
    if token.type == "METAVAR" and "CODE" in accepts:
        return f'found "{token}" where a pattern was expected: code is written between backticks, like `{token}`'
    previous = error.interactive_parser.parser_state.value_stack[-1:]
    if token.type != "LPAR" or not previous:
        return None
    if isinstance(previous[0], Tree) and previous[0].data == "ref":
        name = previous[0].children[0]
    elif isinstance(previous[0], Token) and previous[0].type == "NAME" and "CODE" in accepts:
        name = previous[0]
    else:
        return None
    return f'found "(" after {name}: code is written between backticks, like `{name}(...)`'


def _unexpected_characters(error: UnexpectedCharacters, text: str) -> str:
    char = error.char
    if char == "`":
        run = re.match(r"`+", text[error.pos_in_stream :])
        return _unterminated_code(len(run.group()) if run else 1)
    if char == '"':
        return 'unterminated string: the " that opens it is not closed on the same line'
    if char == "/" and "REGEX" in _accepts(error.interactive_parser):
        return "unterminated regex: the / that opens it is not closed on the same line"
    if char == "$":
        return "a metavariable is $ and an upper-case name, like $PATH, $$$ARGS or $_"
    return _expected_found(error, f'"{char}"')


def _unterminated_code(backticks: int) -> str:
    if backticks > 3:
        return "code is written between 1, 2 or 3 backticks, not more"
    fence = "`" * backticks
    if backticks == 3:
        return "unterminated code snippet: no ``` closes the one opened here"
    return (
        f"unterminated code snippet: no {fence} closes the one opened here on the same line"
        " (code over several lines is written between ```)"
    )


def _expected_found(error: UnexpectedInput, found: str) -> str:
    parser = error.interactive_parser
    values = parser.parser_state.value_stack
    expected = _describe_expected(_accepts(parser), _previous_token_type(values), _clause_in_progress(values))
    return f"expected {expected}, found {found}"


def _accepts(parser: InteractiveParser) -> set[str]:
    return set(parser.accepts())


def _previous_token_type(values: list[object]) -> str | None:
    return values[-1].type if values and isinstance(values[-1], Token) else None


def _clause_in_progress(values: list[object]) -> str | None:
    """The keyword of the clause being read, if it is one that may go on with a name."""
    for value in reversed(values):
        if isinstance(value, Token) and value.type in _NAME_IN_CLAUSE:
            return value.type
        if isinstance(value, Token) and value.type == "LBRACE":
            return None
        if isinstance(value, Tree) and not str(value.data).startswith("__"):
            return None  # a finished clause (internal list trees are part of the current one)
    return None


def _describe_expected(expected: set[str], previous: str | None, clause: str | None) -> str:
    if expected <= {"NAME", "ID", "TECH_NAME", "STRING"} and previous in _VALUE_AFTER:
        return _VALUE_AFTER[previous]
    words: list[str] = []
    remaining = set(expected)
    for group, description in _GROUPS:
        if group <= remaining:
            words.append(description)
            remaining -= group
    if "NAME" in remaining and clause is not None:
        words.append(_NAME_IN_CLAUSE[clause])
        remaining.remove("NAME")
    words.extend(_terminal_word(name) for name in sorted(remaining, key=_terminal_order))
    return _join_or(words)


def _terminal_order(name: str) -> tuple[bool, str]:
    # punctuation and end of file after words: 'a pattern or "}"'
    return (name in ("RBRACE", "RPAR", "RSQB", "$END"), name)


@functools.cache
def _terminal_word(name: str) -> str:
    if name in _TERMINAL_WORDS:
        return _TERMINAL_WORDS[name]
    pattern = lark_parser().get_terminal(name).pattern
    return f'"{pattern.value}"'


def _join_or(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " or " + words[-1]


def _found(token: Token) -> str:
    if token.type == "$END":
        return "end of file"
    if token.type in ("CODE", "STRING", "REGEX"):
        return {"CODE": "a code snippet", "STRING": "a string", "REGEX": "a regex"}[token.type]
    return f'"{" ".join(token.split())}"'


def _end_position(token: Token) -> tuple[int, int]:
    """Where the file ends, as the end of its last token (Lark puts $END at its start)."""
    if token.end_line is None or token.end_column is None:
        return 1, 1
    return token.end_line, token.end_column


def _unclosed_bracket(error: UnexpectedToken) -> str:
    """At the end of the file or the start of the next item: which bracket is still open."""
    if error.token.type not in ("$END", "RULE", "DEFINE", "PACK"):
        return ""
    for value in reversed(error.interactive_parser.parser_state.value_stack):
        if isinstance(value, Token) and value.type in ("LBRACE", "LPAR", "LSQB"):
            return f'; the "{value}" at {value.line}:{value.column} is never closed'
    return ""


def _example_message(error: UnexpectedToken) -> str | None:
    state = error.interactive_parser.parser_state.position
    examples = _example_states()
    return examples.get(_example_key(state, error.token)) or examples.get((state, error.token.type, None))


def _example_key(state: object, token: Token) -> tuple[object, str, str | None]:
    return state, token.type, str(token) if token.type == "NAME" else None


@functools.cache
def _example_states() -> dict[tuple[object, str, str | None], str]:
    """Where each example mistake fails (parser state and token), with its message."""
    states: dict[tuple[object, str, str | None], str] = {}
    for message, examples in EXAMPLE_MISTAKES.items():
        for example in examples:
            try:
                lark_parser().parse(example)
            except UnexpectedToken as error:
                states[_example_key(error.interactive_parser.parser_state.position, error.token)] = message
            else:
                raise AssertionError(f"the example mistake {example!r} parses")
    return states

