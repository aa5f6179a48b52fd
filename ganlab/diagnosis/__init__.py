"""Diagnosis: :class:`GANDoctor` watches training and names what goes wrong.

- :mod:`~ganlab.diagnosis.doctor`: the callback and the signals it measures;
- :mod:`~ganlab.diagnosis.diagnoses`: each diagnosis, its evidence and the
  remedy to try.
"""

from ganlab.diagnosis.diagnoses import Diagnosis, Thresholds, diagnose
from ganlab.diagnosis.doctor import GANDoctor

__all__ = ["Diagnosis", "GANDoctor", "Thresholds", "diagnose"]
