"""Pure growth analytics on the canonical orders / events / spend tables. Never imports streamlit."""

from analytics.dataset import Dataset
from analytics.errors import AnalyticsInputError

__all__ = ["AnalyticsInputError", "Dataset"]
