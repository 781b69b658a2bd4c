"""The data: the knowledge base compiled to arrays, the case generator, the exact posterior, tables of cases."""
