"""Cleaning: bytes to text (charsets, HTML, text dumps, document files), boilerplate rules as data."""
