"""Training: fit, choose the size, evaluate, report, export. Nothing here draws."""
