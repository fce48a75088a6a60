"""Projects as attendees see them: public info, terms, and joining by QR."""
