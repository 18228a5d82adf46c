"""Web helpers every blueprint shares: the unit of work for views, error pages, template globals."""
