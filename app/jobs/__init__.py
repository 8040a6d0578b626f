"""Jobs that any number of worker processes share through the database: leases, the worker loop."""
