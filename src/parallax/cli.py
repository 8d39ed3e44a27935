"""The `parallax` command line: one store, many doors (files, feeds, archives, URLs, stdin).

Heavy libraries (spaCy, the embedder, SQLAlchemy) are imported inside the commands so that
`parallax --help` answers instantly.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from parallax.model import ReadError

app = typer.Typer(
    name="parallax",
    help="One news story from every side: ingest articles from many outlets and languages, "
    "group them into stories, and compare how each source covers them.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)
eval_app = typer.Typer(
    help="Score parallax against labelled data; each command prints one JSON object.",
    no_args_is_help=True,
)
app.add_typer(eval_app, name="eval")

out = Console(width=None if sys.stdout.isatty() else 160)  # logs and pipes keep whole rows
err = Console(stderr=True)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="PARALLAX_DB",
        help="Store URL: sqlite:///file.db (default sqlite:///parallax.db) or "
        "postgresql+psycopg://user@host/dbname.",
        show_default=False,
    ),
]


class ListFormat(StrEnum):
    text = "text"
    json = "json"


FormatOption = Annotated[ListFormat, typer.Option("--format", "-f", help="Output format.")]
LimitOption = Annotated[int, typer.Option("--limit", "-n", min=1, help="Show at most this many.")]

DEMO_CORPUS = Path(__file__).resolve().parents[2] / "examples" / "corpus"


def main() -> None:
    app()


def _open_store(db: str | None):
    from parallax.store import Store, StoreError, resolve_db_url

    try:
        return Store.open(resolve_db_url(db))
    except StoreError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


def _print_json(data: Any) -> None:
    out.print_json(json.dumps(data, ensure_ascii=False, default=_json_default))


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _print_error(item: ReadError | str, console: Console = err) -> None:
    """One line per bad item; its text is untrusted, so it is never parsed as markup."""
    console.print(Text.assemble(("error: ", "red"), str(item)), highlight=False, soft_wrap=True)


def _date(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else "—"


def run_ingest(store, inputs: list[str], *, allow_private: bool = False):
    """Read, store, analyse and link, with a progress bar per stage; returns the IngestReport."""
    from parallax.ingest import read_inputs
    from parallax.pipeline import IngestReport, analyze_pending, assign_stories, store_articles

    report = IngestReport()
    with _progress() as bars:
        reading = bars.add_task("Reading", total=None)

        def show(item) -> None:
            bars.advance(reading)
            if isinstance(item, ReadError):
                _print_error(item, bars.console)

        store_articles(store, read_inputs(inputs, allow_private=allow_private), report, show)
        bars.update(reading, total=report.read + len(report.errors))
        pending = store.ids_needing_analysis(_analysis_version())
        analyzing = bars.add_task("Analyzing", total=len(pending))
        report.analyzed = len(analyze_pending(store, lambda n: bars.advance(analyzing, n)))
        linking = bars.add_task("Linking", total=len(report.added))
        report.stories = assign_stories(
            store, report.added, lambda n: bars.advance(linking, n)
        )
    return report


def _analysis_version() -> str:
    from parallax.analyze import ANALYSIS_VERSION

    return ANALYSIS_VERSION


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", help="Show the version and exit.")] = False,
) -> None:
    if version:
        from parallax import __version__

        out.print(f"parallax {__version__}")
        raise typer.Exit()


@app.command()
def ingest(
    inputs: Annotated[
        list[str],
        typer.Argument(
            help="Files, folders (recursive), globs, RSS/Atom feeds, WARC(.gz) archives, "
            "http(s) URLs, or - for standard input.",
            show_default=False,
        ),
    ],
    allow_private: Annotated[
        bool, typer.Option(help="Allow URLs on private or loopback addresses.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Read articles into the store, analyse them and place each into a story.

    Ingesting the same article twice stores it once (same URL, else same normalised text).
    Unreadable items are reported one per line; the rest of the batch is still stored.

    [bold]Examples[/]

      parallax ingest articles/                 [dim]# a folder, recursively[/]
      parallax ingest 'news/*.jsonl' feed.xml   [dim]# globs and feeds[/]
      parallax ingest crawl.warc.gz             [dim]# HTML responses in a WARC archive[/]
      curl -s https://example.org/a | parallax ingest -
    """
    with _open_store(db) as store:
        _finish_ingest(run_ingest(store, inputs, allow_private=allow_private))


def _finish_ingest(report) -> None:
    """The one-line summary of an ingest; exit 1 when nothing could be read."""
    err.print(
        f"Stored [bold]{len(report.added)}[/] new article(s), "
        f"{len(report.duplicates)} already stored, {len(report.errors)} error(s); "
        f"{len(set(report.stories.values()))} story(ies) touched."
    )
    if report.read == 0:
        raise typer.Exit(1)


@app.command()
def articles(
    fmt: FormatOption = ListFormat.text,
    limit: LimitOption = 50,
    lang: Annotated[str | None, typer.Option(help="Only this language (ISO 639-1).")] = None,
    outlet: Annotated[str | None, typer.Option(help="Only this outlet (domain).")] = None,
    db: DbOption = None,
) -> None:
    """List stored articles, newest first.

    [bold]Examples[/]

      parallax articles --lang de
      parallax articles --format json | jq '.[].title'
    """
    with _open_store(db) as store:
        rows = store.iter_articles(limit=limit, lang=lang, outlet=outlet)
    if fmt is ListFormat.json:
        _print_json([a.summary() for a in rows])
        return
    cells = [[a.id, _date(a.published), a.lang or "—", a.outlet or "—", _title(a)] for a in rows]
    out.print(_listing(["id", "published", "lang", "outlet"], cells))


def _listing(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> Table:
    """A borderless table whose short columns keep their full width; the title that ends each
    row is cut with an ellipsis instead, so every row stays one line in any terminal."""
    table = Table(box=None, header_style="bold")
    widths = [max([len(name), *(len(row[i]) for row in rows)]) for i, name in enumerate(columns)]
    for column, width in zip(columns, widths, strict=True):
        table.add_column(column, no_wrap=True, width=width)
    spare = out.width - sum(widths) - 2 * len(columns) - 2
    table.add_column("title", overflow="ellipsis", no_wrap=True, width=max(spare, 8))
    for row in rows:
        table.add_row(*row)
    return table


def _title(a) -> str:
    return a.title or (a.text[:80].replace("\n", " ") + "…")


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Words to find (full-text, any language).")],
    fmt: FormatOption = ListFormat.text,
    limit: LimitOption = 20,
    db: DbOption = None,
) -> None:
    """Full-text search over titles and texts.

    [bold]Example[/]

      parallax search "Lavrov Sochi"
    """
    with _open_store(db) as store:
        hits = store.search(query, limit=limit)
    if fmt is ListFormat.json:
        _print_json([{**h.article.summary(), "snippet": h.snippet} for h in hits])
        return
    if not hits:
        err.print("No matches.")
        return
    for h in hits:
        out.print(f"[bold]{_title(h.article)}[/]  [dim]{h.article.id} · {h.article.outlet}[/]")
        out.print(f"  {h.snippet}", highlight=False, markup=False)


@app.command()
def stats(fmt: FormatOption = ListFormat.text, db: DbOption = None) -> None:
    """Show what the store holds: articles, stories, outlets, languages, date range, size."""
    with _open_store(db) as store:
        data = store.stats()
    if fmt is ListFormat.json:
        _print_json(data)
        return
    table = Table(box=None, show_header=False)
    for key, value in data.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in sorted(value.items(), key=lambda kv: -kv[1]))
        table.add_row(f"[bold]{key}[/]", str(value if value is not None else "—"))
    out.print(table)


@app.command()
def copy(
    target: Annotated[str, typer.Argument(help="The store to copy into: a database URL or a "
                                          "SQLite file path. It must hold no articles yet.",
                                          show_default=False)],
    db: DbOption = None,
) -> None:
    """Copy the whole store into another, empty one: the way to move from SQLite to PostgreSQL.

    Articles, analyses, stories, cached comparisons and the clusterer's state are copied as
    they are, so ingesting into the copy continues the same stories. The target is written in
    one transaction: if anything fails it is left empty. The source is only read.

    [bold]Examples[/]

      parallax copy postgresql://user@dbhost/news                [dim]# from parallax.db[/]
      parallax copy backup.db --db postgresql://user@dbhost/news [dim]# and back[/]
    """
    from parallax.store import StoreError

    with _open_store(db) as source, _open_store(target) as destination, _progress() as bar:
        tasks: dict[str, Any] = {}

        def advance(table: str, rows: int, total: int) -> None:
            if table not in tasks:
                tasks[table] = bar.add_task(table, total=total)
            bar.advance(tasks[table], rows)

        try:
            counts = source.copy_to(destination, progress=advance)
        except StoreError as exc:
            err.print(f"[red]error:[/] {exc}")
            raise typer.Exit(2) from exc
    err.print(f"Copied [bold]{counts.get('articles', 0)}[/] article(s), "
              f"{counts.get('stories', 0)} stories and {sum(counts.values())} rows in all "
              f"into {destination.url}.")


@app.command()
def stories(
    fmt: FormatOption = ListFormat.text,
    limit: LimitOption = 50,
    db: DbOption = None,
) -> None:
    """List stories: size, outlets, languages, first and last date, title."""
    with _open_store(db) as store:
        rows = store.stories(limit=limit)
    if fmt is ListFormat.json:
        _print_json([_story_json(s) for s in rows])
        return
    _print_stories(rows)


def _story_json(s) -> dict:
    return {
        "id": s.id,
        "title": s.title,
        "articles": len(s.article_ids),
        "outlets": s.outlets,
        "languages": s.languages,
        "first_seen": s.first_seen,
        "last_seen": s.last_seen,
    }


def _print_stories(rows) -> None:
    cells = [
        [str(s.id), str(len(s.article_ids)), str(len(s.outlets)), ",".join(s.languages),
         _date(s.first_seen), _date(s.last_seen), s.title]
        for s in rows
    ]
    out.print(_listing(["story", "articles", "outlets", "languages", "first", "last"], cells))


@app.command()
def similarity(
    first: Annotated[Path, typer.Argument(help="An article file (any supported format).")],
    second: Annotated[Path, typer.Argument(help="Another article file.")],
    fmt: FormatOption = ListFormat.text,
) -> None:
    """Score how alike two articles are on the SemEval-2022 scale (1 = same story … 4 = unrelated).

    [bold]Example[/]

      parallax similarity report-en.txt report-ru.html
    """
    from dataclasses import asdict

    from parallax.analyze import analyze_many
    from parallax.link.similarity import score_pair

    pair = [_read_one(first), _read_one(second)]
    a, b = analyze_many(pair)
    score = score_pair(a, b)
    if fmt is ListFormat.json:
        _print_json(asdict(score))
        return
    verdict = "[green]same story[/]" if score.same_story else "[yellow]different stories[/]"
    out.print(f"overall [bold]{score.overall:.2f}[/] (1 = same … 4 = unrelated): {verdict}, "
              f"P(same) = {score.probability:.2f}")
    for aspect in ("geography", "entities", "time", "narrative"):
        out.print(f"  {aspect:<10} {getattr(score, aspect):.2f}")


def _read_one(path: Path):
    from parallax.ingest import read_inputs

    for item in read_inputs([str(path)]):
        if not isinstance(item, ReadError):
            return item
        _print_error(item)
    raise typer.Exit(1)


class ReportFormat(StrEnum):
    text = "text"
    json = "json"
    md = "md"
    html = "html"


ReportFormatOption = Annotated[
    ReportFormat, typer.Option("--format", "-f", help="text (terminal), json, md or html.")
]
LangOption = Annotated[
    str, typer.Option("--lang", help="Reader's language: summary sentences prefer it.")
]
OutputOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write the report to this file.")
]


def _emit(report: str, output: Path | None) -> None:
    if output:
        output.write_text(report, encoding="utf-8")
        err.print(f"Wrote {output}")
    else:
        sys.stdout.write(report if report.endswith("\n") else report + "\n")


@app.command()
def compare(
    files: Annotated[
        list[str],
        typer.Argument(help="Two or more articles: files, folders, globs or URLs.",
                       show_default=False),
    ],
    fmt: ReportFormatOption = ReportFormat.text,
    lang: LangOption = "en",
    output: OutputOption = None,
) -> None:
    """Compare how a set of articles covers one story, without touching the store.

    Shows shared and single-source facts, contradictions, quote variants, copies and a
    summary whose every sentence cites its sources.

    [bold]Examples[/]

      parallax compare report-a.txt report-b.html
      parallax compare story/ --format html -o story.html
    """
    from parallax.compare import compare_articles, render
    from parallax.ingest import read_inputs

    articles = []
    for item in read_inputs(files):
        if isinstance(item, ReadError):
            _print_error(item)
        else:
            articles.append(item)
    if len(articles) < 2:
        err.print(f"[red]error:[/] need at least two readable articles, got {len(articles)}")
        raise typer.Exit(1)
    with err.status(f"Comparing {len(articles)} articles…"):
        comparison = compare_articles(articles, lang=lang)
    _emit(render(comparison, fmt.value), output)


@app.command()
def story(
    story_id: Annotated[int, typer.Argument(help="A story id from `parallax stories`.")],
    fmt: ReportFormatOption = ReportFormat.text,
    lang: LangOption = "en",
    output: OutputOption = None,
    db: DbOption = None,
) -> None:
    """Show one stored story from every side (the `compare` report for its articles)."""
    from parallax.compare import compare_articles, render

    with _open_store(db) as store:
        found = store.story(story_id)
        if found is None:
            err.print(f"[red]error:[/] no story {story_id} (see `parallax stories`)")
            raise typer.Exit(1)
        articles = store.get_articles(found.article_ids)
        analyses = store.get_analyses(found.article_ids)
    ordered = [analyses.get(a.id) for a in articles]
    comparison = compare_articles(articles, None if None in ordered else ordered, lang=lang)
    _emit(render(comparison, fmt.value), output)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind; 0.0.0.0 exposes it to the network.")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    db: DbOption = None,
) -> None:
    """Start the web UI and JSON API (OpenAPI docs at /docs) on the store."""
    import uvicorn

    from parallax.store import resolve_db_url
    from parallax.web import create_app

    err.print(f"parallax on http://{host}:{port}  (store {resolve_db_url(db)})")
    uvicorn.run(create_app(resolve_db_url(db)), host=host, port=port, log_level="warning")


@app.command()
def demo(
    corpus: Annotated[
        Path, typer.Option(help="Folder of articles to use instead of the bundled corpus.")
    ] = DEMO_CORPUS,
    db: DbOption = None,
) -> None:
    """Ingest the bundled example corpus and show the stories parallax finds in it."""
    articles_dir = corpus / "articles" if (corpus / "articles").is_dir() else corpus
    if not articles_dir.is_dir():
        err.print(f"[red]error:[/] demo corpus not found at {articles_dir}")
        raise typer.Exit(2)
    with _open_store(db) as store:
        report = run_ingest(store, [str(articles_dir)])
        err.print(
            f"Read {report.read} articles from {articles_dir} "
            f"({len(report.added)} new, {len(report.errors)} error(s))."
        )
        found = store.stories()
        _print_stories(found)
    if found:
        db_option = f" --db {db}" if db else ""
        err.print(
            f"\nNext: [bold]parallax story {found[0].id}{db_option}[/] shows the biggest story "
            f"from every side; [bold]parallax serve{db_option}[/] opens the web UI."
        )


class Engine(StrEnum):
    local = "local"
    spark = "spark"


EngineOption = Annotated[
    Engine,
    typer.Option("--engine", help="local: the single-machine engine; spark: Apache Spark "
                 "(pip install 'parallax-news\\[spark]', Java 17+), which forms the "
                 "stories without regrouping."),
]
MasterOption = Annotated[
    str | None,
    typer.Option("--master", help="Spark master URL (default local[*], or what spark-submit "
                 "set); only with --engine spark.", show_default=False),
]


def _require_spark() -> None:
    from parallax.scale.spark import SparkUnavailable, require_spark

    try:
        require_spark()
    except SparkUnavailable as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc


@app.command()
def backfill(
    inputs: Annotated[
        list[str],
        typer.Argument(help="Files, folders, globs: JSONL, Parquet (one article per row, "
                       "same field names as JSON), WARC(.gz), and everything `ingest` reads.",
                       show_default=False),
    ],
    engine: EngineOption = Engine.local,
    master: MasterOption = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write stories to this Parquet path (one row per "
                     "article: id, story, title, url, outlet, lang, published, source) "
                     "instead of the store; --engine spark only."),
    ] = None,
    partitions: Annotated[
        int | None, typer.Option(min=1, help="Spark partitions of the link stage "
                                 "(default: 2 per core, at most 5,000 articles each).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Build stories from a large collection in one go: read, analyse, link and store.

    [bold]--engine local[/] (default) runs the single-machine pipeline, as `parallax ingest`.

    [bold]--engine spark[/] reads, analyses and scores article pairs in parallel on Apache Spark,
    in local mode or on a cluster (--master, or spark-submit; see src/parallax/scale/README.md).
    It forms the stories the online engine would without regrouping (a later article moving
    earlier ones): candidate pairs are blocked by time window and nearest neighbours, scored
    with the same model and statistics, and stories are formed by replaying the online
    engine's policy in date order.
    It builds stories from scratch: it needs a store without stories, or --output.

    [bold]Examples[/]

      parallax backfill crawl/*.warc.gz                    [dim]# single machine[/]
      parallax backfill news.jsonl --engine spark          [dim]# Spark, local[*][/]
      parallax backfill part-*.parquet --engine spark -o stories.parquet
      parallax backfill hdfs:///news/2024.jsonl --engine spark --master yarn -o s.parquet
    """
    if engine is Engine.local:
        if output is not None or master is not None:
            err.print("[red]error:[/] --output and --master need --engine spark")
            raise typer.Exit(2)
        with _open_store(db) as store:
            _finish_ingest(run_ingest(store, inputs))
        return
    _require_spark()
    from parallax.scale.spark import BackfillError
    from parallax.scale.spark import backfill as spark_backfill
    from parallax.store import StoreError

    def log(message: str) -> None:
        err.print(Text(message), highlight=False)

    try:
        report = spark_backfill(inputs, master=master, db=db,
                                output=None if output is None else str(output), log=log,
                                on_error=_print_error, partitions=partitions)
    except (BackfillError, StoreError) as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    err.print(f"Backfilled [bold]{report.added}[/] article(s) into {report.stories} stories; "
              f"{report.duplicates} duplicate(s), {len(report.errors)} error(s).")
    if report.read == 0:
        raise typer.Exit(1)


@eval_app.command("clusters")
def eval_clusters(
    path: Annotated[Path, typer.Argument(help="JSONL: id, text, optional title/date/lang/url/"
                                         "outlet, and the gold `event` (never read by the "
                                         "clustering); or a corpus folder with labels.jsonl, "
                                         "like examples/corpus.")],
    engine: EngineOption = Engine.local,
    master: MasterOption = None,
) -> None:
    """BCubed and pairwise precision/recall/F1 of online story clustering."""
    if engine is Engine.spark:
        _require_spark()
        from functools import partial

        from parallax.scale.spark import run_clusters as run_spark

        _run_eval(partial(run_spark, master=master), path)
        return
    from parallax.eval.clusters import run_clusters

    _run_eval(run_clusters, path)


@eval_app.command("pairs")
def eval_pairs(
    path: Annotated[Path, typer.Argument(help="SemEval-2022 Task 8 CSV (text1, text2, Overall).")],
) -> None:
    """Pearson r of predicted pair similarity against the gold `Overall`."""
    from parallax.eval.pairs import run_pairs

    _run_eval(run_pairs, path)


@eval_app.command("quotes")
def eval_quotes(
    directory: Annotated[Path, typer.Argument(help="PolNeAR layout: text/ and attributions/.")],
) -> None:
    """Quote/attribution precision/recall/F1 on PolNeAR brat annotations."""
    from parallax.eval.quotes import run_quotes

    _run_eval(run_quotes, directory)


def _run_eval(runner, path: Path) -> None:
    if not path.exists():
        err.print(f"[red]error:[/] {path}: no such file or directory")
        raise typer.Exit(2)
    try:
        with _progress() as bars:
            task = bars.add_task(f"Evaluating {path.name}", total=None)
            result = runner(path, progress=lambda n: bars.advance(task, n))
    except ValueError as exc:
        err.print(f"[red]error:[/] {path}: {exc}")
        raise typer.Exit(2) from exc
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
