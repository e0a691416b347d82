"""Server-rendered web pages in Simplified Chinese (English on request)."""
