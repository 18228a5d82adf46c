"""Staff reports: the funnel, supply and demand, speed, responsiveness, outcomes."""
