"""Alumni mentor profiles, industries, student profiles and the directory search."""
