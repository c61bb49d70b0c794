"""What every plotting module shares."""
from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.figure import Figure


def new_figure(figsize: tuple[float, float], layout: str | None = "constrained") -> Figure:
    """A new figure, already closed in pyplot: shown once when a notebook cell returns it."""
    fig = plt.figure(figsize=figsize, layout=layout)
    plt.close(fig)
    return fig
