"""The generated nginx configuration: accepted by Debian's nginx, sticky Socket.IO, no retry of a POST once sent."""
import stat
import subprocess
import sys

from bot import nginx
from bot.stack import Process, Stack, free_port


def test_nginx_accepts_the_generated_configuration(tmp_path):
    config = nginx.write_config(tmp_path / "nginx", public_port=free_port(), rasa_ports=[5106, 5107],
                                action_port=free_port(), action_ports=[5156, 5157])
    checked = subprocess.run(nginx.argv(tmp_path / "nginx", config)[:-2] + ["-t"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    text = config.read_text()
    assert "hash $remote_addr consistent" in text  # Socket.IO sessions stay on one server
    assert "non_idempotent" not in text  # a POST that reached a server is never sent to a second one
    assert "access_log off" in text  # Rasa's API token travels in the query string
    assert stat.S_IMODE(config.stat().st_mode) == 0o600


def test_replicas_of_one_kind_start_side_by_side(tmp_path):
    def child(name):
        port = free_port()
        argv = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(tmp_path)]
        return Process(name, argv, f"http://127.0.0.1:{port}/", f"http://127.0.0.1:{port}/", startup_timeout=20)

    first, second, other = child("web 1"), child("web 2"), child("other")
    with Stack({}, log_dir=tmp_path / "log") as stack:
        stack.start_all([first, second, other])
        assert all(p.healthy and p.popen.poll() is None for p in (first, second, other))
        assert [p.name for p in stack.processes] == ["web 1", "web 2", "other"]
