"""Working with other regions: the region registry, federated answers over every region's public
endpoint, and exchange of public dumps."""
