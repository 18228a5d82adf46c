"""The site pages that belong to no domain: the landing page and the health check."""
