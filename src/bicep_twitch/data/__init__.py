"""The data: the knowledge base compiled to arrays, the case generator, the exact posterior, tables of cases."""

# The dataset folder's manifest, named here (no pandas) so the command can refuse to write over a
# dataset without importing the generator.
MANIFEST_NAME = "manifest.json"
