"""Raw JSON-RPC over the stdio transport: malformed input gets JSON-RPC errors, a non-reading client is held back."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("mcp")

SCENES = Path(__file__).parent / "data" / "scenes"
BEDROOM = SCENES / "bedroom_basic.json"
INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}}


def _start(workdir: Path, *extra: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "agentscene", "mcp", "--workdir", str(workdir), *extra],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _send(proc, INIT)
    assert json.loads(proc.stdout.readline())["id"] == 1
    _send(proc, {"jsonrpc": "2.0", "method": "notifications/initialized"})
    return proc


def _send(proc: subprocess.Popen, message: dict | bytes) -> None:
    proc.stdin.write(message if isinstance(message, bytes) else (json.dumps(message) + "\n").encode())
    proc.stdin.flush()


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def test_malformed_json_rpc_gets_errors_and_the_server_keeps_serving(tmp_path):
    proc = _start(tmp_path)
    try:
        bad_lines = [
            b"this is not json\n",
            b'{"jsonrpc": "2.0", "id": 2, "method": "tools/list"\n',      # cut off
            b"\xff\xfe\xfa\n",                                            # not UTF-8
            b"[1, 2, 3]\n",                                               # a batch
            b'{"jsonrpc": "1.0", "id": 3, "method": "tools/list"}\n',    # wrong version
            b'{"id": 4}\n',                                               # neither request nor response
            b"[" * 100_000 + b"\n",                                       # nested too deeply
        ]
        for line in bad_lines:
            _send(proc, line)
        _send(proc, {"jsonrpc": "2.0", "id": 5, "method": "no/such/method"})
        _send(proc, {"jsonrpc": "2.0", "id": 6, "method": "tools/call", "params": {"name": 7}})
        _send(proc, {"jsonrpc": "2.0", "id": 7, "method": "tools/list"})
        replies = [json.loads(proc.stdout.readline()) for _ in range(len(bad_lines) + 3)]
    finally:
        proc.stdin.close()
        proc.wait(20)
    codes = [(r.get("id"), r["error"]["code"]) if "error" in r else (r["id"], "ok") for r in replies]
    assert codes == [(None, -32700), (None, -32700), (None, -32700), (None, -32600), (3, -32600), (4, -32600),
                     (None, -32700), (5, -32601), (6, -32602), (7, "ok")]
    assert "Parse error" in replies[0]["error"]["message"]
    assert len(replies[-1]["result"]["tools"]) == 14
    assert proc.returncode == 0


def test_oversized_message_is_discarded_with_an_error(tmp_path):
    proc = _start(tmp_path)
    try:
        _send(proc, b'{"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {"pad": "' + b"x" * (5 * 1024 * 1024) + b'"}}\n')
        _send(proc, {"jsonrpc": "2.0", "id": 3, "method": "tools/list"})
        first, second = json.loads(proc.stdout.readline()), json.loads(proc.stdout.readline())
    finally:
        proc.stdin.close()
        proc.wait(20)
    assert first["error"]["code"] == -32600 and "byte limit" in first["error"]["message"]
    assert second["id"] == 3 and len(second["result"]["tools"]) == 14


def test_a_client_that_never_reads_is_held_back_with_bounded_memory(tmp_path):
    scene = json.loads(BEDROOM.read_text())
    template = scene["objects"][0]
    scene["objects"] = [{**template, "id": f"crate_{i}", "description": "crate " * 20} for i in range(500)]
    big = tmp_path / "big.json"
    big.write_text(json.dumps(scene))
    proc = _start(tmp_path / "work", "--scene", str(big))
    total = 200
    written = {"n": 0}
    pad = "x" * 4096  # requests bigger than the pipe and read buffers can hide

    def flood():
        for i in range(total):
            _send(proc, {"jsonrpc": "2.0", "id": 100 + i, "method": "tools/call",
                         "params": {"name": "get_scene", "arguments": {}, "_meta": {"pad": pad}}})
            written["n"] += 1

    try:
        before = _rss_mb(proc.pid)
        writer = threading.Thread(target=flood, daemon=True)
        writer.start()
        time.sleep(3.0)
        held_back = written["n"]
        grown = _rss_mb(proc.pid) - before
        # nobody read: the server stopped reading after max_in_flight unanswered requests (plus pipe buffers)
        assert held_back < total, "the server kept reading although no response was read"
        assert grown < 40, f"server grew by {grown:.0f} MB while its client did not read"
        ids = []
        for _ in range(total):
            reply = json.loads(proc.stdout.readline())
            assert len(reply["result"]["structuredContent"]["objects"]) == 500
            ids.append(reply["id"])
        writer.join(10)
        assert sorted(ids) == list(range(100, 100 + total))
    finally:
        proc.kill()
        proc.wait(20)
