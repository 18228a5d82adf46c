"""Administration (admins only): industries, people and their roles."""
