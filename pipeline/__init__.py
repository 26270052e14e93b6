"""salesreport: CRM exports in, monthly plans and summaries out. The Python API is
`pipeline.api` (docs/API.md); importing the package changes no global state."""
