"""Importing alumni from the advancement CRM: files, presets, the import run and its report.

`reading` turns a CSV or XLSX file into rows of cells, `presets` and `mapping` say which column
holds which field, `fields` checks one row, `services` plans and applies an import (a dry run is
the same plan, not applied) and `cli` is `flask careerlink alumni ...`.
"""
