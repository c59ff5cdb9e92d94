"""Metric factories beyond the shared ones in tests/factories.py."""

from tests.factories import MetricFactory, MetricValueFactory

__all__ = ["MetricFactory", "MetricValueFactory"]
