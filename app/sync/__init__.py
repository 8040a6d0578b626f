"""Scheduled pulls from the systems that hold event logs: connectors, runs, watermarks."""
