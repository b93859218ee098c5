"""Facts of a clean text: title, dates, province, cited directives and their records, genre, headers."""
