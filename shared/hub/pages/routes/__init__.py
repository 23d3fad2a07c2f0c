"""The page routes, one Router per group of pages, included by functions/app_pages."""
