"""The report's prose: one module per group of sections, each returning Markdown lines.

The figures come from the table modules of :mod:`mobisim.render.report` (``headline``,
``streets``, ``schools``, ``calming``, ``traffic``); these modules put them into words and
sections, in the order :func:`mobisim.render.report.build_report` assembles them.
"""
