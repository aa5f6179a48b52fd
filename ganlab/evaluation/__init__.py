"""Evaluation: sample-quality metrics, the features they read, one report.

- :mod:`~ganlab.evaluation.metrics`: Inception Score, FID, KID, class
  coverage, on features or probabilities;
- :mod:`~ganlab.evaluation.manifold`: precision/recall and density/coverage
  (k-nearest-neighbour manifolds);
- :mod:`~ganlab.evaluation.features`: the feature extractors (the shipped
  MNIST classifier; InceptionV3 where its weights are cached);
- :mod:`~ganlab.evaluation.report`: :func:`evaluate`, :func:`format_report`
  and :class:`QualityMonitor`, one call and one callback for all of them.
"""

from ganlab.evaluation import features, manifold, metrics
from ganlab.evaluation.features import InceptionWeightsError
from ganlab.evaluation.report import (
    LOGGED_KEYS,
    QualityMonitor,
    evaluate,
    evaluate_features,
    extract,
    format_report,
)

__all__ = [
    "LOGGED_KEYS",
    "InceptionWeightsError",
    "QualityMonitor",
    "evaluate",
    "evaluate_features",
    "extract",
    "features",
    "format_report",
    "manifold",
    "metrics",
]
