"""Linear readout of frame sequences: ridge regression, class = argmax of the frame-summed output.

Every frame of a training utterance is a sample with the utterance's one-hot class as target;
ridge regression with an intercept (the estimator of :class:`sklearn.linear_model.Ridge`, tested
against it) maps frame states to class scores:

    W = (Xc^T Xc + alpha I)^-1 Xc^T Yc,   b = mean(Y) - mean(X) W

(Xc, Yc centred). An utterance's class is argmax_c sum_t (x_t W + b)_c (Torrejon et al. 2017).
The regulariser alpha is chosen by K-fold cross-validation on the training utterances only
(folds of whole utterances, scored by utterance accuracy). The normal equations are accumulated
per fold once (Gram matrices), so the whole alpha grid costs a few small solves; the grid is
relative to the mean diagonal of the Gram matrix (scale-free).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg

from ..errors import RfspinError

__all__ = ["ALPHA_GRID", "RidgeReadout", "fit_ridge_readout"]

ALPHA_GRID = tuple(10.0 ** e for e in range(-7, 3))  # relative to mean(diag(Xc^T Xc)) / frames


@dataclass(frozen=True)
class RidgeReadout:
    """Trained readout: weights (features, classes), intercept (classes,), alpha (absolute),
    relative_alpha (on :data:`ALPHA_GRID`), cv_accuracy (mean utterance accuracy over folds)."""

    weights: np.ndarray
    intercept: np.ndarray
    alpha: float
    relative_alpha: float
    cv_accuracy: float

    def frame_scores(self, states: np.ndarray) -> np.ndarray:
        """(frames, classes) readout of one utterance."""
        return np.asarray(states, dtype=np.float64) @ self.weights + self.intercept

    def predict(self, utterances: list[np.ndarray]) -> np.ndarray:
        """(utterances,) class = argmax of the frame-summed readout."""
        return np.array([int(np.argmax(self.frame_scores(u).sum(axis=0))) for u in utterances], dtype=np.int64)

    def accuracy(self, utterances: list[np.ndarray], labels: np.ndarray) -> float:
        return float(np.mean(self.predict(utterances) == np.asarray(labels)))


def _sums(utterances, labels, classes):
    """Sufficient statistics of a group of utterances: n, sum x, sum y, X^T X, X^T Y."""
    d = utterances[0].shape[1]
    n, sx, sy = 0, np.zeros(d), np.zeros(classes)
    xtx, xty = np.zeros((d, d)), np.zeros((d, classes))
    for u, c in zip(utterances, labels):
        x = np.asarray(u, dtype=np.float64)
        n += len(x)
        sx += x.sum(axis=0)
        sy[c] += len(x)
        xtx += x.T @ x
        xty[:, c] += x.sum(axis=0)
    return n, sx, sy, xtx, xty


def _solve(stats, relative_alpha):
    n, sx, sy, xtx, xty = stats
    mx, my = sx / n, sy / n
    gram = xtx - n * np.outer(mx, mx)
    cross = xty - n * np.outer(mx, my)
    alpha = relative_alpha * max(float(np.trace(gram)) / len(gram), 1e-30)
    weights = scipy.linalg.solve(gram + alpha * np.eye(len(gram)), cross, assume_a="pos")
    return weights, my - mx @ weights, alpha


def fit_ridge_readout(utterances: list[np.ndarray], labels, classes: int, *, folds: int = 5, seed: int = 0,
                      alphas=ALPHA_GRID) -> RidgeReadout:
    """Ridge readout with alpha by ``folds``-fold CV over the training utterances (seeded split)."""
    labels = np.asarray(labels, dtype=np.int64)
    if len(utterances) != len(labels) or len(utterances) < 2:
        raise RfspinError(f"fit_ridge_readout: {len(utterances)} utterances and {len(labels)} labels (need >= 2, equal)")
    if labels.min() < 0 or labels.max() >= classes:
        raise RfspinError(f"fit_ridge_readout: labels must lie in 0..{classes - 1}")
    folds = max(2, min(folds, len(utterances)))
    parts = np.array_split(np.random.default_rng(seed).permutation(len(utterances)), folds)
    fold_stats = [_sums([utterances[i] for i in part], labels[part], classes) for part in parts]
    total = tuple(sum(s[j] for s in fold_stats) for j in range(5))
    best = None
    for rel in alphas:
        correct = 0
        for part, held in zip(parts, fold_stats):
            w, b, _ = _solve(tuple(t - h for t, h in zip(total, held)), rel)
            scores = [np.asarray(utterances[i], dtype=np.float64).sum(axis=0) @ w + len(utterances[i]) * b
                      for i in part]
            correct += int(np.sum(np.argmax(scores, axis=1) == labels[part]))
        accuracy = correct / len(utterances)
        if best is None or accuracy > best[0]:
            best = (accuracy, rel)
    weights, intercept, alpha = _solve(total, best[1])
    return RidgeReadout(weights=weights, intercept=intercept, alpha=alpha, relative_alpha=best[1],
                        cv_accuracy=best[0])
