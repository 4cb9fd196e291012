"""The row store: one row per document, durable when a write returns, atomic per write."""
from __future__ import annotations

import asyncio
import os
import stat
import subprocess
import sys
import textwrap

import pytest

from xiaoqu.core.rowstore import Change, RowStore, RowStoreError
from xiaoqu.core.storage import StoreLockedError


async def test_put_load_delete_survive_reopen(tmp_path):
    store = RowStore(tmp_path / "people.db", ["persons", "households"])
    await store.open()
    await store.put("persons", "p1", {"name": "王芳", "phone": "enc:abc"})
    await store.put("persons", "p2", {"name": "李强"})
    await store.put("persons", "p1", {"name": "王芳", "phone": "enc:def"})
    await store.delete("persons", "p2")
    await store.close()
    assert stat.S_IMODE(os.stat(tmp_path / "people.db").st_mode) == 0o600

    again = RowStore(tmp_path / "people.db", ["persons", "households"])
    await again.open()
    assert await again.load("persons") == [("p1", {"name": "王芳", "phone": "enc:def"})]
    assert await again.load("households") == []
    await again.close()


async def test_concurrent_writes_share_commits_and_all_land(tmp_path):
    store = RowStore(tmp_path / "cards.db", ["credentials"])
    await store.open()
    await asyncio.gather(*(store.put("credentials", f"c{i}", {"n": i}) for i in range(2000)))
    rows = dict(await store.load("credentials"))
    await store.close()
    assert len(rows) == 2000 and rows["c1999"] == {"n": 1999}


async def test_bad_input_is_refused_before_anything_is_queued(tmp_path):
    store = RowStore(tmp_path / "x.db", ["a"])
    await store.open()
    with pytest.raises(ValueError, match="has no table 'b'"):
        await store.write([Change("a", "k", {"ok": 1}), Change("b", "k", {})])
    with pytest.raises(ValueError, match=r"a\['k'\]"):
        await store.put("a", "k", {"bad": float("nan")})
    with pytest.raises(ValueError, match="non-empty text"):
        await store.put("a", "", {})
    assert await store.load("a") == []  # the good change of the refused write did not land
    await store.close()
    with pytest.raises(RowStoreError, match="not open"):
        await store.put("a", "k", {})
    with pytest.raises(ValueError, match="table name"):
        RowStore(tmp_path / "y.db", ["Drop table"])


def test_acknowledged_writes_survive_sigkill(tmp_path):
    """A child acknowledges writes on stdout, then is killed: every acknowledged row is on disk."""
    script = textwrap.dedent(f"""
        import asyncio, sys
        from xiaoqu.core.rowstore import RowStore
        async def main():
            store = RowStore({str(tmp_path / 'k.db')!r}, ["t"])
            await store.open()
            i = 0
            while True:
                await asyncio.gather(*(store.put("t", f"k{{i + j}}", {{"i": i + j}}) for j in range(50)))
                i += 50
                print(i, flush=True)
        asyncio.run(main())
    """)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    acknowledged = 0
    assert child.stdout is not None
    for line in child.stdout:
        acknowledged = int(line)
        if acknowledged >= 2000:
            break
    child.kill()
    child.wait()
    child.stdout.close()

    async def count() -> int:
        store = RowStore(tmp_path / "k.db", ["t"])
        await store.open()
        rows = await store.load("t")
        await store.close()
        return len(rows)

    assert asyncio.run(count()) >= acknowledged


async def test_a_file_has_one_writer_and_the_refusal_names_it_and_its_holder(tmp_path):
    """Another process holding the store open (a running hub) keeps a second one out; once it
    has gone, the store opens, here and in another store of this process alike."""
    script = textwrap.dedent(f"""
        import asyncio, sys
        from xiaoqu.core.rowstore import RowStore
        async def main():
            store = RowStore({str(tmp_path / 'cards.db')!r}, ["t"])
            await store.open()
            print("open", flush=True)
            sys.stdin.read()
            await store.close()
        asyncio.run(main())
    """)
    child = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdin is not None
    try:
        assert child.stdout.readline() == "open\n"
        with pytest.raises(StoreLockedError, match=rf"cards\.db is already open \(lock cards\.db\.lock held by pid "
                                                   rf"{child.pid}\)"):
            await RowStore(tmp_path / "cards.db", ["t"]).open()
    finally:
        child.stdin.close()
        child.wait()
        child.stdout.close()
    first = RowStore(tmp_path / "cards.db", ["t"])
    await first.open()
    with pytest.raises(StoreLockedError, match=rf"held by pid {os.getpid()}"):
        await RowStore(tmp_path / "cards.db", ["t"]).open()
    await first.close()
    again = RowStore(tmp_path / "cards.db", ["t"])
    await again.open()
    await again.close()
