# Group scores are read through reports, where disclosure control applies; the admin does not list them.
