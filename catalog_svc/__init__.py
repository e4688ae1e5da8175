"""The catalog service: images, registries, accounts, and the analysis queue."""
