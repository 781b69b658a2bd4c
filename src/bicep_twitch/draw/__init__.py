"""Drawing the tree: the scene, its layout, matplotlib (SVG, PNG), Graphviz DOT, the files."""
