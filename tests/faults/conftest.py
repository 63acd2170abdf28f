"""Fault fixtures: real `chroma run` servers this suite may start, stop and kill."""

from __future__ import annotations

import pytest

from tests.support.servers import ChromaProcess, chroma_binary, free_port


@pytest.fixture
def chroma(tmp_path):
    binary = chroma_binary()
    if not binary:
        pytest.skip("the `chroma` binary is not installed; pip install chromadb to run the server tests")
    server = ChromaProcess(str(binary), tmp_path, free_port())
    yield server
    server.kill()
