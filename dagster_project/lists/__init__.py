"""The government area lists' rules as data (ref_list_rules) and the list forecast."""
