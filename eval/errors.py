"""Errors of the benchmark runner: bad input files. The CLI prints them as one line and exits 1."""


class EvalError(Exception):
    """Base class of the benchmark runner's errors."""

    code = "eval_error"


class DatasetError(EvalError):
    """A query file is missing, lacks a column, or has a bad value (the message names file and line)."""

    code = "dataset_error"
