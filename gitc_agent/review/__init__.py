"""Group re-certification campaigns: the workbook an owner fills in, and the record it becomes.

`review export` (campaign -> workbook) and `review import` (workbook -> review record) share one
layout (`layout.py`), so what import accepts is exactly what export wrote, except the cells the
reviewer is asked to fill in.
"""
