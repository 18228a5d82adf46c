"""Users, sign-up, sign-in, password reset and email verification."""
