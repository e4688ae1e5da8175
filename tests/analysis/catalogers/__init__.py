"""Tests of the catalogers."""
