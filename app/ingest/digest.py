"""The 128-bit identity of an event: two independent SipHash-64 digests over its fields.

Text columns are hashed as categoricals: pandas hashes each distinct value once and gathers,
giving the same digest as hashing the values themselves (so dtype never changes an identity)."""

import numpy as np
import pandas as pd
import pyarrow as pa

_KEY_HI, _KEY_LO = "blueprint-miner1", "blueprint-miner2"
CONTENT = ("case_id", "activity", "timestamp", "start_timestamp", "resource", "role", "lifecycle", "attributes")


def _column(values: pa.Array) -> pd.Series:
    if pa.types.is_integer(values.type):
        # Missing integers (no start timestamp) hash as a value no timestamp can take.
        return pd.Series(values.fill_null(np.iinfo(np.int64).min).to_numpy(), dtype=np.int64)
    codes = values.dictionary_encode()
    labels = codes.dictionary.to_numpy(zero_copy_only=False).astype(object)
    return pd.Series(pd.Categorical.from_codes(codes.indices.fill_null(-1).to_numpy(), categories=labels))


def digest(table: pa.Table, *, event_key: bool) -> tuple[np.ndarray, np.ndarray]:
    """(hash_hi, hash_lo) per row: of the client's event_id if given, else of every content field."""
    names = ("event_key",) if event_key else CONTENT
    basis = pd.DataFrame({n: _column(table[n].combine_chunks()) for n in names})
    if event_key:
        basis.insert(0, "kind", "event_id")  # an event_id never collides with a content digest
    hi = pd.util.hash_pandas_object(basis, index=False, hash_key=_KEY_HI, categorize=False)
    lo = pd.util.hash_pandas_object(basis, index=False, hash_key=_KEY_LO, categorize=False)
    return hi.to_numpy().view(np.int64), lo.to_numpy().view(np.int64)
