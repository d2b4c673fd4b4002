"""12345 Chat: the conversational intake channel of the city's citizen service hotline."""
