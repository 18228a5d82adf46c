"""Browser tests: Playwright driving Chromium against the app on loopback, with axe-core."""
