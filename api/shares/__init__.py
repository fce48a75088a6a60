"""Share links: a buyer lets anyone with the token see a purchased photo until expiry or revocation."""
