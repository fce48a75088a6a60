"""Accounts: registration and login for operators, photographers and end users."""
