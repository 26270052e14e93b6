"""Mailing every recipient their documents, exactly once."""
