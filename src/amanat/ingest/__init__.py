"""Taking in what already exists: spreadsheets of persons and folders of downloaded videos.

The ``ingest`` layer reads files and turns them into record changes; it never touches
the vault or the views (it imports only ``records``), so a dry run needs no key. The
CLI's ``amanat import`` seals what it yields.

- ``tables``: CSV and XLSX rows, with their numbers as the user sees them;
- ``mapping``: which column each field comes from (YAML), and a suggested mapping;
- ``rows``: one row into one ``person.created`` change, or the reasons it cannot be;
- ``spreadsheet``: a whole list, in batches, with every row in the report;
- ``report``: the CSV report, written atomically;
- ``videos``: a yt-dlp folder into ``testimony.recorded`` changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from amanat import imported_on_use

if TYPE_CHECKING:
    from amanat.ingest.mapping import Mapping, load_mapping, suggest_mapping
    from amanat.ingest.report import (
        ReportWriter,
        output_path,
        owner_only_file,
        same_file,
        write_text_atomic,
    )
    from amanat.ingest.rows import RowChecker, RowOutcome
    from amanat.ingest.spreadsheet import (
        BATCH_ROWS,
        SpreadsheetImport,
        Tally,
        default_mapping_path,
        default_report_path,
    )
    from amanat.ingest.tables import Row, Table, open_table
    from amanat.ingest.videos import VideoItem, read_video_folder

__all__ = [
    "BATCH_ROWS",
    "Mapping",
    "ReportWriter",
    "Row",
    "RowChecker",
    "RowOutcome",
    "SpreadsheetImport",
    "Table",
    "Tally",
    "VideoItem",
    "default_mapping_path",
    "default_report_path",
    "load_mapping",
    "open_table",
    "output_path",
    "owner_only_file",
    "read_video_folder",
    "same_file",
    "suggest_mapping",
    "write_text_atomic",
]

__getattr__ = imported_on_use(
    __name__,
    {
        "BATCH_ROWS": "spreadsheet",
        "Mapping": "mapping",
        "ReportWriter": "report",
        "Row": "tables",
        "RowChecker": "rows",
        "RowOutcome": "rows",
        "SpreadsheetImport": "spreadsheet",
        "Table": "tables",
        "Tally": "spreadsheet",
        "VideoItem": "videos",
        "default_mapping_path": "spreadsheet",
        "default_report_path": "spreadsheet",
        "load_mapping": "mapping",
        "open_table": "tables",
        "output_path": "report",
        "owner_only_file": "report",
        "read_video_folder": "videos",
        "same_file": "report",
        "suggest_mapping": "mapping",
        "write_text_atomic": "report",
    },
)
