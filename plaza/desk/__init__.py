"""The city service desk (城市服务台 · 接诉即办): citizens' problems from posts, forms, Open311 and the
API, routed to the responsible department and followed to the end against working-day time limits
(the case workflow, :mod:`.workflow`), rated by the citizen and measured (:mod:`.metrics`)."""
