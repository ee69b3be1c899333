"""Safe YAML loading that remembers where every value came from.

Policy and config errors must name the file and line. PyYAML's composed node tree carries
marks, so values are built from nodes here and each path (tuple of keys/indexes) is mapped to its
line. Aliases, custom tags and duplicate keys are refused: a policy is an audit artefact and must
mean exactly what it says, and aliases are how "billion laughs" documents blow up memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from gitc_agent.errors import InputError
from gitc_agent.model.message import N_, Message, msg
from gitc_agent.run.input_files import read_regular
from gitc_agent.settings import pydantic_text

MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 64  # a policy nests < 10 deep; PyYAML's composer recurses and crashes near 1,000
_STANDARD_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}
_NODE_OF_TAG = {"tag:yaml.org,2002:map": yaml.MappingNode, "tag:yaml.org,2002:seq": yaml.SequenceNode}


class _DepthLimitedLoader(yaml.SafeLoader):
    """SafeLoader whose (recursive) composer refuses nesting deeper than MAX_DEPTH."""

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"nested more than {MAX_DEPTH} levels deep", self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

Path_ = tuple[str | int, ...]


@dataclass
class YamlDocument:
    """Plain data of a YAML file plus the line of each path in it."""

    path: Path
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    text: str = ""

    def line_of(self, loc: Path_) -> int | None:
        """Line of the deepest known prefix of `loc` (pydantic locations may go deeper)."""
        for end in range(len(loc), -1, -1):
            line = self.lines.get(tuple(loc[:end]))
            if line is not None:
                return line
        return None

    def beside(self, path: Path) -> Path:
        """A path written in the file: relative paths start at the file's folder."""
        return path if path.is_absolute() else self.path.parent / path

    def error(self, loc: Path_, message: Message | str) -> InputError:
        """`message` (a template, or a text from elsewhere: a library's, a helper's) at `loc`."""
        where = ".".join(str(p) for p in loc)
        said = msg("{where}: {problem}", where=where, problem=message) if where else message
        return InputError(said, self.path, self.line_of(loc))

    def validation_error(self, exc: ValidationError, prefix: Path_ = ()) -> InputError:
        """Turn the first pydantic error into an InputError with file and line (its text in
        the user's language where settings.pydantic_text knows the error type)."""
        errors = exc.errors(include_url=False)
        first = errors[0]
        loc = prefix + tuple(first["loc"])
        said = pydantic_text.problem(first)
        if len(errors) > 1:
            said = msg("{problem} (and {count} more problem(s))", problem=said,
                       count=len(errors) - 1)
        return self.error(loc, said)


def load_yaml(path: Path, text: str | None = None) -> YamlDocument:
    """Read and parse `path`; raise InputError with file and line on any problem."""
    if text is None:
        raw = read_regular(path, MAX_BYTES, N_("file"))
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(msg("not UTF-8 text (byte {byte})", byte=exc.start), path) from None
    try:
        loader = _DepthLimitedLoader(text)
    except yaml.reader.ReaderError as exc:  # control characters are refused before parsing
        line = text.count("\n", 0, exc.position) + 1
        raise InputError(msg("invalid YAML: character {character!r} is not allowed",
                             character=exc.character), path,
                         line) from None
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise InputError(msg("invalid YAML: {problem}", problem=problem), path, line) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        raise InputError(msg("invalid YAML: character {character!r} is not allowed",
                             character=exc.character), path,
                         line) from None
    except yaml.YAMLError as exc:
        raise InputError(msg("invalid YAML: {problem}", problem=exc), path) from None
    finally:
        loader.dispose()
    doc = YamlDocument(path=path, data=None, text=text)
    if node is None:
        raise InputError(msg("file is empty"), path, 1)
    doc.data = _build(node, (), doc, loader, set())
    return doc


def _build(node: yaml.Node, at: Path_, doc: YamlDocument, loader: _DepthLimitedLoader,
           seen: set[int]) -> Any:
    line = node.start_mark.line + 1
    if id(node) in seen:
        raise InputError(msg("YAML aliases (*name) are not allowed"), doc.path, line)
    seen.add(id(node))
    if node.tag not in _STANDARD_TAGS:
        raise InputError(msg("YAML tag {tag!r} is not allowed", tag=node.tag), doc.path, line)
    expected = _NODE_OF_TAG.get(node.tag, yaml.ScalarNode)
    if not isinstance(node, expected):
        raise InputError(msg("YAML tag {tag!r} does not fit a {node_id}", tag=node.tag,
                             node_id=node.id), doc.path, line)
    doc.lines.setdefault(at, line)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise InputError(msg("mapping keys must be plain values"), doc.path,
                                 key_node.start_mark.line + 1)
            key = _build(key_node, at, doc, loader, seen)
            if key == "<<":
                raise InputError(msg("YAML merge keys (<<) are not allowed"), doc.path,
                                 key_node.start_mark.line + 1)
            if key in out:
                raise InputError(msg("duplicate key {key!r}", key=key), doc.path,
                                 key_node.start_mark.line + 1)
            doc.lines[(*at, key)] = key_node.start_mark.line + 1
            out[key] = _build(value_node, (*at, key), doc, loader, seen)
        return out
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            doc.lines[(*at, index)] = item.start_mark.line + 1
            items.append(_build(item, (*at, index), doc, loader, seen))
        return items
    try:
        value = loader.construct_object(node, deep=True)
    except Exception as exc:  # any failure here is the file's value, not a bug
        # PyYAML's constructors trust the tag: 2027-02-30, !!int "abc", !!int "", !!bool "maybe",
        # !!timestamp "banana" and 5,000-digit integers each fail in their own way (ValueError,
        # IndexError, KeyError, AttributeError)
        detail = f": {exc}" if isinstance(exc, ValueError | OverflowError) else ""
        raise InputError(msg("{preview} is not a valid YAML {tag_type}{detail}",
                             preview=_preview(node.value), tag_type=node.tag.rsplit(':', 1)[-1],
                             detail=detail), doc.path, line) from None
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise InputError(msg("a lone surrogate in {preview} is not Unicode text",
                                 preview=_preview(value)),
                             doc.path, line) from None
    return value


def _preview(value: Any) -> str:
    text = str(value)
    return repr(text if len(text) <= 40 else text[:40] + "...")
