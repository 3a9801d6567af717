"""Reading exports back the way a scientist would."""

import io
from typing import Any

import pandas as pd


def body(response: Any) -> bytes:
    assert response.status_code == 200, getattr(response, "content", b"")[:500]
    return b"".join(response.streaming_content)


def frame(data: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), keep_default_na=True)
