"""A pydantic validation error as a message template, so a config or policy mistake reads in
the user's language.

pydantic says what is wrong in English only ("Field required", "Input should be 'x' or 'y'").
The common error types are mapped here, by their `type`, to English templates that give exactly
pydantic's text when filled with the error's context; the Dutch is in the catalog. An error whose
filled template does not give pydantic's own words (a new pydantic wording, a custom validator)
keeps pydantic's text, in English: a changed library costs the translation, never the content.
"""

from __future__ import annotations

from typing import Any

from gitc_agent.model.message import N_, Message, msg

UNKNOWN_KEY = N_("unknown key (check the spelling)")
VALUE_ERROR = N_("Value error, {problem}")

#: pydantic error type -> (template, the context keys it is filled with)
TEMPLATES: dict[str, tuple[str, tuple[str, ...]]] = {
    "missing": (N_("Field required"), ()),
    "int_parsing": (N_("Input should be a valid integer, unable to parse string as an integer"), ()),
    "int_type": (N_("Input should be a valid integer"), ()),
    "int_from_float": (N_("Input should be a valid integer, got a number with a fractional part"),
                       ()),
    "float_parsing": (N_("Input should be a valid number, unable to parse string as a number"), ()),
    "float_type": (N_("Input should be a valid number"), ()),
    "bool_parsing": (N_("Input should be a valid boolean, unable to interpret input"), ()),
    "bool_type": (N_("Input should be a valid boolean"), ()),
    "string_type": (N_("Input should be a valid string"), ()),
    "list_type": (N_("Input should be a valid list"), ()),
    "dict_type": (N_("Input should be a valid dictionary"), ()),
    "model_type": (N_("Input should be a valid dictionary or instance of {class_name}"),
                   ("class_name",)),
    "literal_error": (N_("Input should be {expected}"), ("expected",)),
    "enum": (N_("Input should be {expected}"), ("expected",)),
    "greater_than": (N_("Input should be greater than {gt}"), ("gt",)),
    "greater_than_equal": (N_("Input should be greater than or equal to {ge}"), ("ge",)),
    "less_than": (N_("Input should be less than {lt}"), ("lt",)),
    "less_than_equal": (N_("Input should be less than or equal to {le}"), ("le",)),
    "string_too_short": (N_("String should have at least {min_length} character"),
                         ("min_length",)),
    "string_too_short+": (N_("String should have at least {min_length} characters"),
                          ("min_length",)),
    "string_too_long": (N_("String should have at most {max_length} characters"),
                        ("max_length",)),
    "too_short": (N_("List should have at least {min_length} item after validation, not "
                     "{actual_length}"), ("min_length", "actual_length")),
    "too_short+": (N_("List should have at least {min_length} items after validation, not "
                      "{actual_length}"), ("min_length", "actual_length")),
    "too_short++": (N_("Dictionary should have at least {min_length} items after validation, "
                       "not {actual_length}"), ("min_length", "actual_length")),
    "too_long": (N_("List should have at most {max_length} items after validation, not "
                    "{actual_length}"), ("max_length", "actual_length")),
    "date_from_datetime_parsing": (N_("Input should be a valid date or datetime, {error}"),
                                   ("error",)),
    "date_type": (N_("Input should be a valid date"), ()),
}


def problem(error: dict[str, Any]) -> Message | str:
    """One pydantic error (from `errors(include_url=False)`) as a Message when its type is known
    and the template gives pydantic's words, else pydantic's English text."""
    if error["type"] == "extra_forbidden":
        return msg(UNKNOWN_KEY)
    text, ctx = error["msg"], error.get("ctx") or {}
    if error["type"] == "value_error":  # our own validators raise ValueError(msg(...))
        said = getattr(ctx.get("error"), "args", (None,))[0]
        if isinstance(said, Message) and text == f"Value error, {said}":
            return msg(VALUE_ERROR, problem=said)
        return text
    # a type whose wording varies (singular, plural, list or dictionary) has variants, "type+",
    # "type++": the one whose English is pydantic's text is it
    for variant in (error["type"], error["type"] + "+", error["type"] + "++"):
        known = TEMPLATES.get(variant)
        if known is None or not all(key in ctx for key in known[1]):
            continue
        template, keys = known
        # the values are data from the file or the model (an expected literal, a bound)
        said = msg(template, **{key: _plain(ctx[key]) for key in keys})
        if str(said) == text:
            return said
    return text


def _plain(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool) else str(value)
