"""Vietnamese normalisation, the FAQ matcher and the shipped content."""
