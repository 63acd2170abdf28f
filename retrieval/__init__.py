"""Catalog side of shopmate: loading, cleaning and storing products and reviews, and searching them."""
