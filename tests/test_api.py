"""The Python API: a spec holding a reranker or retriever object and a list of domains, no
record unless asked, one error base class the CLI catches, the library logging instead of
printing, and a class redefined in a notebook replacing its registration."""

import logging
import textwrap

import pytest

import bright_eval.commands.rerank as rerank_command
from bright_eval import pipeline
from bright_eval.cli import StderrLines, build_parser, main
from bright_eval.errors import BrightEvalError
from bright_eval.evaluation import evaluate
from bright_eval.pipeline import DataSpec, PipelineError, PipelineSpec, run
from bright_eval.rerank import (
    REGISTRY,
    Judgement,
    PointwiseReranker,
    RerankerMeta,
    RerankerOptions,
    get_reranker_class,
)
from bright_eval.rerank.meta import LOCAL_MODEL
from bright_eval.retrieval.imported import ImportedRun
from bright_eval.runs import ranked, read_run
from tests.snapshot import build_domain


class ReverseFirstStage(PointwiseReranker):
    """Scores a candidate by its first-stage rank: the reranked list is the first stage upside
    down, worked out by hand from the run file."""

    meta = RerankerMeta(name="test-reverse", accepts=LOCAL_MODEL)

    def judge(self, candidates):
        return [Judgement(score=float(c.first_stage_rank)) for c in candidates]


def teardown_module():
    REGISTRY.pop("test-reverse", None)
    REGISTRY.pop("test-notebook", None)


def test_a_list_of_domains_is_the_comma_string_and_no_record_is_written_by_default():
    spec = PipelineSpec(reranker="test-reverse", domains=["pony", "biology"])
    assert spec.domains == "pony,biology"
    assert spec == PipelineSpec(reranker="test-reverse", domains="pony,biology")
    assert spec.results_dir is None
    # The command line keeps writing records under results/.
    assert build_parser().parse_args(["--reranker", "test-reverse"]).results_dir == "results"


def test_objects_are_named_as_the_command_line_would_name_them():
    built = ReverseFirstStage(RerankerOptions(model="m"))
    stage = ImportedRun("runs/{domain}.trec")
    spec = PipelineSpec(reranker=built, first_stage=stage)
    assert spec.options is built.options  # a built reranker's options are the spec's
    assert (spec.reranker_name, spec.first_stage_name) == (
        "test-reverse",
        "file:runs/{domain}.trec",
    )
    assert spec.retriever() is stage
    as_data = spec.as_dict()
    assert (as_data["reranker"], as_data["first_stage"]) == (
        "test-reverse",
        "file:runs/{domain}.trec",
    )
    assert as_data["options"]["model"] == "m"
    assert pipeline.build_reranker(spec) is built
    assert (
        type(pipeline.build_reranker(PipelineSpec(reranker=ReverseFirstStage))) is ReverseFirstStage
    )


def test_what_a_spec_cannot_hold_is_one_line():
    with pytest.raises(
        PipelineError, match=r"^reranker=3: expected a name, a Reranker subclass or object$"
    ):
        PipelineSpec(reranker=3)
    with pytest.raises(
        PipelineError, match=r"^first_stage=\['bm25'\]: expected a name or a Retriever object$"
    ):
        PipelineSpec(reranker="test-reverse", first_stage=["bm25"])
    with pytest.raises(PipelineError, match="options given to both test-reverse and the spec"):
        PipelineSpec(reranker=ReverseFirstStage(), options=RerankerOptions(model="m"))


def test_engine_spec_is_exported_with_the_rest_of_the_spec():
    from bright_eval.pipeline.spec import EngineSpec

    assert pipeline.EngineSpec is EngineSpec and "EngineSpec" in pipeline.__all__


@pytest.fixture
def pony(shared_bright, tmp_path, monkeypatch):
    build_domain(shared_bright, tmp_path, "pony", ["0", "1"], docs_per_query=3)
    monkeypatch.setenv("BRIGHT_EVAL_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)  # a record written by default would land in ./results
    return tmp_path


@pytest.mark.data
def test_a_run_from_objects_ranks_as_the_run_by_names_and_writes_nothing(pony):
    template = f"{pony}/{{domain}}.trec"
    by_objects = run(
        PipelineSpec(reranker=ReverseFirstStage(), first_stage=ImportedRun(template),
                     domains=["pony"], data=DataSpec(data_dir=str(pony)), progress=False)
    )  # fmt: skip
    first = read_run(pony / "pony.trec")
    reranked = by_objects.reranked["pony"].runs["score"]
    for qid in ("0", "1"):
        top3 = [doc for doc, _ in ranked(first[qid])]
        assert [doc for doc, _ in ranked(reranked[qid])] == top3[::-1]
    assert by_objects.record_path is None and not (pony / "results").exists()
    by_names = run(
        PipelineSpec(reranker="test-reverse", first_stage=f"file:{template}", domains="pony",
                     data=DataSpec(data_dir=str(pony)), progress=False)
    )  # fmt: skip
    assert by_names.name == by_objects.name
    assert by_names.reranked["pony"].runs == by_objects.reranked["pony"].runs


def test_every_user_error_class_derives_from_one_base():
    from bright_eval.data import DataError
    from bright_eval.distill.records import DistillError
    from bright_eval.domains import UnknownDomainError
    from bright_eval.engines import EngineError
    from bright_eval.evaluation import EvaluationError
    from bright_eval.report.records import ReportError
    from bright_eval.rerank import SettingError, UnknownRerankerError, UnsupportedOptionError
    from bright_eval.rerank.backends import UnknownBackendError
    from bright_eval.rerank.backends.base import ModelLoadError
    from bright_eval.rerank.backends.openai_backend import ServerError
    from bright_eval.rerank.cache_lines import InvalidOutputError
    from bright_eval.rerank.generative import MissingModelError
    from bright_eval.rerank.runner import MissingOutputsError
    from bright_eval.results import ResultsError
    from bright_eval.retrieval import UnknownRetrieverError
    from bright_eval.retrieval.analyzer import AnalyzerUnavailableError
    from bright_eval.retrieval.base import MissingDependencyError
    from bright_eval.runs import RunFormatError
    from bright_eval.significance import PairingError
    from bright_eval.sources import UnknownSourceError

    classes = [DataError, UnknownDomainError, EvaluationError, RunFormatError,
               UnknownRetrieverError, ResultsError, PairingError, AnalyzerUnavailableError,
               UnknownRerankerError, UnsupportedOptionError, SettingError, UnknownBackendError,
               MissingModelError, ModelLoadError, ServerError, PipelineError,
               MissingOutputsError, MissingDependencyError, UnknownSourceError, ReportError,
               DistillError, EngineError, InvalidOutputError]  # fmt: skip
    assert [c.__name__ for c in classes if not issubclass(c, BrightEvalError)] == []
    # Each keeps its builtin base, so code that caught ValueError still does.
    assert issubclass(DataError, ValueError) and issubclass(ServerError, RuntimeError)


def test_the_cli_reports_any_user_error_in_one_line(monkeypatch, capsys):
    class NewKind(BrightEvalError):
        """A kind of error no list in the CLI names."""

    def fails(args):
        raise NewKind("--top-k 7: too few for this reranker; give 10 or more")

    monkeypatch.setattr(rerank_command, "run_command", fails)
    assert main(["--reranker", "test-reverse"]) == 2
    assert capsys.readouterr().err == (
        "error: --top-k 7: too few for this reranker; give 10 or more\n"
    )


def test_the_library_logs_a_warning_and_the_cli_handler_shows_it_as_before(
    monkeypatch, capsys, caplog
):
    qrels = {"q1": {"d1": 1}, "q2": {"d2": 1}}
    scored = evaluate({"q1": {"d1": 1.0}}, qrels, domain="pony")
    line = "pony: 1 of 2 queries have no ranking in the run and score 0 (e.g. q2)"
    logger = logging.getLogger("bright_eval")
    assert any(isinstance(h, StderrLines) for h in logger.handlers)
    scored.warn_missing("pony")
    assert capsys.readouterr().err == f"warning: {line}\n"
    # Without the command line's handler, nothing is printed: it is a log record.
    monkeypatch.setattr(logger, "handlers", [])
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="bright_eval"):
        scored.warn_missing("pony")
    assert capsys.readouterr().err == ""
    assert [(r.name, r.levelname, r.getMessage()) for r in caplog.records] == [
        ("bright_eval.evaluation", "WARNING", line)
    ]


def test_a_class_redefined_in_a_notebook_replaces_its_registration():
    cell = textwrap.dedent(
        """
        class Mine(PointwiseReranker):
            meta = RerankerMeta(name="test-notebook")

            def judge(self, candidates):
                return [Judgement(score=SCORE) for _ in candidates]
        """
    )
    names = {"__name__": "__main__", "PointwiseReranker": PointwiseReranker,
             "RerankerMeta": RerankerMeta, "Judgement": Judgement}  # fmt: skip
    exec(cell.replace("SCORE", "1.0"), names)
    first = names["Mine"]
    exec(cell.replace("SCORE", "2.0"), names)  # the cell run again, edited
    assert names["Mine"] is not first
    assert get_reranker_class("test-notebook") is names["Mine"]
