"""The Apache Spark backfill engine: `parallax backfill INPUT… --engine spark`.

    read (parallel per file; JSONL lines and Parquet rows split across tasks)
      -> dedupe (driver: id, then URL, then content hash; first in input order wins)
      -> analyze (mapPartitions: `analyze_many`, models loaded once per Python worker)
      -> link: blocking + pair scoring in parallel, story formation on the driver
         (see `parallax.scale.spark_link` for why this gives the online engine's stories)
      -> store (public `Store` API, in transactional batches) or Parquet

pyspark is imported lazily: `import parallax` never needs it. Local mode (`local[*]`) binds
the driver to 127.0.0.1, turns the Spark UI off and keeps Spark's logs to errors. On a
cluster, run it through `spark-submit` (see README.md in this folder).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from parallax.model import Analysis, Article, ReadError

Log = Callable[[str], None]
JSONL_SUFFIXES = (".jsonl", ".ndjson")
PARQUET_SUFFIX = ".parquet"
ANALYZE_PER_TASK = 128  # articles per analysis task: small enough to spread, big enough to batch
STORE_BATCH = 200  # articles per store transaction (as `parallax.pipeline.BATCH`)
_LOG4J = """rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
"""


class SparkUnavailable(RuntimeError):
    """pyspark or Java is missing; str() is the one line to show."""


def require_spark() -> None:
    try:
        import pyspark  # noqa: F401
    except ImportError as exc:
        raise SparkUnavailable(
            "pyspark is not installed: pip install 'parallax-news[spark]' "
            "(or `make setup`), and Java 17+"
        ) from exc
    java_home = os.environ.get("JAVA_HOME")
    if not (java_home and Path(java_home, "bin", "java").exists()) and not shutil.which("java"):
        raise SparkUnavailable("Java not found: Spark needs Java 17+ on PATH or in JAVA_HOME")


def _under_spark_submit() -> bool:
    """spark-submit starts the Python driver with this set; `python -m …` does not."""
    return "PYSPARK_GATEWAY_PORT" in os.environ


def spark_session(master: str | None = None, *, app_name: str = "parallax-backfill",
                  conf: Mapping[str, str] | None = None):
    """A SparkSession. Without `master` (and outside spark-submit) it is `local[*]`.

    Local mode is made quiet and private: driver on 127.0.0.1, no UI, errors-only logging,
    workers on this interpreter. Under spark-submit, the submitted configuration rules.
    """
    require_spark()
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(app_name)
    local = (master or ("" if _under_spark_submit() else "local[*]")).startswith("local")
    if master or not _under_spark_submit():
        builder = builder.master(master or "local[*]")
    settings: dict[str, str] = {
        "spark.sql.session.timeZone": "UTC",
        "spark.python.worker.reuse": "true",  # models stay loaded across a worker's tasks
    }
    if local:
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
        log4j = Path(tempfile.gettempdir()) / "parallax-spark-log4j2.properties"
        if not log4j.exists():
            log4j.write_text(_LOG4J)
        settings.update({
            "spark.ui.enabled": "false",
            "spark.ui.showConsoleProgress": "false",
            "spark.driver.host": "127.0.0.1",
            "spark.driver.bindAddress": "127.0.0.1",
            "spark.driver.memory": os.environ.get("PARALLAX_SPARK_DRIVER_MEMORY", "4g"),
            "spark.driver.extraJavaOptions": f"-Dlog4j2.configurationFile=file:{log4j}",
            "spark.sql.shuffle.partitions": "8",
        })
    settings.update(conf or {})
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


@contextmanager
def _session(master: str | None, app_name: str = "parallax-backfill"):
    """The active SparkSession if there is one (left running), else a new one (stopped after)."""
    require_spark()
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        yield active
        return
    spark = spark_session(master, app_name=app_name)
    try:
        yield spark
    finally:
        spark.stop()


# reading


def _files(inputs: Sequence[str]) -> tuple[list[str], list[ReadError]]:
    """Paths the readers would read for these inputs (folders recursively, globs), in the
    same order as `parallax ingest`; URLs and "-" are left to the driver-side readers."""
    from parallax.ingest.sources import _expand_glob, _walk

    paths: list[str] = []
    errors: list[ReadError] = []
    for raw in inputs:
        if raw == "-" or "://" in raw:  # stdin, a URL, or a distributed filesystem path
            paths.append(raw)
        elif os.path.isdir(raw):  # "_SUCCESS" and other "_" files: Hadoop's bookkeeping
            paths.extend(p for p in _walk(raw) if not os.path.basename(p).startswith("_"))
        elif os.path.exists(raw):
            paths.append(raw)
        elif set("*?[") & set(raw):
            found = _expand_glob(raw)
            paths.extend(found)
            if not found:
                errors.append(ReadError(raw, "pattern matched no files"))
        else:
            errors.append(ReadError(raw, "no such file or directory"))
    return paths, errors


def _record_item(record: Any, source: str, locator: str, fmt: str = "jsonl") -> Article | ReadError:
    from parallax.ingest.records import UnreadableError, article_from_record

    try:
        return article_from_record(record, source=source, source_format=fmt, locator=locator)
    except UnreadableError as err:
        return ReadError(err.item or locator, str(err))


def _jsonl_line(path: str, number: int, raw: bytes) -> Article | ReadError:
    """One JSONL line, read as the JSONL reader reads each line of a file."""
    from parallax.ingest.limits import Limits, format_size
    from parallax.ingest.textcodec import decode_text

    locator = f"{path}:{number}"
    limit = Limits().max_member_bytes
    if len(raw) > limit:
        return ReadError(locator, f"record exceeds {format_size(limit)} limit")
    try:
        record = json.loads(decode_text(raw))
    except json.JSONDecodeError as err:
        return ReadError(locator, f"invalid JSON: {err.msg} at column {err.colno}")
    except ValueError as err:
        return ReadError(locator, str(err))
    return _record_item(record, path, locator)


def _parquet_row(path: str, number: int, row: Any) -> Article | ReadError:
    record = {k: _plain(v) for k, v in row.asDict(recursive=True).items()}
    return _record_item(record, path, f"{path}:row {number}", "json")


def _plain(value: Any) -> Any:
    """Spark hands timestamps over as naive local datetimes: make them aware UTC."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.astimezone()).astimezone(UTC).isoformat()
    return value


def _read_file(item: tuple[int, str]) -> Iterator[tuple[tuple[int, int], Article | ReadError]]:
    from parallax.ingest import read_inputs

    index, path = item
    for n, read in enumerate(read_inputs([path])):
        yield (index, n), read


def read_items(spark, inputs: Sequence[str]):
    """RDD of ((file index, item index), Article | ReadError), plus errors found up front."""
    sc = spark.sparkContext
    paths, errors = _files(inputs)
    parts = []
    whole: list[tuple[int, str]] = []
    for index, path in enumerate(paths):
        lower = path.lower()
        web = lower.startswith(("http://", "https://"))
        distributed = "://" in path and not web  # hdfs://, s3a://, gs://, file://
        if lower.endswith(JSONL_SUFFIXES) and (distributed or os.path.getsize(path)):
            lines = sc.textFile(path, use_unicode=False).zipWithIndex()
            parts.append(lines.filter(lambda li: li[0].strip()).map(
                lambda li, p=path, i=index: ((i, li[1]), _jsonl_line(p, li[1] + 1, li[0]))))
        elif lower.endswith(PARQUET_SUFFIX):
            try:
                rows = spark.read.parquet(path).rdd.zipWithIndex()
            except Exception as exc:  # Spark's AnalysisException: not Parquet, unreadable
                errors.append(ReadError(path, f"cannot read Parquet: {str(exc).splitlines()[0]}"))
                continue
            parts.append(rows.map(
                lambda ri, p=path, i=index: ((i, ri[1]), _parquet_row(p, ri[1] + 1, ri[0]))))
        elif distributed:
            errors.append(ReadError(path, "only JSONL and Parquet are read from a distributed "
                                          "filesystem; copy other formats locally"))
        elif path == "-" or web:
            from parallax.ingest import read_inputs

            items = [((index, n), a) for n, a in enumerate(read_inputs([path]))]
            parts.append(sc.parallelize(items, 1))
        else:
            whole.append((index, path))
    if whole:
        parts.append(sc.parallelize(whole, min(len(whole), 4 * sc.defaultParallelism))
                     .flatMap(_read_file))
    return (sc.union(parts) if parts else sc.emptyRDD()), errors


def dedupe(keyed: Sequence[tuple[Any, str, str | None, str]]) -> set:
    """Keys of the articles to keep: the first (in key order) of each id, URL or content hash,
    as the store would keep them."""
    seen: set[tuple[str, str]] = set()
    keep = set()
    for key, article_id, url, content_hash in sorted(keyed, key=lambda k: k[0]):
        names = {("id", article_id), ("hash", content_hash)} | ({("url", url)} if url else set())
        if names & seen:
            continue
        seen |= names
        keep.add(key)
    return keep


# analysis


def _analyze_partition(items: Iterable[tuple[int, Article]]) -> Iterator[tuple[int, tuple]]:
    from parallax.analyze import analyze_many

    batch = list(items)
    if not batch:
        return
    analyses = analyze_many([a for _, a in batch])
    for (index, article), analysis in zip(batch, analyses, strict=True):
        yield index, (article, analysis)


def analyze(articles, n: int):
    """RDD[(index, Article)] -> RDD[(index, (Article, Analysis))], persisted."""
    from pyspark import StorageLevel

    sc = articles.context
    slices = max(min(n, 2 * sc.defaultParallelism), -(-n // ANALYZE_PER_TASK), 1)
    spread = articles.partitionBy(slices, lambda i: i * slices // max(n, 1))
    return spread.mapPartitions(_analyze_partition, preservesPartitioning=True).persist(
        StorageLevel.MEMORY_AND_DISK)


# linking


@dataclass
class LinkReport:
    stories: list[int]  # story number per input index, 0, 1, … in order of opening
    pairs: int = 0  # pairs scored
    rounds: int = 0  # story formations (see `spark_link.MAX_ROUNDS`)
    missing: int = 0  # pairs the last one asked for and lacked (0: the online policy exactly)
    seconds: dict[str, float] = field(default_factory=dict)


def _meta(item: tuple[int, Analysis]) -> tuple[int, Any, str, np.ndarray | None]:
    index, a = item
    vector = None if a.embedding is None else np.asarray(a.embedding, dtype=np.float32)
    return index, a.published, a.lang, vector


def _identity(j: int) -> int:
    """Partition function of keys that already are partition numbers (one object, so that
    RDDs partitioned by it are co-partitioned and their union needs no shuffle)."""
    return j


def link(analyses, n: int, *, params=None, neighbours: int | None = None,
         partitions: int | None = None) -> LinkReport:
    """Stories for RDD[(index, Analysis)] with indices 0..n-1 in input order."""
    from parallax.link.cluster import stream_order
    from parallax.link.features import profile
    from parallax.link.params import LinkParams
    from parallax.scale import spark_link as sl

    params = params or LinkParams.load()
    k = neighbours or sl.NEIGHBOURS
    sc = analyses.context
    clock = time.perf_counter()
    seconds: dict[str, float] = {}
    if n == 0:
        return LinkReport([])

    meta = sorted(analyses.map(_meta).collect(), key=lambda m: m[0])
    order = stream_order([m[1] for m in meta])  # input index per rank
    rank_of = np.empty(n, dtype=np.int64)
    rank_of[order] = np.arange(n)
    dim = next((len(m[3]) for m in meta if m[3] is not None), 1)
    embeddings = np.zeros((n, dim), dtype=np.float32)
    for rank, index in enumerate(order):
        if meta[index][3] is not None:
            embeddings[rank] = meta[index][3]
    days = np.array([sl.day_number(meta[i][1]) for i in order])
    light = [sl.light_profile(meta[i][3], meta[i][1], meta[i][2]) for i in order]
    seconds["collect"] = time.perf_counter() - clock

    parts = partitions or max(2 * sc.defaultParallelism, -(-n // 5000))
    parts = max(1, min(parts, n))
    bounds = [n * j // parts for j in range(parts + 1)]

    def part_of(rank: int, _n=n, _p=parts) -> int:
        return rank * _p // _n

    b_ranks = sc.broadcast(rank_of)
    b_matrix = sc.broadcast(embeddings)
    b_days = sc.broadcast(days)
    window = params.window_days

    profiles = (analyses.map(lambda item: (int(b_ranks.value[item[0]]), profile(item[1])))
                .partitionBy(parts, part_of).persist())
    partials = dict(profiles.mapPartitionsWithIndex(
        lambda j, it: [(j, sl.partial_stats(p for _, p in it))]).collect())
    b_partials = sc.broadcast([partials.get(j) for j in range(parts)])

    def block(j: int) -> Iterator[tuple[int, list[int]]]:
        yield from sl.earlier_neighbours(b_matrix.value, b_days.value,
                                         range(bounds[j], bounds[j + 1]), window_days=window, k=k)

    own = (profiles.map(lambda rp: (part_of(rp[0]), ("q", rp[0], rp[1])))
           .partitionBy(parts, _identity).persist())  # shuffled once for every round

    def score(j: int, items: Iterable) -> Iterator[tuple[int, Any]]:
        queries, refs, lists = [], {}, {}
        for _, (kind, rank, value) in items:
            if kind == "q":
                queries.append((rank, value))
            elif kind == "r":
                refs[rank] = value
            else:
                lists[rank] = value
        if not queries or not lists:
            return
        stats = sl.merge_stats(params, [p for p in b_partials.value[:j] if p is not None])
        for rank, scored in sl.score_block(queries, refs, lists, stats, params):
            if len(scored.refs):
                yield rank, scored

    def score_pairs(near) -> list[tuple[int, Any]]:
        """Score (query rank, [ref ranks]) lists: each partition gets its queries, the refs
        it lacks, and the statistics of the partitions before it."""
        wanted: dict[int, set[int]] = {}  # ref rank -> partitions that lack it
        lacking = near.flatMap(lambda qr: [(ref, part_of(qr[0])) for ref in qr[1]
                                           if part_of(ref) != part_of(qr[0])]).distinct()
        for ref, j in lacking.collect():
            wanted.setdefault(ref, set()).add(j)
        b_wanted = sc.broadcast(wanted)
        # Only the profiles some other partition needs are shuffled, not all of them (a join).
        fetched = profiles.flatMap(lambda rp: [(j, ("r", rp[0], rp[1]))
                                               for j in b_wanted.value.get(rp[0], ())])
        lists = near.map(lambda qr: (part_of(qr[0]), ("n", qr[0], qr[1])))
        extra = fetched.union(lists).partitionBy(parts, _identity)
        found = own.union(extra).mapPartitionsWithIndex(score).collect()
        b_wanted.destroy()
        return found

    scored: dict[int, Any] = {}
    near = sc.parallelize(range(parts), parts).flatMap(block).persist()
    report = LinkReport([])
    form_seconds = 0.0
    for _round in range(sl.MAX_ROUNDS):
        sl.merge_scored(scored, score_pairs(near))
        start = time.perf_counter()
        by_rank, missing = sl.form_stories(light, scored, params)
        form_seconds += time.perf_counter() - start
        report.rounds += 1
        report.missing = sum(map(len, missing.values()))
        if not missing:
            break
        near.unpersist()
        near = sc.parallelize(sorted(missing.items()), parts).persist()
    near.unpersist()
    own.unpersist()
    profiles.unpersist()
    for b in (b_ranks, b_matrix, b_days, b_partials):
        b.destroy()
    seconds["form stories"] = form_seconds
    seconds["block+score"] = time.perf_counter() - clock - seconds["collect"] - form_seconds
    report.pairs = sum(len(s.refs) for s in scored.values())
    report.stories = [0] * n
    for rank, index in enumerate(order):
        report.stories[index] = by_rank[rank]
    report.seconds = {name: round(value, 3) for name, value in seconds.items()}
    return report


# entry points


def cluster_articles(spark, articles: Sequence[Article], **link_options) -> list[int]:
    """Story number per article (input order), analysed and linked on Spark."""
    sc = spark.sparkContext
    n = len(articles)
    rdd = sc.parallelize(list(enumerate(articles)), max(1, min(n, 2 * sc.defaultParallelism)))
    analysed = analyze(rdd, n)
    try:
        return link(analysed.mapValues(lambda aa: aa[1]), n, **link_options).stories
    finally:
        analysed.unpersist()


def run_clusters(path: Path, *, progress=None, master: str | None = None) -> dict:
    """`parallax eval clusters FILE --engine spark`: the default engine's JSON, from Spark."""
    from parallax.eval.clusters import read_labelled, read_labelled_corpus, score_partition

    start = time.perf_counter()
    path = Path(path)
    articles, gold = read_labelled_corpus(path) if path.is_dir() else read_labelled(path)
    with _session(master, "parallax-eval") as spark:
        stories = cluster_articles(spark, articles)
    if progress:
        progress(len(articles))
    result = score_partition(stories, gold)
    result["seconds"] = round(time.perf_counter() - start, 3)
    return result


@dataclass
class BackfillReport:
    read: int = 0
    duplicates: int = 0
    errors: list[ReadError] = field(default_factory=list)
    added: int = 0
    stories: int = 0
    pairs: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


class BackfillError(ValueError):
    """The backfill cannot start (e.g. the store already holds stories); str() says why."""


def backfill(
    inputs: Sequence[str],
    *,
    master: str | None = None,
    db: str | None = None,
    output: str | None = None,
    log: Log | None = None,
    on_error: Callable[[ReadError], None] | None = None,
    partitions: int | None = None,
    neighbours: int | None = None,
) -> BackfillReport:
    """Read, analyse and link `inputs` on Spark; write to the store at `db`, or to Parquet."""
    say = log or (lambda _message: None)
    report = BackfillReport()
    store = None
    if output is None:
        from parallax.store import Store

        store = Store.open(db)
        if store.stories(limit=1):
            store.close()
            raise BackfillError(
                "the store already has stories: a backfill builds stories from scratch; "
                "add to an existing store with `parallax ingest`, or use another --db")
    try:
        with _session(master) as spark:
            return _backfill(spark, inputs, store, output, report, say, on_error, partitions,
                             neighbours)
    finally:
        if store is not None:
            store.close()


def _backfill(spark, inputs, store, output, report, say, on_error, partitions, neighbours):
    """`backfill` once the session and the store are open."""
    sc = spark.sparkContext
    say(f"Spark {spark.version}, master {sc.master}, {sc.defaultParallelism} cores")
    clock = time.perf_counter()
    items, errors = read_items(spark, inputs)
    items = items.persist()
    found = items.filter(lambda ki: isinstance(ki[1], ReadError)).values().collect()
    report.errors = errors + found
    for error in report.errors:
        if on_error:
            on_error(error)
    articles = items.filter(lambda ki: isinstance(ki[1], Article))
    keys = articles.map(lambda ki: (ki[0], ki[1].id, ki[1].url, ki[1].content_hash)).collect()
    report.read = len(keys)
    keep = dedupe(keys)
    report.duplicates = report.read - len(keep)
    n = len(keep)
    index_of = {key: i for i, key in enumerate(sorted(keep))}
    b_index = sc.broadcast(index_of)
    indexed = (articles.filter(lambda ki: ki[0] in b_index.value)
               .map(lambda ki: (b_index.value[ki[0]], ki[1])))
    report.seconds["read"] = round(time.perf_counter() - clock, 3)
    say(f"Read {report.read} article(s), {report.duplicates} duplicate(s), "
        f"{len(report.errors)} error(s) in {report.seconds['read']:.1f} s")
    if n == 0:
        return report

    clock = time.perf_counter()
    analysed = analyze(indexed, n)
    analysed.count()
    items.unpersist()
    report.seconds["analyze"] = round(time.perf_counter() - clock, 3)
    say(f"Analysed {n} article(s) in {report.seconds['analyze']:.1f} s "
        f"({n / max(report.seconds['analyze'], 1e-9):.1f}/s)")

    clock = time.perf_counter()
    linked = link(analysed.mapValues(lambda aa: aa[1]), n, partitions=partitions,
                  neighbours=neighbours)
    report.pairs = linked.pairs
    report.stories = len(set(linked.stories))
    report.seconds["link"] = round(time.perf_counter() - clock, 3)
    say(f"Linked into {report.stories} stories ({linked.pairs} pairs scored) in "
        f"{report.seconds['link']:.1f} s")

    clock = time.perf_counter()
    if output is not None:
        report.added = _write_parquet(spark, analysed, linked.stories, output)
    else:
        report.added = _write_store(store, analysed, linked.stories, say)
    report.seconds["write"] = round(time.perf_counter() - clock, 3)
    say(f"Wrote {report.added} article(s) to {output or 'the store'} in "
        f"{report.seconds['write']:.1f} s")
    analysed.unpersist()
    return report


def _write_store(store, analysed, stories: Sequence[int], say: Log) -> int:
    """Articles, analyses and story memberships, one batch per few transactions, input order."""
    first = store.next_story_id()
    added = 0
    batch: list[tuple[int, Article, Analysis]] = []

    def flush() -> int:
        result = store.add_articles([a for _, a, _ in batch])
        kept = set(result.added)
        store.save_analyses([an for _, a, an in batch if a.id in kept])
        store.assign([(a.id, first + stories[i]) for i, a, _ in batch if a.id in kept])
        batch.clear()
        return len(kept)

    for index, (article, analysis) in analysed.sortByKey().toLocalIterator():
        batch.append((index, article, analysis))
        if len(batch) >= STORE_BATCH:
            added += flush()
    if batch:
        added += flush()
    return added


PARQUET_COLUMNS = ("id", "story", "title", "url", "outlet", "lang", "published", "source")


def _write_parquet(spark, analysed, stories: Sequence[int], output: str) -> int:
    """One row per article: its story number (1, 2, …) and the article's listing fields."""
    from pyspark.sql.types import LongType, StringType, StructField, StructType, TimestampType

    schema = StructType([
        StructField(name, LongType() if name == "story" else
                    TimestampType() if name == "published" else StringType())
        for name in PARQUET_COLUMNS
    ])
    b_stories = analysed.context.broadcast(list(stories))

    def row(item):
        index, (article, analysis) = item
        return (article.id, b_stories.value[index] + 1, article.title, article.url,
                article.outlet, article.lang, analysis.published, article.source)

    frame = spark.createDataFrame(analysed.map(row), schema)
    frame.write.mode("overwrite").parquet(output)
    return len(stories)
