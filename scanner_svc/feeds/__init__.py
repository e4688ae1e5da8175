"""Vulnerability feeds: the OSV record model, reading a feed path, and storing a sync."""
