"""Hostile input at volume, generated with Hypothesis strategies.

Each hostile message is built to be bad by construction (the category says why), with a unique
Kafka key ``bad-<n>`` so that its dead letter can be found by key. Valid stories, some of them
carrying hostile but legal text (HTML and scripts, right-to-left text and bidi overrides, control
characters), are interleaved with keys ``ok-<n>``.

Hypothesis is used through its public API only: ``@given`` runs a generating function many times
with ``derandomize=True`` (the same batch on every run) and each example adds a few messages. One
big example with ``max_examples=1`` would not do: Hypothesis's first example is its simplest one
(empty strings, zeros), so variety needs many examples.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

PUBLISHED = "2025-11-25T10:00:00Z"

# Text that is hostile but legal inside a valid story.
HTML_SNIPPETS = [
    "<script>alert('x')</script>", "<img src=x onerror=alert(1)>", "<iframe src='javascript:alert(1)'></iframe>",
    "<b>bold</b> <i>it</i>", "<a href=\"http://evil.example/\">link</a>", "</p><p>", "<!-- comment -->",
    "<style>body{display:none}</style>", "&lt;script&gt;", "<svg/onload=alert(1)>",
]
RTL_SNIPPETS = [
    "\u202eevil\u202c", "\u200f\u05e9\u05dc\u05d5\u05dd", "\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645",
    "\u2067isolate\u2069", "\u202btext\u202c", "\u05d9\u05e8\u05d5\u05e9\u05dc\u05d9\u05dd",
]
CONTROL_CHARS = [chr(c) for c in range(32) if chr(c) not in "\n\r\t"] + ["\x7f", "\u0085", "\ufeff", "\u200b"]
PLAIN_SENTENCE = ("Kenyan police arrested {n} protesters in Nairobi on Tuesday, a police spokesperson said, "
                  "and opposition leaders condemned the arrests.")

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
json_values = st.recursive(json_scalars, lambda children: st.lists(children, max_size=4)
                           | st.dictionaries(st.text(max_size=8), children, max_size=4), max_leaves=12)


def _valid_doc(article_id: str, n: int) -> dict:
    return {"id": article_id, "version": 1, "headline": f"Story {n}", "body": PLAIN_SENTENCE.format(n=n + 2),
            "published_at": PUBLISHED, "source": "AP"}


# Strategies are built once: building them per draw costs more than drawing from them.
html = st.sampled_from(HTML_SNIPPETS)
rtl = st.sampled_from(RTL_SNIPPETS)
control = st.sampled_from(CONTROL_CHARS)
hostile_text = st.lists(html | rtl | control | st.text(max_size=12), min_size=1, max_size=8).map(" ".join)
flavours = st.sampled_from(["plain", "html", "rtl", "control", "mixed"])
controls = st.lists(control, min_size=1, max_size=5).map("".join)
datelines = st.sampled_from(RTL_SNIPPETS + ["NAIROBI"])
raw_controls = st.sampled_from([chr(c) for c in range(32) if chr(c) not in "\n\r\t "])
wrong_fields = st.sampled_from([
    ("id", st.sampled_from([[], {}, None, ""])),
    ("body", st.sampled_from([42, 4.2, [], {}, True, None, "   "])),
    ("headline", st.sampled_from([[], {}, 3.5])),
    ("published_at", st.sampled_from([[], {}, "yesterday", "2025-13-45T99:00:00Z", "2025-11-25T10:00:00",
                                     "2999-01-01T00:00:00Z"])),
    ("version", st.sampled_from(["abc", [], {}, 0, -3, 1.5, 10**12])),
])
markup = st.lists(html, min_size=1, max_size=6).map(" ".join)
rtl_runs = st.lists(rtl, min_size=1, max_size=6).map("".join)
not_objects = st.one_of(json_scalars, st.lists(json_values, max_size=5))
junk = st.dictionaries(st.sampled_from(["junk", "tags", "meta"]), json_values, max_size=2)
booleans = st.booleans()
percent = st.integers(0, 99)
random_bytes = st.binary(min_size=0, max_size=300)
fractions = st.floats(min_value=0, max_value=1, exclude_max=True)
depths = st.integers(min_value=40, max_value=3_000)
nesters = st.sampled_from(["[", "{\"a\":"])
field_sets = st.sets(st.sampled_from(sorted(_valid_doc("x", 0))), max_size=len(_valid_doc("x", 0)))
required = st.sampled_from(["body", "published_at", "id"])
oversize = st.integers(0, 4096)


@st.composite
def valid_story(draw, n: int) -> tuple[str, bytes]:  # noqa: ANN001
    doc = _valid_doc(f"ok-{n}", n)
    flavour = draw(flavours)
    extra = {"plain": st.just(""), "html": html, "rtl": rtl, "control": controls, "mixed": hostile_text}[flavour]
    extra = draw(extra)
    # The plain sentence stays, so the body is never blank once markup and controls are removed.
    doc["body"] = f"{extra} {doc['body']} {extra}"
    doc["headline"] = f"{extra}{doc['headline']}"
    if draw(booleans):
        doc["dateline"] = draw(datelines)
    return flavour, json.dumps(doc, ensure_ascii=draw(booleans)).encode()


CATEGORIES = st.sampled_from(["random_bytes", "truncated_json", "deep_nesting", "wrong_types", "raw_control_chars", "markup_not_json",
              "rtl_not_json", "not_an_object", "missing_fields", "bad_utf8_in_json", "tombstone", "huge_field"])


@st.composite
def hostile_message(draw, n: int, max_bytes: int) -> tuple[str, bytes | None]:  # noqa: ANN001
    """(category, value): a message the worker must dead-letter."""
    # Draws must not depend on anything but earlier draws (Hypothesis checks), so "a few huge
    # ones" is a 1-in-300 draw rather than every n-th message.
    category = draw(CATEGORIES)
    if category == "huge_field" and draw(percent) > 0:
        category = "missing_fields"
    doc = _valid_doc(f"bad-{n}", n)
    if category == "random_bytes":
        value = draw(random_bytes)
        # A random byte string that happens to be a valid story is not a concern at these sizes, but
        # a leading byte that cannot start JSON rules it out by construction.
        value = b"\xff" + value if draw(booleans) else b"#" + value
    elif category == "truncated_json":
        text = json.dumps(doc).encode()
        value = text[:int(draw(fractions) * len(text))]
    elif category == "deep_nesting":
        depth = draw(depths)
        inner = draw(nesters)
        closing = "]" if inner == "[" else "}"
        doc["extra"] = "NEST"
        value = json.dumps(doc).replace('"NEST"', inner * depth + "1" + closing * depth).encode()
    elif category == "wrong_types":
        field, bad = draw(wrong_fields)
        doc[field] = draw(bad)
        value = json.dumps(doc).encode()
    elif category == "raw_control_chars":
        # JSON forbids unescaped control characters inside strings.
        ctrl = draw(raw_controls)
        value = json.dumps(doc).replace("Story", f"Sto{ctrl}ry").encode()
    elif category == "markup_not_json":
        value = draw(markup).encode()
    elif category == "rtl_not_json":
        value = draw(rtl_runs).encode()
    elif category == "not_an_object":
        value = json.dumps(draw(not_objects)).encode()
    elif category == "missing_fields":
        keep = draw(field_sets)
        doc = {k: v for k, v in doc.items() if k in keep}
        if "body" in doc and "published_at" in doc and "id" in doc:
            del doc[draw(required)]
        doc.update(draw(junk))
        value = json.dumps(doc).encode()
    elif category == "bad_utf8_in_json":
        value = json.dumps(doc).encode().replace(b"Story", b"Sto\xc3\x28ry")
    elif category == "tombstone":
        value = None
    else:  # huge_field: a valid story whose body alone is over the worker's limit
        doc["body"] = draw(hostile_text) + " " + "x" * (max_bytes + draw(oversize))
        value = json.dumps(doc).encode()
    return category, value


def generate(bad_count: int, max_bytes: int, bad_per_valid: int = 5) -> list[tuple[bytes, bytes | None, str]]:
    """``bad_count`` hostile messages with one valid story after every ``bad_per_valid`` of them:
    (key, value, category); the category of a valid story starts with ``valid:``."""
    out: list[tuple[bytes, bytes | None, str]] = []
    counters = {"bad": 0, "ok": 0}

    @settings(max_examples=bad_count // bad_per_valid + 100, derandomize=True, database=None, deadline=None,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(st.data())
    def draw_batch(data) -> None:  # noqa: ANN001
        # The same shape of draws in every example (Hypothesis requires it); the counters only
        # number the messages, and examples past the wanted count are drawn and dropped.
        batch = [data.draw(hostile_message(counters["bad"] + i, max_bytes)) for i in range(bad_per_valid)]
        flavour, valid_value = data.draw(valid_story(counters["ok"]))
        if counters["bad"] >= bad_count:
            return
        for category, value in batch:
            out.append((f"bad-{counters['bad']}".encode(), value, category))
            counters["bad"] += 1
        out.append((f"ok-{counters['ok']}".encode(), valid_value, f"valid:{flavour}"))
        counters["ok"] += 1

    draw_batch()
    assert counters["bad"] == bad_count, f"Hypothesis ran out of examples: {counters}"
    return out
