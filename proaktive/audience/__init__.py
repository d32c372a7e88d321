"""Who gets a campaign: criteria, areas, contact rules, and the funnel."""
