"""The codebook: YAML files in `codebook/`, merged, validated with pydantic.

Every problem is reported with file, line and code id. Rule syntax is described in
docs/codebook.md; token patterns are checked against spaCy's Matcher schema when
auto-coding compiles them (see qualcode.autocode.rules).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from qualcode.errors import CodebookError

CODE_ID = re.compile(r"^[a-z][a-z0-9_]*$")
COLOR = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
LANG = re.compile(r"^[a-z]{2,3}$")
_LINE = "__line__"


class Rule(BaseModel):
    """One auto-coding rule. Exactly one of phrase, pattern or near is set."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = None
    phrase: str | None = None
    pattern: list[dict[str, Any]] | None = None
    near: list[str] | None = None
    within: int = Field(default=8, ge=1, le=100)
    unless: list[str] = Field(default_factory=list)
    # where the rule is written (0: unknown), for messages; never serialised
    _line: int = PrivateAttr(default=0)
    _token_lines: list[int] = PrivateAttr(default_factory=list)

    @property
    def kind(self) -> str:
        return "phrase" if self.phrase else "pattern" if self.pattern else "near"

    def describe(self) -> str:
        if self.phrase:
            return repr(self.phrase)
        if self.near:
            return f"near {self.near} within {self.within}"
        return f"pattern {self.pattern}"


class Code(BaseModel):
    """A code (theme) with its definition, examples, rules and sub-codes."""

    model_config = ConfigDict(extra="forbid")

    id: str
    name: str = Field(min_length=1)
    color: str | None = None
    description: str = ""
    include: str = ""
    exclude: str = ""
    examples: list[str] = Field(default_factory=list)
    rules: dict[str, list[Rule]] = Field(default_factory=dict)
    children: list[Code] = Field(default_factory=list)
    guid: str | None = None  # the REFI-QDA GUID of an imported code, kept for exports
    # kept with its codings, but out of counts, suggestions and the palette
    retired: bool = False
    line: int = Field(default=0, exclude=True)
    file: str = Field(default="", exclude=True)

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not CODE_ID.match(v):
            raise ValueError("must match [a-z][a-z0-9_]* (lower case, digits, underscores)")
        return v

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must not be empty")
        return v.strip()

    @field_validator("color")
    @classmethod
    def _color(cls, v: str | None) -> str | None:
        if v is not None and not COLOR.match(v):
            raise ValueError(f"bad colour {v!r}: use #rgb or #rrggbb")
        return v

    @field_validator("rules", mode="before")
    @classmethod
    def _rules(cls, v: Any) -> Any:
        if not isinstance(v, dict):
            raise ValueError("rules must map a language code (en, fr...) to a list of rules")
        out = {}
        for lang, items in v.items():
            if not isinstance(lang, str) or not LANG.match(lang):
                raise ValueError(f"rules: {lang!r} is not a language code like en or fr")
            if not isinstance(items, list):
                raise ValueError(f"rules.{lang} must be a list")
            out[lang] = [{"phrase": i} if isinstance(i, str) else i for i in items]
        return out


class Codebook(BaseModel):
    """The merged codebook."""

    model_config = ConfigDict(extra="forbid")

    codebook: str = "Codebook"
    version: int | str = 1
    codes: list[Code] = Field(default_factory=list)

    def walk(self) -> Iterator[tuple[Code, Code | None, int]]:
        """Every code depth-first, with its parent and depth."""

        def rec(codes: list[Code], parent: Code | None, depth: int) -> Iterator:
            for c in codes:
                yield c, parent, depth
                yield from rec(c.children, c, depth + 1)

        return rec(self.codes, None, 0)

    def _repr_html_(self) -> str:
        """The codebook as a nested list in Jupyter, each code in its colour."""
        import html

        def item(c: Code) -> str:
            swatch = (f'<span style="display:inline-block;width:.8em;height:.8em;'
                      f'background:{c.color or "#ccc"};margin-right:.4em"></span>')
            rules = sum(len(r) for r in c.rules.values())
            desc = f'<br><small>{html.escape(" ".join(c.description.split()))}</small>' \
                if c.description else ""
            kids = "".join(item(ch) for ch in c.children)
            return (f"<li>{swatch}<b>{html.escape(c.name)}</b> <code>{c.id}</code> "
                    f"<small>({rules} rules)</small>{desc}"
                    + (f"<ul>{kids}</ul>" if kids else "") + "</li>")

        title = html.escape(f"{self.codebook} (version {self.version})")
        return f"<div><b>{title}</b><ul>{''.join(item(c) for c in self.codes)}</ul></div>"

    def by_id(self) -> dict[str, Code]:
        return {c.id: c for c, _, _ in self.walk()}

    def active(self) -> Codebook:
        """The codebook without its retired codes (a retired code's sub-codes retire
        with it): what counts, suggests and is offered for coding."""
        def keep(codes: list[Code]) -> list[Code]:
            return [c.model_copy(update={"children": keep(c.children)})
                    for c in codes if not c.retired]

        if not any(c.retired for c, _, _ in self.walk()):
            return self
        return self.model_copy(update={"codes": keep(self.codes)})

    def retired_ids(self) -> list[str]:
        """Retired codes and the sub-codes that retire with them."""
        active = set(self.active().by_id())
        return [c.id for c, _, _ in self.walk() if c.id not in active]

    def parents(self) -> dict[str, str | None]:
        return {c.id: (p.id if p else None) for c, p, _ in self.walk()}

    def check_ids(self, codes: list[str]) -> None:
        """A usage error naming every id that is not in the codebook."""
        from qualcode.errors import UsageError

        known = self.by_id()
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise UsageError(f"unknown code(s) {', '.join(unknown)} - see qualcode codebook show")

    def lineage(self, code_id: str) -> list[str]:
        """The code and its ancestors, nearest first."""
        parents = self.parents()
        out = [code_id]
        while parents.get(out[-1]):
            out.append(parents[out[-1]])
        return out

    def expand(self, codes: list[str], with_subcodes: bool = True) -> list[str]:
        """The codes, each with its sub-codes when with_subcodes (codebook order)."""
        wanted = {d for c in codes for d in (self.descendants(c) if with_subcodes else [c])}
        return [c.id for c, _, _ in self.walk() if c.id in wanted]

    def descendants(self, code_id: str) -> list[str]:
        """The code and all its sub-codes."""
        code = self.by_id()[code_id]
        out = []

        def rec(c: Code) -> None:
            out.append(c.id)
            for ch in c.children:
                rec(ch)

        rec(code)
        return out


class _LineLoader(yaml.SafeLoader):
    """A SafeLoader that records the line of every mapping (1-based) under `__line__`."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=True)
    seen: set = set()
    for key_node, _ in node.value:
        key = key_node.value
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    mapping[_LINE] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _strip_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k != _LINE}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


def _parse_code(raw: Any, file: str, problems: list[str]) -> Code | None:
    if not isinstance(raw, dict):
        problems.append(f"{file}: a code must be a mapping with at least id and name")
        return None
    line = raw.get(_LINE, 0)
    cid = raw.get("id", "?")
    children_raw = raw.get("children", []) or []
    if not isinstance(children_raw, list):
        problems.append(f"{file}:{line}: code {cid}: children must be a list of codes")
        children_raw = []
    children = [c for c in (_parse_code(ch, file, problems) for ch in children_raw) if c]
    body = {k: v for k, v in raw.items() if k not in (_LINE, "children")}
    body.setdefault("name", body.get("id", ""))
    try:
        code = Code.model_validate(_strip_lines(body))
    except ValidationError as exc:
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = ("unknown key (allowed: id, name, color, description, include, exclude, "
                       "examples, rules, children, guid, retired)") if "." not in loc \
                    else "unknown key in rule"
            sub_line = _line_of(raw, err["loc"]) or line
            problems.append(f"{file}:{sub_line}: code {cid}: {loc}: {msg}")
        return None
    _set_rule_lines(code, raw)
    return code.model_copy(update={"children": children, "line": line, "file": file})


def _set_rule_lines(code: Code, raw: dict) -> None:
    """Remember the line of each rule written as a mapping, and of its pattern's tokens."""
    raw_rules = raw.get("rules")
    if not isinstance(raw_rules, dict):
        return
    for lang, rules in code.rules.items():
        items = raw_rules.get(lang)
        if not isinstance(items, list):
            continue
        for rule, item in zip(rules, items, strict=False):
            if isinstance(item, dict):
                rule._line = item.get(_LINE, 0)
                tokens = item.get("pattern")
                if isinstance(tokens, list):
                    rule._token_lines = [t.get(_LINE, rule._line) if isinstance(t, dict)
                                         else rule._line for t in tokens]


def _line_of(raw: dict, loc: tuple) -> int | None:
    node: Any = raw
    line = None
    for part in loc:
        in_dict = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and part < len(node)
        if in_dict or in_list:
            node = node[part]
        else:
            break
        if isinstance(node, dict) and _LINE in node:
            line = node[_LINE]
    return line


def load_codebook(folder: Path) -> Codebook:
    """Load and merge every `*.yaml`/`*.yml` file in `folder`; raise CodebookError on problems."""
    files = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]) if folder.is_dir() else []
    if not files:
        raise CodebookError([f"{folder}: no codebook files (*.yaml) found"])
    return load_codebook_files(files, base=folder.parent)


def load_codebook_files(files: list[Path], base: Path | None = None) -> Codebook:
    """Load and merge the given codebook files."""
    problems: list[str] = []
    codes: list[Code] = []
    title, version = None, None
    for path in files:
        name = str(path.relative_to(base)) if base and path.is_relative_to(base) else str(path)
        try:
            raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506
        except UnicodeDecodeError:
            problems.append(f"{name}: not UTF-8 - save it as UTF-8")
            continue
        except yaml.YAMLError as exc:
            mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
            line = f":{mark.line + 1}" if mark else ""
            problem = getattr(exc, "problem", None) or "invalid YAML"
            problems.append(f"{name}{line}: {problem}")
            continue
        if raw is None:
            continue
        if not isinstance(raw, dict):
            problems.append(f"{name}: the top level must be a mapping with a 'codes' list")
            continue
        unknown = set(raw) - {"codebook", "version", "codes", _LINE}
        for key in sorted(unknown):
            problems.append(f"{name}: unknown top-level key {key!r} (allowed: codebook, "
                            "version, codes)")
        title = title or raw.get("codebook")
        version = version or raw.get("version")
        items = raw.get("codes") or []
        if not isinstance(items, list):
            problems.append(f"{name}: 'codes' must be a list")
            continue
        codes.extend(c for c in (_parse_code(item, name, problems) for item in items) if c)
    book = Codebook(codebook=str(title or "Codebook"), version=version or 1, codes=codes)
    seen: dict[str, Code] = {}
    for code, _, _ in book.walk():
        if code.id in seen:
            first = seen[code.id]
            problems.append(f"{code.file}:{code.line}: code {code.id}: duplicate id "
                            f"(first defined at {first.file}:{first.line})")
        else:
            seen[code.id] = code
    if problems:
        raise CodebookError(problems)
    return book


def rule_problems(book: Codebook) -> dict[tuple[str, str, int], list[str]]:
    """Problems of each rule's shape and regular expressions, keyed by (code id,
    language, index): exactly one of phrase / pattern / near, non-empty; every REGEX of
    a pattern compiles and cannot backtrack catastrophically."""
    from qualcode.autocode.pipeline import supported_languages

    known = set(supported_languages())
    problems: dict[tuple[str, str, int], list[str]] = {}
    for code, _, _ in book.walk():
        for lang, rules in code.rules.items():
            if known and lang not in known:
                problems[(code.id, lang, -1)] = [
                    f"{code.file}:{code.line}: code {code.id}: rules.{lang}: unknown "
                    f"language {lang!r} - use a language code spaCy knows (en, fr, de, "
                    "es, pt, ar, ...; xx for any)"]
                continue
            for i, rule in enumerate(rules):
                found = []
                set_ = [k for k in ("phrase", "pattern", "near") if getattr(rule, k)]
                line = rule._line or code.line
                where = f"{code.file}:{line}: code {code.id}: rules.{lang}[{i}]"
                if len(set_) != 1:
                    found.append(f"{where}: give exactly one of phrase, pattern or near")
                if rule.near is not None and len(rule.near) < 2:
                    found.append(f"{where}: near needs at least two terms")
                if rule.phrase is not None and not rule.phrase.strip():
                    found.append(f"{where}: empty phrase")
                for j, token in enumerate(rule.pattern or []):
                    for regex in _regexes(token):
                        problem = regex_problem(regex)
                        if problem:
                            tline = (rule._token_lines[j] if j < len(rule._token_lines)
                                     else line) or line
                            found.append(f"{code.file}:{tline}: code {code.id}: "
                                         f"rules.{lang}[{i}] token {j + 1}: {problem}")
                if found:
                    problems[(code.id, lang, i)] = found
    return problems


def validate_rules(book: Codebook) -> None:
    """Raise CodebookError listing every problem of rule_problems()."""
    problems = [p for found in rule_problems(book).values() for p in found]
    if problems:
        raise CodebookError(problems)


def _regexes(value: Any) -> Iterator[Any]:
    """Every REGEX value inside a token pattern (`{TEXT: {REGEX: ...}}`, `{_: ...}`)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and key.upper() == "REGEX":
                yield item
            else:
                yield from _regexes(item)
    elif isinstance(value, list):
        for item in value:
            yield from _regexes(item)


# --- regular expressions that cannot blow up ------------------------------------------
# Python's `re` backtracks: `^(a+)+$` on 30 a's and a '!' runs for minutes. spaCy's
# Matcher runs a pattern's REGEX with `re`, so a rule's regex is refused when its shape
# can backtrack exponentially (docs/codebook.md, docs/decisions.md):
# - a repeated group holding another quantifier of variable length: (a+)+, ([a-z]+)*,
#   (.*a){12}, (a?)+;
# - a repeated group holding alternatives that can start with the same character, or
#   that can match nothing: (a|a)*, (a|aa)+, (\w|\d)+.
# Possessive quantifiers and atomic groups (Python 3.11+) never backtrack into what they
# matched and are allowed around such shapes.

def regex_problem(pattern: Any) -> str | None:
    """Why a rule's regular expression is refused, or None when it is fine."""
    if not isinstance(pattern, str):
        return f"REGEX must be a string, not {pattern!r}"
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"invalid regular expression {pattern!r} - {exc}"
    try:
        from re import _parser as sre_parse  # Python 3.11+
    except ImportError:  # pragma: no cover
        import sre_parse  # type: ignore[no-redef]
    shape = _catastrophic(list(sre_parse.parse(pattern).data), repeated=False)
    if shape:
        return (f"regular expression {pattern!r} can take exponential time ({shape}) - "
                "rewrite it without nesting (^a+$ for ^(a+)+$), or make the inner part "
                "possessive (a++) or atomic (?>...)")
    return None


def _ops() -> Any:
    try:
        from re import _constants as c  # Python 3.11+
    except ImportError:  # pragma: no cover
        import sre_constants as c  # type: ignore[no-redef]
    return c


def _catastrophic(items: list, repeated: bool) -> str | None:
    """The first catastrophic shape in a parsed pattern; `repeated`: inside a group
    that repeats more than once."""
    c = _ops()
    for op, av in items:
        if op in (c.MAX_REPEAT, c.MIN_REPEAT):
            lo, hi, sub = av
            if repeated and lo != hi:
                return "a quantifier inside a repeated group"
            repeats = hi > 1
            if repeats:
                overlap = _overlapping_branch(list(sub))
                if overlap:
                    return overlap
            found = _catastrophic(list(sub), repeated or repeats)
        elif op == c.POSSESSIVE_REPEAT or op == c.ATOMIC_GROUP:
            # never backtracks into itself; its inside is checked as a pattern of its own
            found = _catastrophic(list(av[2] if op == c.POSSESSIVE_REPEAT else av), False)
        elif op == c.SUBPATTERN:
            found = _catastrophic(list(av[3]), repeated)
        elif op == c.BRANCH:
            found = next(filter(None, (_catastrophic(list(b), repeated) for b in av[1])), None)
        elif op in (c.ASSERT, c.ASSERT_NOT):
            found = _catastrophic(list(av[1]), repeated)
        elif op == c.GROUPREF_EXISTS:
            found = next(filter(None, (_catastrophic(list(b), repeated)
                                       for b in av[1:] if b is not None)), None)
        else:
            found = None
        if found:
            return found
    return None


_SAMPLE = frozenset(chr(i) for i in [9, 10, 13, *range(32, 0x250), *range(0x370, 0x3d0),
                                     *range(0x400, 0x460), *range(0x621, 0x64b),
                                     0x2019, 0x201c, 0x201d, 0x2026, 0x4e00])


def _overlapping_branch(items: list) -> str | None:
    """Alternatives in a repeated group that can start alike (or match nothing)."""
    c = _ops()
    for op, av in items:
        if op == c.BRANCH:
            firsts = [_first(list(b)) for b in av[1]]
            for i in range(len(firsts)):
                for j in range(i + 1, len(firsts)):
                    (fi, ni), (fj, nj) = firsts[i], firsts[j]
                    if ni or nj or fi & fj:
                        return "alternatives that can match the same text in a repeated group"
            for b in av[1]:
                found = _overlapping_branch(list(b))
                if found:
                    return found
        elif op == c.SUBPATTERN:
            found = _overlapping_branch(list(av[3]))
            if found:
                return found
    return None


def _first(items: list) -> tuple[frozenset[str], bool]:
    """(characters the pattern can start with, from a sample; can it match nothing)."""
    c = _ops()
    out: set[str] = set()
    for op, av in items:
        nullable = False
        if op == c.LITERAL:
            ch = chr(av)
            chars = {ch, ch.lower(), ch.upper()}
        elif op in (c.NOT_LITERAL, c.ANY):
            chars = set(_SAMPLE)
        elif op == c.IN:
            chars = {ch for ch in _SAMPLE if _in_set(ch, av)}
        elif op == c.CATEGORY:
            chars = {ch for ch in _SAMPLE if _in_category(ch, av)}
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            sub, nullable = _first(list(av[2]))
            chars, nullable = set(sub), nullable or av[0] == 0
        elif op == c.SUBPATTERN:
            sub, nullable = _first(list(av[3]))
            chars = set(sub)
        elif op == c.ATOMIC_GROUP:
            sub, nullable = _first(list(av))
            chars = set(sub)
        elif op == c.BRANCH:
            chars = set()
            for b in av[1]:
                sub, n = _first(list(b))
                chars |= sub
                nullable = nullable or n
        elif op in (c.AT, c.ASSERT, c.ASSERT_NOT):
            chars, nullable = set(), True
        else:  # back-references, conditionals: assume anything
            chars, nullable = set(_SAMPLE), True
        out |= chars
        if not nullable:
            return frozenset(out), False
    return frozenset(out), True


def _in_category(ch: str, cat: Any) -> bool:
    c = _ops()
    tests = {
        c.CATEGORY_DIGIT: ch.isdecimal(), c.CATEGORY_NOT_DIGIT: not ch.isdecimal(),
        c.CATEGORY_SPACE: ch.isspace(), c.CATEGORY_NOT_SPACE: not ch.isspace(),
        c.CATEGORY_WORD: ch.isalnum() or ch == "_",
        c.CATEGORY_NOT_WORD: not (ch.isalnum() or ch == "_"),
    }
    return tests.get(cat, True)


def _in_set(ch: str, items: list) -> bool:
    c = _ops()
    negate, hit = False, False
    for op, av in items:
        if op == c.NEGATE:
            negate = True
        elif op == c.LITERAL:
            hit = hit or ch in {chr(av), chr(av).lower(), chr(av).upper()}
        elif op == c.RANGE:
            hit = hit or any(av[0] <= ord(x) <= av[1] for x in {ch, ch.lower(), ch.upper()})
        elif op == c.CATEGORY:
            hit = hit or _in_category(ch, av)
        else:  # pragma: no cover - other set items: assume a match
            hit = True
    return hit != negate


def codebook_to_yaml(book: Codebook) -> str:
    """Serialise the codebook back to the YAML file format."""

    def code_dict(c: Code) -> dict:
        d: dict[str, Any] = {"id": c.id, "name": c.name}
        for key in ("color", "description", "include", "exclude"):
            if getattr(c, key):
                d[key] = getattr(c, key)
        if c.examples:
            d["examples"] = list(c.examples)
        if c.rules:
            d["rules"] = {
                lang: [
                    r.phrase if r.kind == "phrase" and not r.id and not r.unless
                    else r.model_dump(exclude_none=True, exclude_defaults=True)
                    for r in rules
                ]
                for lang, rules in c.rules.items()
            }
        if c.guid:
            d["guid"] = c.guid
        if c.children:
            d["children"] = [code_dict(ch) for ch in c.children]
        return d

    doc = {"codebook": book.codebook, "version": book.version,
           "codes": [code_dict(c) for c in book.codes]}
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=88)
