"""Import pm4py once, without its welcome banner in the service's output."""

import sys

# pm4py prints a banner to stderr unless this flag is set before the first import.
sys._pm4py_welcome_shown = True  # type: ignore[attr-defined]

import pm4py  # noqa: E402

__all__ = ["pm4py"]
