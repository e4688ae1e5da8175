"""One module per command group of the `lading` CLI."""
