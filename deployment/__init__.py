"""Ways of running Lading's services; `embedded` runs them all in one process."""
