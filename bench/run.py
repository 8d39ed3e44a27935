"""`make bench`: throughput, latency and memory of parallax on the real data in ../shared/data.

Each section runs in its own process so its peak RSS is its own; the parent prints one table
and can write everything as JSON (--json). Figures are medians over --repeat runs.

    python bench/run.py --data ../shared/data                 # every section
    python bench/run.py --data ../shared/data --section ingest
"""

from __future__ import annotations

import argparse
import html
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table

from parallax.eval import shared_data
from parallax.model import ReadError

SECTIONS: dict[str, Callable[[argparse.Namespace], dict]] = {}
WARMS_UP = {"compare"}  # sections that time a cold run, then the cached path a user hits next
USER_CACHE = {"scale"}  # sections that exclude analysis anyway: the user's embedding cache is fine


def section(fn: Callable[[argparse.Namespace], dict]) -> Callable[[argparse.Namespace], dict]:
    SECTIONS[fn.__name__] = fn
    return fn


def real_articles(data: Path) -> list[dict]:
    """The events-dev articles, the most news-like real texts we have."""
    path = data / "events-dev" / "articles.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def replicate(records: list[dict], n: int) -> list[dict]:
    """n distinct records replayed from the real ones (a suffix keeps the dedupe from firing)."""
    out = []
    for i in range(n):
        r = dict(records[i % len(records)])
        r["id"] = f"bench-{i}"
        r["url"] = f"https://bench{i // len(records)}.example/{r.get('id', i)}/{i}"
        r["text"] = f"{r['text']}\n\n(replay {i})"
        out.append(r)
    return out


def write_corpus(records: list[dict], folder: Path, kind: str) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    if kind == "jsonl":
        path = folder / "articles.jsonl"
        path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records))
        return [str(path)]
    for i, r in enumerate(records):
        if kind == "txt":
            (folder / f"{i:05d}.txt").write_text(r["text"], encoding="utf-8")
        else:
            (folder / f"{i:05d}.html").write_text(_html_page(r), encoding="utf-8")
    return [str(folder)]


def _html_page(r: dict) -> str:
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in r["text"].split("\n") if p.strip())
    title = html.escape(r.get("title") or r["text"][:60])
    return (
        f"<!doctype html><html><head><title>{title}</title>"
        f'<link rel="canonical" href="{html.escape(r["url"])}"></head><body>'
        f"<nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
        f"<article><h1>{title}</h1>{paragraphs}</article>"
        f"<footer>© Example Media. All rights reserved.</footer></body></html>"
    )


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return runs


@section
def ingest(args: argparse.Namespace) -> dict:
    """Read + normalise + store (no analysis): articles/s per input format, fresh SQLite store."""
    from parallax.ingest import read_inputs
    from parallax.pipeline import IngestReport, store_articles
    from parallax.store import Store

    records = replicate(real_articles(args.data), args.ingest_n)
    result = {}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("txt", "jsonl", "html"):
            inputs = write_corpus(records, Path(tmp) / kind, kind)
            counter = iter(range(10**6))

            def run(inputs=inputs, kind=kind, counter=counter) -> None:
                db = Path(tmp) / f"{kind}-{next(counter)}.db"
                with Store.open(f"sqlite:///{db}") as store:
                    report = IngestReport()
                    store_articles(store, read_inputs(inputs), report)
                    assert len(report.added) == len(records), (kind, len(report.added))

            runs = timed(run, args.repeat)
            result[f"{kind} articles/s"] = round(len(records) / statistics.median(runs), 1)
    result["articles"] = len(records)
    return result


@section
def pipeline(args: argparse.Namespace) -> dict:
    """Read -> store -> analyze -> cluster against the embedder alone, on the same texts, uncached.

    The embedder is the physical bound on this machine, so the figure that matters is the
    ratio: pipeline articles/s divided by embedder-only documents/s.
    """
    from parallax.analyze import analyze_many, document_text
    from parallax.analyze.embed import embed
    from parallax.ingest import read_inputs
    from parallax.link.cluster import OnlineClusterer
    from parallax.pipeline import IngestReport, store_articles
    from parallax.store import Store

    records = replicate(real_articles(args.data), args.pipeline_n)
    with tempfile.TemporaryDirectory() as tmp:
        inputs = write_corpus(records, Path(tmp) / "jsonl", "jsonl")
        articles = [a for a in read_inputs(inputs) if not isinstance(a, ReadError)]
        start = time.perf_counter()
        embed([document_text(a) for a in articles])
        embed_seconds = time.perf_counter() - start

        start = time.perf_counter()
        with Store.open(f"sqlite:///{Path(tmp) / 'pipeline.db'}") as store:
            report = IngestReport()
            store_articles(store, read_inputs(inputs), report)
            analyses = analyze_many(store.get_articles(report.added))
            store.save_analyses(analyses)
            clusterer = OnlineClusterer()
            store.assign([(a.article_id, clusterer.add(a)) for a in analyses])
        pipeline_seconds = time.perf_counter() - start
    embedder_rate = len(articles) / embed_seconds
    pipeline_rate = len(articles) / pipeline_seconds
    return {
        "articles": len(articles),
        "embedder-only docs/s": round(embedder_rate, 2),
        "pipeline articles/s": round(pipeline_rate, 2),
        "pipeline / embedder": round(pipeline_rate / embedder_rate, 3),
    }


@section
def latency(args: argparse.Namespace) -> dict:
    """Story-assignment latency (embedding excluded) with 10k and 100k articles already stored."""
    from parallax.link.latency import assignment_latency

    result = {}
    for stored in args.latency_sizes:
        figures = assignment_latency(stored)
        label = f"{stored // 1000}k"
        result[f"{label} p50 ms"] = figures["p50_ms"]
        result[f"{label} p99 ms"] = figures["p99_ms"]
        result[f"{label} load s"] = figures["load_seconds"]
    return result


def twenty_distinct(data: Path) -> list[dict]:
    """20 distinct real articles about one affair: the largest event, topped up from its twin
    (same actors, another occurrence), since no single labelled event has 20 articles."""
    records = real_articles(data)
    events = [json.loads(line) for line in (data / "events-dev" / "events.jsonl").open()]
    sizes = {e["event"]: sum(r["event"] == e["event"] for r in records) for e in events}
    largest = max(sizes, key=lambda e: (sizes[e], e))
    twins = {e["event"] for e in events if e.get("twin_of") == largest}
    twins |= {e["twin_of"] for e in events if e["event"] == largest and e.get("twin_of")}
    chosen = [r for r in records if r["event"] == largest]
    chosen += [r for r in records if r["event"] in twins]
    return chosen[:20]


@section
def compare(args: argparse.Namespace) -> dict:
    """`compare` on a real 20-article story: cold (nothing analysed, empty embedding cache), then
    with the analyses stored and the cache warm, as `parallax story ID` runs the second time."""
    from parallax.analyze import analyze_many
    from parallax.compare import compare_articles
    from parallax.compare.encoders import for_languages
    from parallax.ingest import article_from_record

    articles = [article_from_record(r, source="bench") for r in twenty_distinct(args.data)]
    start = time.perf_counter()
    compare_articles(articles)
    cold = time.perf_counter() - start
    analyses = analyze_many(articles)
    warm = timed(lambda: compare_articles(articles, analyses), args.repeat)
    return {
        "articles": len(articles),
        "sentence model": for_languages(a.lang for a in analyses).name,
        "cold s": round(cold, 2),
        "analyses stored s (median)": round(statistics.median(warm), 2),
    }


@section
def spark(args: argparse.Namespace) -> dict:
    """The Spark engine in local mode (all cores) against the single-machine engine, same data.

    Link stage (blocking + pair scoring + story forming): N pre-analysed articles replayed by
    `parallax.scale.loadgen.replay_analyses` (N = $PARALLAX_BENCH_SPARK_N, default 100,000),
    linked by `OnlineClusterer` in stream order and by `parallax.scale.spark.link`; analysing
    100k texts is out of reach here (~5 docs/s). Shipping the analyses into Spark is timed on
    its own. Analyze stage: the real events-dev articles, uncached, `analyze_many` in this
    process against Spark's mapPartitions (models loaded once per worker).
    """
    from parallax.analyze import analyze_many
    from parallax.eval.clusters import cluster_stream, read_labelled
    from parallax.eval.metrics import bcubed
    from parallax.scale.spark import analyze as spark_analyze
    from parallax.scale.spark import link, spark_session

    n = int(os.environ.get("PARALLAX_BENCH_SPARK_N", "100000"))
    from parallax.scale.loadgen import replay_analyses

    analyses = [analysis for _, analysis in replay_analyses(args.data, n, seed=0)]
    articles, _ = read_labelled(args.data / "events-dev" / "articles.jsonl")
    result: dict = {"link articles": len(analyses)}

    start = time.perf_counter()
    local = cluster_stream(analyses)
    seconds = time.perf_counter() - start
    result["link, single machine articles/s"] = round(len(analyses) / seconds, 1)
    start = time.perf_counter()
    analyze_many(articles)
    seconds = time.perf_counter() - start
    result["analyze articles"] = len(articles)
    result["analyze, analyze_many articles/s"] = round(len(articles) / seconds, 2)

    start = time.perf_counter()
    session = spark_session("local[*]", app_name="parallax-bench")
    result["spark session start s"] = round(time.perf_counter() - start, 1)
    try:
        sc = session.sparkContext
        result["spark cores"] = sc.defaultParallelism
        start = time.perf_counter()
        rdd = sc.parallelize(list(enumerate(analyses)), max(2 * sc.defaultParallelism,
                                                            len(analyses) // 5000)).persist()
        rdd.count()
        result["ship analyses into spark s"] = round(time.perf_counter() - start, 1)
        start = time.perf_counter()
        linked = link(rdd, len(analyses))
        seconds = time.perf_counter() - start
        result["link, spark articles/s"] = round(len(analyses) / seconds, 1)
        result["link, spark stages s"] = linked.seconds
        result["link, spark pairs scored"] = linked.pairs
        result["link, spark story formations"] = linked.rounds
        result["link, spark vs single machine BCubed F1"] = round(
            bcubed(linked.stories, local)["f1"], 4)
        rdd.unpersist()

        start = time.perf_counter()
        spark_analyze(sc.parallelize(list(enumerate(articles)), 2 * sc.defaultParallelism),
                      len(articles)).count()
        seconds = time.perf_counter() - start
        result["analyze, spark articles/s"] = round(len(articles) / seconds, 2)
    finally:
        session.stop()
    return result


SCALE_BACKENDS = ("sqlite", "postgresql")
# PostgreSQL filled by `parallax copy` of the store the sqlite worker grew (after it, in the same
# run): the million-article regime without growing a second store for hours.
COPY_BACKEND = "postgresql-copy"
COPY_CHUNKS = 5  # ingest calls timed on the copy
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


@section
def scale(args: argparse.Namespace) -> dict:
    """The store and story assignment as the store grows to each of --scale-sizes articles, on
    SQLite and PostgreSQL, with replayed pre-analysed articles (`parallax.scale.loadgen`:
    analysis and embedding excluded). Each backend runs in its own process (its own peak RSS)."""
    result: dict = {}
    with tempfile.TemporaryDirectory(prefix="parallax-scale-") as tmp:
        base = os.environ.get("PARALLAX_REPLAY_BASE") or str(Path(tmp) / "base.pickle")
        env = {**os.environ, "PARALLAX_REPLAY_BASE": base}
        # The base texts are analysed once, in a process of their own: the workers' peak RSS is
        # then that of the store and the clustering, without the analyzer's models.
        prepare = ("import sys; from pathlib import Path; "
                   "from parallax.scale.loadgen import _base_analyses; "
                   "_base_analyses(Path(sys.argv[1]))")
        subprocess.run([sys.executable, "-c", prepare, str(args.data)], env=env, check=True,
                       capture_output=True)
        for backend in args.scale_backends:
            cmd = [sys.executable, __file__, "--scale-worker", backend, "--data", str(args.data),
                   "--scale-sizes", ",".join(map(str, args.scale_sizes)),
                   "--scale-chunk", str(args.scale_chunk),
                   "--scale-probes", str(args.scale_probes), "--scale-tmp", tmp]
            proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=False, env=env)
            if proc.returncode != 0:
                result[f"{backend} error"] = f"worker exited {proc.returncode} (see stderr)"
                continue
            for key, value in json.loads(proc.stdout.strip().splitlines()[-1]).items():
                result[f"{backend} {key}"] = value
    result["spark"] = "not in this section: bench/run.py --section spark"
    return result


def _dir_bytes(path: Path) -> int:
    if not path.exists():
        return 0
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _scale_store(backend: str, tmp: Path) -> tuple[str, Callable[[], None]]:
    """A new empty store URL on `backend` and a function dropping it."""
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'scale.db'}", lambda: None
    import psycopg
    from psycopg import sql

    name = f"parallax_bench_{os.getpid()}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def drop() -> None:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)))

    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", drop


def scale_worker(args: argparse.Namespace) -> dict:
    """One backend of the scale section: grow a store chunk by chunk (articles and their
    analyses saved, then `pipeline.assign_stories`, as `parallax ingest` does) or, for
    `postgresql-copy`, fill PostgreSQL with `parallax copy` of the store the sqlite worker grew;
    then, at the largest size, time a process opening the store, ingest calls, and the
    assignment of single articles, as the web API does."""
    from parallax.link import state as link_state
    from parallax.store import Store

    backend, tmp = args.scale_worker, Path(args.scale_tmp)
    os.environ[link_state.INDEX_ENV] = str(tmp / f"index-{backend}")
    url, drop = _scale_store(backend, tmp)
    out: dict = {}
    try:
        with Store.open(url) as store:
            if backend == COPY_BACKEND:
                stored = _copy_sqlite_store(store, tmp, out)
            else:
                stored = _grow(store, args, sorted(args.scale_sizes), out)
            _probe(store, args, stored, out, chunks=COPY_CHUNKS if backend == COPY_BACKEND else 0)
    finally:
        drop()
    out["peak RSS MB"] = round(peak_rss_mb(), 1)
    return out


def _label(stored: int) -> str:
    return f"{round(stored / 1000)}k"


def _grow(store, args: argparse.Namespace, sizes: list[int], out: dict) -> int:
    """Fill the store to each size in ingest calls of --scale-chunk articles; the throughput
    from empty and over the last tenth of the way, stories, sizes on disk."""
    import itertools

    from parallax.scale.loadgen import replay_analyses

    stream = replay_analyses(args.data, sizes[-1])
    stored, seconds, window = 0, 0.0, []  # window: (articles, seconds) of recent chunks
    for size in sizes:
        while stored < size:
            chunk = list(itertools.islice(stream, min(args.scale_chunk, size - stored)))
            spent = _ingest_timed(store, chunk)
            stored += len(chunk)
            seconds += spent
            if stored % 10_000 < len(chunk):
                print(f"{args.scale_worker}: {stored} stored, {seconds:.0f} s", file=sys.stderr,
                      flush=True)
            keep = max(1, size // 10 // args.scale_chunk)  # the last tenth of the way
            window = [*window, (len(chunk), spent)][-keep:]
        label = _label(size)
        out[f"ingest+assign articles/s 0→{label}"] = round(stored / seconds, 1)
        recent = sum(n for n, _ in window) / sum(t for _, t in window)
        out[f"ingest+assign articles/s near {label}"] = round(recent, 1)
        _sizes_on_disk(store, out, label)
        print(json.dumps(out), file=sys.stderr, flush=True)
    return stored


def _ingest_timed(store, chunk: list) -> float:
    """Seconds to store a chunk of (article, analysis) and assign its stories, as `ingest` does
    after analysis (the replay's own cost is left out)."""
    from parallax.pipeline import assign_stories

    start = time.perf_counter()
    store.add_articles([a for a, _ in chunk])
    store.save_analyses([a for _, a in chunk])
    assign_stories(store, [a.id for a, _ in chunk])
    return time.perf_counter() - start


def _copy_sqlite_store(store, tmp: Path, out: dict) -> int:
    """Copy the SQLite store the sqlite worker left in `tmp` (`parallax copy`), timed."""
    from parallax.store import Store

    source = tmp / "scale.db"
    if not source.is_file():
        raise SystemExit(f"{COPY_BACKEND} needs the sqlite worker's store first: {source}")
    start = time.perf_counter()
    with Store.open(f"sqlite:///{source}") as original:
        counts = original.copy_to(store)
    stored = counts["articles"]
    out[f"copy from SQLite s at {_label(stored)}"] = round(time.perf_counter() - start, 1)
    _sizes_on_disk(store, out, _label(stored))
    return stored


def _sizes_on_disk(store, out: dict, label: str) -> None:
    from parallax.link.state import INDEX_ENV

    stats = store.stats()
    out[f"stories at {label}"] = stats["stories"]
    out[f"store MB at {label}"] = round(stats["size_bytes"] / 1e6, 1)
    index = _dir_bytes(Path(os.environ[INDEX_ENV]))
    if store.path:
        index += _dir_bytes(Path(f"{store.path}.centroids"))
    out[f"centroid index MB at {label}"] = round(index / 1e6, 1)


def _probe(store, args: argparse.Namespace, stored: int, out: dict, chunks: int) -> None:
    """At `stored` articles: a new process opening the store (the persisted index loaded and
    caught up), `chunks` ingest calls of --scale-chunk articles, then --scale-probes
    single-article assignments. The replay continues where the store's articles end."""
    import itertools

    import numpy as np

    from parallax.link import state as link_state
    from parallax.pipeline import assign_stories
    from parallax.scale.loadgen import replay_analyses

    label = _label(stored)
    link_state.drop_cached_indexes()
    start = time.perf_counter()
    link_state.open_state(store)
    out[f"open (index load) s at {label}"] = round(time.perf_counter() - start, 2)
    end = stored + chunks * args.scale_chunk + args.scale_probes
    stream = replay_analyses(args.data, end, start=stored)
    if chunks:
        seconds = 0.0
        for _ in range(chunks):
            chunk = list(itertools.islice(stream, args.scale_chunk))
            seconds += _ingest_timed(store, chunk)
        out[f"ingest+assign articles/s near {label}"] = round(
            chunks * args.scale_chunk / seconds, 1)
    timings = []
    for article, analysis in stream:
        store.add_articles([article])
        store.save_analyses([analysis])
        start = time.perf_counter()
        assign_stories(store, [article.id])
        timings.append((time.perf_counter() - start) * 1000)
    out[f"assign p50 ms at {label}"] = round(float(np.percentile(timings, 50)), 1)
    out[f"assign p99 ms at {label}"] = round(float(np.percentile(timings, 99)), 1)
    out["probes"] = len(timings)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_section(name: str, args: argparse.Namespace) -> dict:
    """Run one section in a child process and return its JSON result."""
    cmd = [sys.executable, __file__, "--child", name, "--data", str(args.data),
           "--repeat", str(args.repeat), "--ingest-n", str(args.ingest_n),
           "--pipeline-n", str(args.pipeline_n),
           "--latency-sizes", *map(str, args.latency_sizes)]
    cmd += ["--scale-sizes", ",".join(map(str, args.scale_sizes)),
            "--scale-backends", ",".join(args.scale_backends),
            "--scale-chunk", str(args.scale_chunk), "--scale-probes", str(args.scale_probes)]
    with tempfile.TemporaryDirectory() as cache:
        # Cold figures: no embedding cache at all, except where a section measures the warm
        # path after its own cold run (it then starts from an empty cache of its own).
        env = {**os.environ, "PARALLAX_CACHE": cache if name in WARMS_UP else "off"}
        if name in USER_CACHE:
            env = dict(os.environ)
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _sizes(value: str) -> list[int]:
    return [int(v) for v in value.replace(" ", ",").split(",") if v]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=shared_data())
    parser.add_argument("--section", choices=sorted(SECTIONS), action="append")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median taken)")
    parser.add_argument("--ingest-n", type=int, default=2000, help="articles per ingest run")
    parser.add_argument("--pipeline-n", type=int, default=134, help="articles, pipeline section")
    parser.add_argument("--latency-sizes", type=int, nargs="+", default=[10_000, 100_000],
                        help="stored articles for the latency section")
    parser.add_argument("--scale-sizes", type=_sizes, default=[100_000],
                        help="stored articles for the scale section, e.g. 100000,1000000")
    parser.add_argument("--scale-backends", type=lambda v: v.split(","),
                        default=list(SCALE_BACKENDS),
                        help=f"sqlite,postgresql (or {COPY_BACKEND}, after sqlite)")
    parser.add_argument("--scale-chunk", type=int, default=1000,
                        help="articles per ingest call in the scale section")
    parser.add_argument("--scale-probes", type=int, default=300,
                        help="single-article assignments timed at the largest size")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--scale-worker", help=argparse.SUPPRESS)
    parser.add_argument("--scale-tmp", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.scale_worker:
        print(json.dumps(scale_worker(args)))
        return 0
    if args.child:
        result = SECTIONS[args.child](args)
        result["peak RSS MB"] = round(peak_rss_mb(), 1)
        print(json.dumps(result))
        return 0
    console = Console()
    if not (args.data / "events-dev" / "articles.jsonl").is_file():
        console.print(f"[red]benchmark data not found under {args.data}[/]")
        return 2
    results = {}
    for name in args.section or list(SECTIONS):
        console.print(f"bench: {name} …")
        results[name] = run_section(name, args)
    table = Table("section", "measure", "value", header_style="bold")
    for name, figures in results.items():
        for measure, value in figures.items():
            table.add_row(name, measure, str(value))
    console.print(table)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
