"""The offices' documents (blank template, sheet schema, Chinese guide) and the other generated docs."""
