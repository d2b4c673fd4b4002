"""The dispatch backend is an internal listener: loopback unless BACKEND_HOST says otherwise."""
from bot.settings import Settings


def listening_addresses(port: int):
    """Local addresses in LISTEN state on `port`, from the kernel's table (IPv4 and IPv6)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table).read().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.append(address)
    return found


def test_the_backend_listens_on_loopback_only_by_default(backend):
    port = int(backend.root.rsplit(":", 1)[1])
    assert "BACKEND_HOST" not in backend.settings_env or backend.settings_env["BACKEND_HOST"] == "127.0.0.1"
    assert listening_addresses(port) == ["0100007F"]  # 127.0.0.1, little-endian hex


def test_backend_host_defaults_to_loopback_and_can_be_changed():
    assert Settings().backend_host == "127.0.0.1"
    assert Settings.load({"BACKEND_HOST": "10.0.0.5"}).backend_host == "10.0.0.5"
