"""A real write failure for tests: past a file-size limit the kernel refuses writes (EFBIG).

Python ignores SIGXFSZ, so a write past ``RLIMIT_FSIZE`` fails with an OSError in the writer,
as it would on a full disk, without stopping the process. The limit is process-wide, so keep
the block short and write nothing else large inside it.
"""
from __future__ import annotations

import contextlib
import resource
from collections.abc import Iterator


@contextlib.contextmanager
def file_size_limit(limit: int) -> Iterator[None]:
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
