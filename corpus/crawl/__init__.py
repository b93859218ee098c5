"""Crawling portals: polite fetching, the resumable frontier, sources, the crawl loop, rendering."""
