"""A council's own questions of its data.

How costs evolve (`cost_trends`), where demand concentrates (`concentration`), how services are
provided (`service_mix`): pure functions from the monthly ward panel and the ward table to tables.
`report` writes them, after disclosure control, with charts and a markdown summary.
"""
