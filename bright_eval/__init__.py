"""bright_eval: rerankers on BRIGHT, scored exactly as the benchmark's reference code does."""

__version__ = "0.1.0"
