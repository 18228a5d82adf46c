"""Career-office staff pages: home, outbox, alumni verification."""
