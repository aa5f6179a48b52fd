"""Evaluation: sample-quality metrics, the features they read, one report.

- :mod:`~ganlab.evaluation.metrics`: Inception Score, FID, KID, class
  coverage, on features or probabilities;
- :mod:`~ganlab.evaluation.manifold`: precision/recall and density/coverage
  (k-nearest-neighbour manifolds);
- :mod:`~ganlab.evaluation.features`: the feature extractors (the shipped
  MNIST classifier; InceptionV3 where its weights are cached);
- :mod:`~ganlab.evaluation.report`: :func:`evaluate`, :func:`format_report`
  and :class:`QualityMonitor`, one call and one callback for all of them;
- :mod:`~ganlab.evaluation.cas`: the Classification Accuracy Score, GAN
  samples as a classifier's only training data;
- :mod:`~ganlab.evaluation.human`: the real-or-fake test (HYPE) and pairwise
  preference, with a notebook widget and a simulated rater;
- :mod:`~ganlab.evaluation.copying`: does the generator copy its training
  images? Nearest-neighbour distances and the data-copying test.
"""

from ganlab.evaluation import cas, copying, features, human, manifold, metrics
from ganlab.evaluation.cas import classification_accuracy_score
from ganlab.evaluation.copying import data_copying_test, nearest_training_sample
from ganlab.evaluation.features import InceptionWeightsError
from ganlab.evaluation.human import RealFakeTest, hype_score, preference_score
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
    "RealFakeTest",
    "cas",
    "classification_accuracy_score",
    "copying",
    "data_copying_test",
    "evaluate",
    "evaluate_features",
    "extract",
    "features",
    "format_report",
    "human",
    "hype_score",
    "manifold",
    "metrics",
    "nearest_training_sample",
    "preference_score",
]
