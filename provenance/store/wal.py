"""Does a ``-wal`` file hold committed changes? Read from its frame headers.

A sandbox (:func:`~provenance.store.opening.connect_sandbox`) must not open an index
whose ``-wal`` holds commits a checkpoint has not copied into the file yet: closing the
last connection would checkpoint them, and the file's bytes would change. A ``-wal``
can also be left behind holding only frames of transactions that were rolled back (a
sandbox whose pages spilled while another reader kept the file open, so neither deleted
it); no checkpoint ever copies those, and refusing them would make every later
``check`` copy the whole index. So the answer is "yes" unless the header is a valid WAL
header and no frame of its current generation (same salts) marks a commit.

Layout (https://www.sqlite.org/fileformat.html#the_write_ahead_log): a 32-byte header
(magic, version, page size, checkpoint sequence, two salts, checksum), then frames of a
24-byte header (page number, database size after a commit or 0, the two salts,
checksum) and one page each. All integers big-endian.
"""

from __future__ import annotations

import struct
from pathlib import Path

__all__ = ["holds_commits"]

_MAGICS = (0x377F0682, 0x377F0683)
_HEADER = struct.Struct(">IIIIII")  # magic, version, page size, sequence, salt 1, salt 2
_FRAME = struct.Struct(">IIII")  # page, size after commit, salt 1, salt 2


def holds_commits(wal: Path) -> bool:
    """Whether ``wal`` may hold committed frames (``True`` for anything not understood)."""
    try:
        with wal.open("rb") as handle:
            header = handle.read(32)
            if not header:
                return False
            if len(header) < 32:
                return True
            magic, _, page_size, _, salt1, salt2 = _HEADER.unpack_from(header)
            if magic not in _MAGICS or page_size < 512 or page_size & (page_size - 1):
                return True
            offset = 32
            while True:
                handle.seek(offset)
                frame = handle.read(24)
                if len(frame) < 24:
                    return False
                _, committed, frame_salt1, frame_salt2 = _FRAME.unpack_from(frame)
                if (frame_salt1, frame_salt2) != (salt1, salt2):
                    return False  # frames of an earlier generation follow: never replayed
                if committed:
                    return True
                offset += 24 + page_size
    except FileNotFoundError:
        return False
    except OSError:
        return True
