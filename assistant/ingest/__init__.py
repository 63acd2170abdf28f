"""Ingest: read catalog, review, event and user files of any supported layout, clean every value, and
load the good rows into the stores, with the bad ones set aside in a report.

`readers` turns files into raw rows, `columns` maps rows to records (the one column mapping),
`cleaning` holds the value parsers they share, and `files` runs a whole ingest.
"""

from assistant.ingest.files import FileReport, IngestReport, ingest_files
from assistant.ingest.readers import FORMATS

__all__ = ["FORMATS", "FileReport", "IngestReport", "ingest_files"]
