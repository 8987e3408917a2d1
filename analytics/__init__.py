"""Pure growth analytics on the canonical orders / events / spend tables. Never imports streamlit.

Modules: ``io`` (loading and validation), ``sample`` (the bundled sample shop), ``overview`` (KPI tiles),
``rfm`` / ``clusters`` (segments), ``funnel``, ``cohort`` (retention), ``channels`` / ``attribution``,
``response`` / ``budget`` (response curves and the optimiser), ``store`` (saved data sets).
Import the module you need, e.g. ``from analytics.rfm import rfm_table``.
"""

from analytics.dataset import Dataset
from analytics.errors import AnalyticsInputError

__all__ = ["AnalyticsInputError", "Dataset"]
