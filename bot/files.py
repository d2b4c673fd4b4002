"""Files that hold citizens' data or secrets: folders 0700, files 0600, whoever created them."""
import os
import stat
from pathlib import Path
from typing import BinaryIO

DIR_MODE = 0o700
FILE_MODE = 0o600


def secure_dir(path: Path) -> Path:
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    path.chmod(DIR_MODE)
    return path


def secure(root: Path) -> Path:
    """Tighten a whole tree (var/, .secrets/): stores and logs written by an older version were 0644."""
    secure_dir(root)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames:
            Path(dirpath, name).chmod(DIR_MODE)
        for name in filenames:
            path = Path(dirpath, name)
            if stat.S_ISREG(path.lstat().st_mode):
                path.chmod(FILE_MODE)
    return root


def open_private(path: Path, mode: str = "ab") -> BinaryIO:
    """Open for appending (or writing), creating the file 0600 and tightening one that exists."""
    secure_dir(path.parent)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if "a" in mode else os.O_TRUNC)
    fd = os.open(path, flags, FILE_MODE)
    os.fchmod(fd, FILE_MODE)
    return os.fdopen(fd, mode)


def write_private(path: Path, text: str) -> Path:
    with open_private(path, "wb") as f:
        f.write(text.encode("utf-8"))
    return path
