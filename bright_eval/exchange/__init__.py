"""The field's exchange formats: MTEB result files (`mteb`), the official board's submission
(`board`), and a record's runs as TREC files (`trec`). `export` writes them; `evaluate` and
`record` read MTEB result files."""
