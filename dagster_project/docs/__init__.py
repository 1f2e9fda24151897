"""Documentation for analysts and auditors: the data dictionary and dbt's docs site per
published version, and the server that shows them with Data Docs (`make docs`)."""
