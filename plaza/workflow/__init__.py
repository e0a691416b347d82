"""One workflow mechanism (流程) for every process Plaza follows to its end — the service desk's
cases, help requests in emergencies next: a workflow declared as data and checked when it is
built (:mod:`.declaration`), working time with China's holidays (:mod:`.worktime`), and the
durable, append-only, compare-and-swap moves of each subject (:mod:`.engine`)."""
