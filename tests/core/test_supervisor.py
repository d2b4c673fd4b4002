"""The supervisor brings a killed child back with growing pauses and leaves the others alone."""
import logging
import os
import signal
import stat
import sys
import time

from bot.stack import Process, Stack, Supervisor, free_port


def http_child(name, tmp_path):
    port = free_port()
    argv = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(tmp_path)]
    return Process(name, argv, f"http://127.0.0.1:{port}/", f"http://127.0.0.1:{port}/", startup_timeout=20)


def wait_for(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_a_child_killed_is_started_again_and_the_others_keep_running(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="bot.stack")
    stack = Stack(dict(os.environ), log_dir=tmp_path / "log")
    first, second = http_child("first", tmp_path), http_child("second", tmp_path)
    try:
        stack.start(first)
        stack.start(second)
        Supervisor(stack).watch()
        untouched = second.popen.pid
        killed = first.popen.pid
        os.kill(killed, signal.SIGKILL)
        assert wait_for(lambda: first.restarts == 1)
        assert first.popen.pid != killed and first.popen.poll() is None
        assert second.popen.pid == untouched and second.restarts == 0
        assert "first exited with code -9; restarting in 1 s" in caplog.text
        assert "first is back (restart 1)" in caplog.text
        # a second death soon after waits twice as long
        os.kill(first.popen.pid, signal.SIGKILL)
        assert wait_for(lambda: first.restarts == 2)
        assert "restarting in 2 s" in caplog.text
    finally:
        stack.stop()
    assert first.popen.poll() is not None and second.popen.poll() is not None
    time.sleep(1.5)  # longer than the first pause: a stopped stack is not started again
    assert first.popen.poll() is not None and "restart 3" not in caplog.text


def test_what_a_child_prints_reaches_its_log_masked_and_private(tmp_path):
    stack = Stack({**os.environ, "DISPATCH_API_KEY": "printed-secret-0123"}, log_dir=tmp_path / "log")
    code = "import sys; print('call 13900004444 key printed-secret-0123'); print('oops 13900005555', file=sys.stderr)"
    child = Process("printer", [sys.executable, "-c", code], "", "")
    stack.spawn(child)
    child.popen.wait(timeout=20)
    assert wait_for(lambda: child.log_path.exists() and "oops" in child.log_path.read_text())
    text = child.log_path.read_text()
    assert "139*****444" in text and "139*****555" in text and "[secret]" in text
    assert "13900004444" not in text and "13900005555" not in text and "printed-secret-0123" not in text
    assert stat.S_IMODE(child.log_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(child.log_path.parent.stat().st_mode) == 0o700
