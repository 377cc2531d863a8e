"""Opportunity commands: `import-opportunities` and `export-activity`."""

COMMANDS: list = []
