"""The build's programs run as another user (the permission tests run them as 'nobody' when
they run as root). That user may not be able to reach the build tree at all: a checkout made
under umask 077, or one inside a home directory of mode 0700. So such a program runs from a
copy in a directory every user can read and execute, made once per test process (whatever
the umask) and removed when the process exits."""
import atexit
import os
import shutil
import tempfile

_dir = None
_copies = {}


def reachable(path):
    """A copy of the program `path` that every user can execute (the same file each call)."""
    global _dir
    if path not in _copies:
        if _dir is None:
            _dir = tempfile.mkdtemp(prefix="memview-run-as-")
            atexit.register(shutil.rmtree, _dir, True)
            os.chmod(_dir, 0o755)
        copy = os.path.join(_dir, os.path.basename(path))
        shutil.copyfile(path, copy)
        os.chmod(copy, 0o755)
        _copies[path] = copy
    return _copies[path]
