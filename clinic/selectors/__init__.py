"""Read queries of the clinic kernel, with their select_related spelled out."""
