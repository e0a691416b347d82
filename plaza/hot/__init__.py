"""Hot search (热搜, and 同城热搜 per city): counting topic activity cheaply, computing heat
(热度) over decayed windows of trusted, distinct accounts, and publishing the national and city
top-50 lists with their labels (新 热 沸 爆), pinned slot, blocks and review.

The pieces, from the outside in:

* ``Recorder`` (``recorder.py``): what the web and API layers call on every read, search and
  post; buffers and aggregates events into batches.
* ``HotEngine`` (``engine.py``) and its two implementations: ``MemoryEngine`` (one process,
  snapshot file) and ``RedisEngine`` (many processes, one Redis).
* Pure rules: ``trust.py`` (account weight), ``heat.py`` (heat formula, labels),
  ``state.py`` (decayed sums and ranking), ``curves.py`` (heat curves, time on the list, peak
  rank and half-life from successive lists).
* The database side: ``history.py`` (the lists refreshes published, each topic's record on
  each list, administrators' actions) and ``recount.py`` (counters recounted from the posts,
  ``plaza hot rebuild``).
* ``service.py`` (``HotService``) wires it all into a running Plaza.
"""

from plaza.hot.curves import CurvePoint, half_life, heat_curve, peak_rank, time_on_list
from plaza.hot.engine import DayUse, HotEngine, TopicStats
from plaza.hot.events import Event, EventKind
from plaza.hot.lists import LIST_SIZE, AdminState, HotEntry, HotSnapshot, Pinned
from plaza.hot.memory import MemoryEngine
from plaza.hot.recorder import Batch, Recorder
from plaza.hot.redis_engine import RedisEngine
from plaza.hot.trust import TrustInputs, trust_weight

__all__ = [
    "LIST_SIZE",
    "AdminState",
    "Batch",
    "CurvePoint",
    "DayUse",
    "Event",
    "EventKind",
    "HotEngine",
    "HotEntry",
    "HotSnapshot",
    "MemoryEngine",
    "Pinned",
    "Recorder",
    "RedisEngine",
    "TopicStats",
    "TrustInputs",
    "half_life",
    "heat_curve",
    "peak_rank",
    "time_on_list",
    "trust_weight",
]
