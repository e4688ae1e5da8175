"""Plumbing shared by Lading's services: database engines, logging, secret storage."""
