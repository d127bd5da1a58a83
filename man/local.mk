# man/: manual pages (the toolstack issue writes them).
