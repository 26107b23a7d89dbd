"""legalcheck on Dask: check bags of records and sharded JSON Lines on a cluster (``pip install legalcheck[dask]``).

    >>> from distributed import Client, LocalCluster
    >>> from legalcheck import BatchOptions
    >>> from legalcheck.dask import check_bag, check_shards, read_shards
    >>> client = Client(LocalCluster(n_workers=2, threads_per_worker=1))
    >>> options = BatchOptions(as_of=datetime.date(2025, 12, 1))
    >>> items = check_bag(read_shards(["shards/a.jsonl", "shards/b.jsonl"]), options)  # a bag of BatchItem
    >>> summary = check_shards(["shards/"], "out/", options, client=client)  # out/part-*.jsonl, out/summary.json

See docs/cluster.md for running on a real cluster.
"""

from ._dask import (
    ClusterError,
    ClusterSummary,
    PartSummary,
    Shard,
    check_bag,
    check_records,
    check_shards,
    jsonl_line,
    map_bag,
    plan_shards,
    read_shards,
    worker_evaluator,
)

__all__ = ["ClusterError", "ClusterSummary", "PartSummary", "Shard", "check_bag", "check_records", "check_shards",
           "jsonl_line", "map_bag", "plan_shards", "read_shards", "worker_evaluator"]
