"""Process discovery: the only package that imports pm4py."""
