"""Benchmarks, each writing its own section of docs/benchmarks.md (bench/report.py):
bench/run.py      `remi bench [--quick]`: the whole system beside plain Rasa (issue 8)
bench/nlu/        the NLU pipelines and the language detector (issue 3)
bench/content.py  what each answer costs in SMS segments (issue 4)
"""
