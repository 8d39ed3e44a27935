"""Linking: pair similarity and online story clustering.

`score_pair(a, b)` says how alike two analysed articles are (calibrated P(same event) plus
SemEval-style aspects); `OnlineClusterer` assigns a stream of analyses to stories. Both use the
weights in `params.json`, fitted by `scripts/fit_linker.py`.
"""

from parallax.link.cluster import OnlineClusterer, stream_order
from parallax.link.params import LinkParams
from parallax.link.similarity import score_pair

__all__ = ["LinkParams", "OnlineClusterer", "score_pair", "stream_order"]
