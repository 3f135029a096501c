"""Cost exports → the FOCUS ``cost`` table: FOCUS files, AWS CUR and Cost Explorer, GCP billing,
Azure; business metrics and budgets (the denominators and targets of cost KPIs)."""
