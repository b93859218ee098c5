"""Building the corpus: import, crawl, clean, extract and store Documents."""
