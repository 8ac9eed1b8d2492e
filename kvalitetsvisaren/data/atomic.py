"""Write a whole directory so that readers see it complete or not at all.

Two layouts:

- versioned (default for data the app serves): every write goes to a new hidden sibling
  directory, and `dest` is a symbolic link switched to it in one atomic rename. A reader that
  resolves `dest` once reads one complete version, even while the next one is written. The
  current and the previous version are kept, and any replaced less than GRACE_SECONDS ago (a
  reader may still be in it).
- plain: `dest` is an ordinary directory replaced by two renames (used for the snapshot
  committed in the repository, which is never written while served).

Either way a failed or interrupted write leaves `dest` as it was.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

KEEP_VERSIONS = 2
# A version replaced less than this long ago is kept even beyond KEEP_VERSIONS: a reader that
# resolved the link just before the switch may still be reading it.
GRACE_SECONDS = 600
_STAMP = "%Y%m%dT%H%M%S%fZ"


def write_directory(
    dest: str | os.PathLike[str], write: Callable[[Path], None], *, versioned: bool = False
) -> Path:
    """Call `write(tmp)` to fill a temporary sibling of `dest`, then publish it as `dest`.
    Returns the directory that now holds the data."""
    dest = Path(os.path.abspath(dest))
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.tmp-", dir=dest.parent))
    try:
        tmp.chmod(0o755)  # mkdtemp makes it private; others (the web server) read it too
        write(tmp)
        if versioned:
            return _publish_version(tmp, dest)
        _swap_in(tmp, dest)
        return dest
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _publish_version(tmp: Path, dest: Path) -> Path:
    stamp = datetime.now(UTC).strftime(_STAMP)
    version = dest.parent / f".{dest.name}.v-{stamp}"
    os.rename(tmp, version)
    if dest.is_dir() and not dest.is_symlink():  # a plain directory from before: keep it aside
        os.rename(dest, dest.parent / f".{dest.name}.v-00000000-plain")
    link = dest.parent / f".{dest.name}.link-{stamp}"
    os.symlink(version.name, link)  # relative: the pair can be moved together
    os.replace(link, dest)  # atomic: readers see the old version or the new one
    _prune(dest)
    return version


def versions(dest: Path) -> list[Path]:
    """The published versions of `dest`, oldest first."""
    return sorted(dest.parent.glob(f".{dest.name}.v-*"))


def _prune(dest: Path) -> None:
    """Remove versions beyond the newest KEEP_VERSIONS that were replaced long enough ago."""
    current = dest.resolve()
    published = versions(dest)
    now = datetime.now(UTC)
    for old, successor in itertools.pairwise(published[: -KEEP_VERSIONS + 1]):
        replaced_at = _published_at(successor)
        if old != current and (now - replaced_at).total_seconds() >= GRACE_SECONDS:
            shutil.rmtree(old, ignore_errors=True)


def _published_at(version: Path) -> datetime:
    try:
        return datetime.strptime(version.name.rsplit(".v-", 1)[1], _STAMP).replace(tzinfo=UTC)
    except ValueError:  # the plain directory kept aside: its successor's stamp decides
        return datetime.min.replace(tzinfo=UTC)


def _swap_in(new: Path, dest: Path) -> None:
    if not dest.exists():
        os.rename(new, dest)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.old-", dir=dest.parent))
    old.rmdir()
    os.rename(dest, old)
    try:
        os.rename(new, dest)
    except BaseException:
        os.rename(old, dest)
        raise
    shutil.rmtree(old, ignore_errors=True)
