"""Plain-text tables of metrics (x100, one decimal), as papers print them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from tabulate import tabulate

if TYPE_CHECKING:
    import pandas as pd

AVERAGE_ROW = "average"


def metrics_frame(
    per_domain: Mapping[str, Mapping[str, float]],
    average: Mapping[str, float],
    metrics: Sequence[str],
) -> pd.DataFrame:
    import pandas as pd  # on use: `--help` and commands that print no table start without it

    rows = {domain: {m: values[m] for m in metrics} for domain, values in per_domain.items()}
    rows[AVERAGE_ROW] = {m: average[m] for m in metrics}
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(metrics)) * 100


def format_metrics_table(
    per_domain: Mapping[str, Mapping[str, float]],
    average: Mapping[str, float],
    metrics: Sequence[str],
    tablefmt: str = "simple",
) -> str:
    frame = metrics_frame(per_domain, average, metrics)
    return tabulate(frame, headers=["domain", *metrics], tablefmt=tablefmt, floatfmt=".1f")
